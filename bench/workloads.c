// SPDX-License-Identifier: MIT
/*
 * The create+remove cycle from one writer and the read paths, mdevfs
 * against the baseline in interleaved rounds (the order flips each round,
 * so neither side always runs on a warmer cache).
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

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

static const char *fs_type(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return "?";
	return st.f_type == TMPFS_MAGIC ? "a tmpfs" : "the disk";
}

struct variant {
	char label[160];
	char opt[2][160]; /* "": none */
	bool goal;        /* held to goal 1; an option's cost is only shown */
};

/* mdevfs's configurations the cycle is measured in (goal 1: the default
 * with its state directory on a disk and on a tmpfs). */
static int cycle_variants(struct variant v[MAX_VARIANTS], char *tmpfs_dir)
{
	int n = 0;

	memset(&v[n], 0, sizeof(v[n]));
	v[n].goal = true;
	snprintf(v[n++].label, sizeof(v[0].label),
		 "default (state dir `/run/mdevfs/...`, here on %s)", fs_type("/run"));
	memset(&v[n], 0, sizeof(v[n]));
	snprintf(v[n].label, sizeof(v[0].label),
		 "`--durable-state` (an option: every record fsynced), state dir on %s",
		 fs_type("/run"));
	snprintf(v[n++].opt[0], sizeof(v[0].opt[0]), "--durable-state");
	memset(&v[n], 0, sizeof(v[n]));
	v[n].goal = true;
	snprintf(v[n].label, sizeof(v[0].label), "`--state-dir` on a tmpfs");
	snprintf(v[n++].opt[0], sizeof(v[0].opt[0]), "--state-dir=%s/state", tmpfs_dir);
	if (strcmp(fs_type("/run"), "the disk") != 0 &&
	    strcmp(fs_type("/var/tmp"), "the disk") == 0) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].goal = true;
		snprintf(v[n].label, sizeof(v[0].label), "`--state-dir` on the disk (/var/tmp)");
		snprintf(v[n++].opt[0], sizeof(v[0].opt[0]),
			 "--state-dir=/var/tmp/mdevbench-state-%d", (int)getpid());
	}
	memset(&v[n], 0, sizeof(v[n]));
	snprintf(v[n].label, sizeof(v[0].label), "`--no-state-dir --uevent=none`");
	snprintf(v[n].opt[0], sizeof(v[0].opt[0]), "--no-state-dir");
	snprintf(v[n++].opt[1], sizeof(v[0].opt[1]), "--uevent=none");
	return n;
}

static const char *opt_or_null(const char *opt)
{
	return opt[0] ? opt : NULL;
}

/* Before anything mounts a tmpfs on /run/mdevfs: the default is the
 * default, on whatever /run is here. */
void bench_cycle(FILE *md, const char *outdir, struct daemon *b)
{
	int rounds = bench_scale < 1 ? 5 : 9, per_round = bench_scale < 1 ? 100 : 200;
	char tmpfs_dir[] = "/tmp/mdevbench-statefs-XXXXXX";
	struct variant v[MAX_VARIANTS];
	FILE *dat = NULL;

	if (!mkdtemp(tmpfs_dir) || mount("mdevbench", tmpfs_dir, "tmpfs", 0, "mode=0755"))
		die("a tmpfs on %s: %s", tmpfs_dir, strerror(errno));
	results.n_variants = cycle_variants(v, tmpfs_dir);
	fprintf(md, "One writer: open+write+close of bench0's `create` with a new "
		"UUID, then of `bus/mdev/devices/UUID/remove`. Each mdevfs "
		"configuration against the baseline in %d interleaved rounds of %d "
		"cycles on each side (the order flips each round); the ratio is "
		"the median of the rounds' ratios (time of mdevfs's %d cycles / "
		"the baseline's next to them).\n\n", rounds, per_round, per_round);
	fprintf(md, "| mdevfs configuration | mdevfs µs/cycle: mean | p50 | p99 | baseline µs/cycle: mean | p50 | p99 | **ratio** (median of rounds) | p10-p90 of rounds | goal ≤ 1.3× |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (int i = 0; i < results.n_variants; i++) {
		struct cycle_stats sm = { 0 }, sb = { 0 };
		struct samples ratios = { 0 };
		struct daemon m;
		double r;

		mdevfs_up_with(&m, 0, opt_or_null(v[i].opt[0]), opt_or_null(v[i].opt[1]));
		interleave(&m, b, rounds, per_round, &sm, &sb, &ratios);
		daemon_down(&m);
		r = samples_pct(&ratios, 50);
		memcpy(results.variant[i], v[i].label, sizeof(results.variant[i]));
		results.cycle_ratio[i] = r;
		results.cycle_goal[i] = v[i].goal;
		results.cycle_us[i][0] = US(samples_mean(&sm.cycle));
		results.cycle_us[i][1] = US(samples_mean(&sb.cycle));
		fprintf(md, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | **%.2f** | %.2f-%.2f | %s |\n",
			v[i].label, US(samples_mean(&sm.cycle)), US(samples_pct(&sm.cycle, 50)),
			US(samples_pct(&sm.cycle, 99)), US(samples_mean(&sb.cycle)),
			US(samples_pct(&sb.cycle, 50)), US(samples_pct(&sb.cycle, 99)),
			r, samples_pct(&ratios, 10), samples_pct(&ratios, 90),
			!v[i].goal ? "(an option)" : r <= 1.3 ? "**met**" : "**missed**");
		if (i == 0) { /* the plot: the default's distribution */
			dat = open_out(outdir, "cycle.dat");
			fprintf(dat, "# percentile mdevfs_us baseline_us\n");
			for (int tenths = 10; tenths < 1000; tenths += tenths < 900 ? 10 : 5) {
				double p = tenths / 10.0;

				fprintf(dat, "%.1f %.2f %.2f\n", p, US(samples_pct(&sm.cycle, p)),
					US(samples_pct(&sb.cycle, p)));
			}
			fclose(dat);
		}
		cycle_free(&sm);
		cycle_free(&sb);
		samples_free(&ratios);
	}
	fprintf(md, "\n");
	umount(tmpfs_dir);
	rmdir(tmpfs_dir);
}

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
		     const char *uuid, long live, int level)
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
	results.read_ratio[level][op] = samples_pct(&s[0], 50) / samples_pct(&s[1], 50);
	fprintf(md, "| %s | %ld | %.1f | %.1f | **%.2f** | %.1f | %.1f | %s |\n",
		read_names[op], live, US(samples_pct(&s[0], 50)),
		US(samples_pct(&s[1], 50)), results.read_ratio[level][op],
		US(samples_pct(&s[0], 99)), US(samples_pct(&s[1], 99)),
		results.read_ratio[level][op] <= 1.3 ? "**met**" : "**missed**");
	samples_free(&s[0]);
	samples_free(&s[1]);
}

/* On a fresh pair, so the devices made here burden nothing else. */
void bench_reads(FILE *md)
{
	long many = bench_read_devices > 0 ? bench_read_devices : (long)(10000 * bench_scale);
	struct daemon m, b;
	struct daemon *fs[2] = { &m, &b };
	char uuid[37];

	mdevfs_up(&m, 0);
	baseline_up(&b);
	uuid_next(uuid);
	for (int f = 0; f < 2; f++)
		if (create_dev(fs[f], 0, uuid))
			die("%s: create failed", fs[f]->label);
	results.read_devices = many;
	fprintf(md, "| read | live devices | mdevfs p50 (µs) | baseline p50 (µs) | ratio p50 | mdevfs p99 (µs) | baseline p99 (µs) | goal ≤ 1.3× |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (int level = 0; level < 2; level++) {
		long live = level ? many : 1;

		if (level) {
			fill(&m, many - 1);
			fill(&b, many - 1);
		}
		for (enum read_op op = 0; op < R_OPS; op++)
			read_row(md, fs, op, uuid, live, level);
	}
	fprintf(md, "\n");
	daemon_down(&m);
	daemon_down(&b);
}
