// SPDX-License-Identifier: MIT
/*
 * Scale: a second mdevfs holding N live devices on bench0, next to the
 * empty one; one more create (and its remove) timed on each in
 * interleaved rounds, readdir of bus/mdev/devices against the baseline
 * listing as many names, the daemon's RSS per device, start-up and a clean
 * shutdown (SIGTERM: every device removed through its backend, uevents
 * sent, the mount gone).
 */
#include <string.h>

#include "bench.h"

struct level {
	long n;
	double start_ms, fill_rate, shutdown_ms;
	struct samples create[2], remove[2]; /* [0]: at 0, [1]: at N */
	struct samples readdir[2];           /* [0]: mdevfs, [1]: baseline */
	long rss0_kib, rss_kib;
};

static void timed_cycle(const struct daemon *d, struct level *l, int at_n)
{
	char uuid[37];
	double t0, t1;

	uuid_next(uuid);
	t0 = now_ms();
	if (create_dev(d, 0, uuid))
		die("%s: create failed", d->label);
	t1 = now_ms();
	if (remove_dev(d, uuid))
		die("%s: remove failed", d->label);
	samples_add(&l->create[at_n], t1 - t0);
	samples_add(&l->remove[at_n], now_ms() - t1);
}

static void readdir_once(const struct daemon *d, struct samples *s, long n)
{
	double t0 = now_ms();
	long got = list_devices(d);

	if (got != n)
		die("%s: %ld devices listed, %ld live", d->label, got, n);
	samples_add(s, now_ms() - t0);
}

static void measure_level(struct daemon *empty, struct level *l)
{
	int rounds = (int)(10 * bench_scale) + 4, per_round = 40;
	int listings = l->n >= 100000 ? 3 : 7;
	struct daemon big, base;
	double t0;

	mdevfs_up(&big, 0);
	baseline_up(&base);
	l->start_ms = big.start_ms;
	l->rss0_kib = daemon_rss_kib(&big);
	t0 = now_ms();
	fill(&big, l->n);
	l->fill_rate = (double)l->n / ((now_ms() - t0) / 1000.0);
	l->rss_kib = daemon_rss_kib(&big);
	fill(&base, l->n);

	for (int r = 0; r < rounds; r++)
		for (int o = 0; o < 2; o++) {
			int at_n = (r + o) % 2;

			for (int i = 0; i < per_round; i++)
				timed_cycle(at_n ? &big : empty, l, at_n);
		}
	for (int r = 0; r < listings; r++) {
		readdir_once(r % 2 ? &big : &base, &l->readdir[r % 2 ? 0 : 1], l->n);
		readdir_once(r % 2 ? &base : &big, &l->readdir[r % 2 ? 1 : 0], l->n);
	}
	l->shutdown_ms = daemon_down(&big);
	daemon_down(&base);
}

void bench_scale_run(FILE *md, const char *outdir, struct daemon *empty)
{
	static const long sizes[] = { 1000, 10000, 100000 };
	int nlevels = bench_scale < 1 ? 2 : 3;
	FILE *dat = open_out(outdir, "scale.dat");

	fprintf(md, "| live devices N | one more create at N / at 0 (p50) | create p50 at 0 / at N (µs) | remove at N / at 0 (p50) | readdir mdevfs (ms) | readdir baseline (ms) | ratio | daemon RSS (MiB) | RSS per device (bytes) | fill (creates/s, 2 writers) | start-up (ms) | clean shutdown (ms) |\n");
	fprintf(md, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	fprintf(dat, "# N create0_us createN_us readdir_mdevfs_ms readdir_base_ms rss_per_dev_bytes shutdown_ms\n");
	for (int i = 0; i < nlevels; i++) {
		struct level l = { .n = sizes[i] };
		double c0, cn, rd0, rd1, per_dev;

		measure_level(empty, &l);
		c0 = samples_pct(&l.create[0], 50);
		cn = samples_pct(&l.create[1], 50);
		rd0 = samples_pct(&l.readdir[0], 50);
		rd1 = samples_pct(&l.readdir[1], 50);
		per_dev = (double)(l.rss_kib - l.rss0_kib) * 1024.0 / (double)l.n;
		results.scale_create_ratio[i] = cn / c0;
		results.scale_rss_per_dev[i] = per_dev;
		fprintf(md, "| %ld | **%.2f** | %.0f / %.0f | %.2f | %.1f | %.1f | %.2f | %.1f | %.0f | %.0f | %.0f | %.0f |\n",
			l.n, cn / c0, c0 * 1000, cn * 1000,
			samples_pct(&l.remove[1], 50) / samples_pct(&l.remove[0], 50),
			rd0, rd1, rd0 / rd1, (double)l.rss_kib / 1024.0, per_dev,
			l.fill_rate, l.start_ms, l.shutdown_ms);
		fprintf(dat, "%ld %.1f %.1f %.2f %.2f %.0f %.0f\n", l.n, c0 * 1000,
			cn * 1000, rd0, rd1, per_dev, l.shutdown_ms);
		for (int k = 0; k < 2; k++) {
			samples_free(&l.create[k]);
			samples_free(&l.remove[k]);
			samples_free(&l.readdir[k]);
		}
	}
	fclose(dat);
	fprintf(md, "\nCreates and removes timed on bench0 of a second mdevfs that holds "
		"the N devices (all on bench0, made by 2 writers) and of the empty "
		"one, %d interleaved rounds of 40; readdir: median of 7 listings "
		"each (3 at 100,000), the baseline listing its N devices. RSS: "
		"VmRSS after the fill minus before, over N. Start-up: exec to "
		"mounted, with 8 parents of 200,000 instances each (devices do not "
		"outlive the daemon, so it starts empty whatever N was). Shutdown: "
		"SIGTERM to exit, every device removed through its backend.\n\n",
		(int)(10 * bench_scale) + 4);
}
