// SPDX-License-Identifier: MIT
/*
 * The create+remove cycle from one writer and the read paths, mdevfs
 * against the baseline in interleaved rounds (the order flips each round,
 * so neither side always runs on a warmer cache).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "bench.h"

#define US(ms) ((ms) * 1000.0)

struct cycle_stats {
	struct samples cycle, create, remove;
};

static void one_cycle(const struct daemon *d, struct cycle_stats *st)
{
	char uuid[37];
	double t0, t1, t2;
	int err;

	uuid_next(uuid);
	t0 = now_ms();
	err = create_dev(d, 0, uuid);
	t1 = now_ms();
	if (err)
		die("%s: create: %s", d->label, strerror(-err));
	err = remove_dev(d, uuid);
	t2 = now_ms();
	if (err)
		die("%s: remove: %s", d->label, strerror(-err));
	if (st) {
		samples_add(&st->cycle, t2 - t0);
		samples_add(&st->create, t1 - t0);
		samples_add(&st->remove, t2 - t1);
	}
}

static void cycle_row(FILE *md, const char *label, struct cycle_stats *s)
{
	fprintf(md, "| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.1f |\n", label,
		s->cycle.n, US(samples_mean(&s->cycle)), US(samples_pct(&s->cycle, 50)),
		US(samples_pct(&s->cycle, 99)), US(samples_pct(&s->create, 50)),
		US(samples_pct(&s->remove, 50)));
}

static void cycle_free(struct cycle_stats *s)
{
	samples_free(&s->cycle);
	samples_free(&s->create);
	samples_free(&s->remove);
}

/* @rounds rounds of @per_round cycles on each side, in alternating order:
 * each round's ratio of times (@m's / @b's) goes to @ratios. */
static void interleave(struct daemon *m, struct daemon *b, int rounds,
		       int per_round, struct cycle_stats *sm,
		       struct cycle_stats *sb, struct samples *ratios)
{
	for (int i = 0; i < 200; i++) { /* warm up both */
		one_cycle(m, NULL);
		one_cycle(b, NULL);
	}
	for (int r = 0; r < rounds; r++) {
		struct daemon *order[2] = { r % 2 ? m : b, r % 2 ? b : m };
		double sum[2] = { 0, 0 };

		for (int o = 0; o < 2; o++) {
			struct cycle_stats *st = order[o] == m ? sm : sb;
			double t0 = now_ms();

			for (int i = 0; i < per_round; i++)
				one_cycle(order[o], st);
			sum[order[o] == m ? 0 : 1] = now_ms() - t0;
		}
		samples_add(ratios, sum[0] / sum[1]);
	}
}

/* What the features a cycle pays for cost: mdevfs without its crash
 * records, then also without uevents, each against the baseline. */
static void cycle_parts(FILE *md, struct daemon *b, int rounds, int per_round)
{
	static const char *const opts[][2] = {
		{ "--no-state-dir", NULL },
		{ "--no-state-dir", "--uevent=none" },
	};

	fprintf(md, "What the cycle pays for, each variant against the baseline "
		"in %d interleaved rounds of its own:\n\n", rounds);
	fprintf(md, "| mdevfs | median of the rounds' ratios | p10-p90 |\n");
	fprintf(md, "| --- | ---: | ---: |\n");
	for (size_t v = 0; v < G_N_ELEMENTS(opts); v++) {
		struct cycle_stats sm = { 0 }, sb = { 0 };
		struct samples ratios = { 0 };
		struct daemon m;

		mdevfs_up_with(&m, 0, opts[v][0], opts[v][1]);
		interleave(&m, b, rounds, per_round, &sm, &sb, &ratios);
		daemon_down(&m);
		fprintf(md, "| `%s%s%s` | %.2f | %.2f-%.2f |\n", opts[v][0],
			opts[v][1] ? " " : "", opts[v][1] ? opts[v][1] : "",
			samples_pct(&ratios, 50), samples_pct(&ratios, 10),
			samples_pct(&ratios, 90));
		cycle_free(&sm);
		cycle_free(&sb);
		samples_free(&ratios);
	}
	fprintf(md, "\n");
}

void bench_cycle(FILE *md, const char *outdir, struct daemon *m, struct daemon *b)
{
	/* Short rounds: a burst of someone else's load hits both sides. */
	int rounds = (int)(400 * bench_scale) + 20, per_round = 10;
	struct cycle_stats sm = { 0 }, sb = { 0 };
	struct samples ratios = { 0 };
	FILE *dat;

	interleave(m, b, rounds, per_round, &sm, &sb, &ratios);
	results.cycle_ratio_rounds = samples_pct(&ratios, 50);
	results.cycle_ratio_mean = samples_mean(&sm.cycle) / samples_mean(&sb.cycle);
	results.cycle_ratio_p50 = samples_pct(&sm.cycle, 50) / samples_pct(&sb.cycle, 50);

	fprintf(md, "| one writer: open+write+close `create`, then `remove` | cycles | mean (µs) | p50 (µs) | p99 (µs) | create p50 (µs) | remove p50 (µs) |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	cycle_row(md, "mdevfs", &sm);
	cycle_row(md, "baseline FS", &sb);
	fprintf(md, "| **ratio mdevfs / baseline** | | **%.2f** | **%.2f** | %.2f | %.2f | %.2f |\n\n",
		results.cycle_ratio_mean, results.cycle_ratio_p50,
		samples_pct(&sm.cycle, 99) / samples_pct(&sb.cycle, 99),
		samples_pct(&sm.create, 50) / samples_pct(&sb.create, 50),
		samples_pct(&sm.remove, 50) / samples_pct(&sb.remove, 50));
	fprintf(md, "%d interleaved rounds of %d cycles on each side. **The "
		"median of the rounds' ratios** (time of mdevfs's %d cycles / the "
		"baseline's next to them), the measure least moved by other load "
		"on the machine: **%.2f**; p10-p90 of the rounds' ratios "
		"%.2f-%.2f.\n\n", rounds, per_round, per_round,
		samples_pct(&ratios, 50), samples_pct(&ratios, 10),
		samples_pct(&ratios, 90));
	cycle_parts(md, b, rounds / 2, per_round);

	dat = open_out(outdir, "cycle.dat");
	fprintf(dat, "# percentile mdevfs_us baseline_us\n");
	for (int tenths = 10; tenths < 1000; tenths += tenths < 900 ? 10 : 5) {
		double p = tenths / 10.0;

		fprintf(dat, "%.1f %.2f %.2f\n", p, US(samples_pct(&sm.cycle, p)),
			US(samples_pct(&sb.cycle, p)));
	}
	fclose(dat);
	cycle_free(&sm);
	cycle_free(&sb);
	samples_free(&ratios);
}

enum read_op { R_STAT, R_READDIR, R_CAT, R_OPS };
static const char *const read_names[] = {
	[R_STAT] = "`stat bus/mdev/devices/<uuid>/` (through the link)",
	[R_READDIR] = "`readdir bus/mdev/devices`",
	[R_CAT] = "`cat .../available_instances`",
};

static void read_once(const struct daemon *d, enum read_op op, const char *uuid,
		      long live)
{
	char path[256];
	struct stat st;
	long n;

	switch (op) {
	case R_STAT:
		snprintf(path, sizeof(path), "%s/bus/mdev/devices/%s/", d->dir, uuid);
		if (stat(path, &st))
			die("stat %s: %s", path, strerror(errno));
		break;
	case R_READDIR:
		n = list_devices(d);
		if (n != live)
			die("%s: %ld devices listed, %ld live", d->label, n, live);
		break;
	default:
		avail_path(path, sizeof(path), d, 0);
		if (cat_file(path))
			die("cat %s: %s", path, strerror(errno));
		break;
	}
}

/* One op on both, in interleaved rounds: one table row. */
static void read_row(FILE *md, struct daemon *fs[2], enum read_op op,
		     const char *uuid, long live)
{
	int per_round = op == R_READDIR && live > 100 ? 2 : 50;
	int rounds = (int)(20 * bench_scale) + 4;
	struct samples s[2] = { { 0 } };

	for (int r = 0; r < rounds; r++)
		for (int o = 0; o < 2; o++) {
			int f = (r + o) % 2;

			for (int i = 0; i < per_round; i++) {
				double t0 = now_ms();

				read_once(fs[f], op, uuid, live);
				samples_add(&s[f], now_ms() - t0);
			}
		}
	fprintf(md, "| %s | %ld | %.1f | %.1f | **%.2f** | %.1f | %.1f |\n",
		read_names[op], live, US(samples_pct(&s[0], 50)),
		US(samples_pct(&s[1], 50)),
		samples_pct(&s[0], 50) / samples_pct(&s[1], 50),
		US(samples_pct(&s[0], 99)), US(samples_pct(&s[1], 99)));
	samples_free(&s[0]);
	samples_free(&s[1]);
}

/* On a fresh pair, so the devices made here burden nothing else. */
void bench_reads(FILE *md)
{
	long many = (long)(10000 * bench_scale);
	struct daemon m, b;
	struct daemon *fs[2] = { &m, &b };
	char uuid[37];

	mdevfs_up(&m, 0);
	baseline_up(&b);
	uuid_next(uuid);
	for (int f = 0; f < 2; f++)
		if (create_dev(fs[f], 0, uuid))
			die("%s: create failed", fs[f]->label);
	fprintf(md, "| read | live devices | mdevfs p50 (µs) | baseline p50 (µs) | ratio p50 | mdevfs p99 (µs) | baseline p99 (µs) |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int level = 0; level < 2; level++) {
		long live = level ? many : 1;

		if (level) {
			fill(&m, many - 1);
			fill(&b, many - 1);
		}
		for (enum read_op op = 0; op < R_OPS; op++)
			read_row(md, fs, op, uuid, live);
	}
	fprintf(md, "\n");
	daemon_down(&m);
	daemon_down(&b);
}
