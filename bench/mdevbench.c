// SPDX-License-Identifier: MIT
/*
 * mdevbench OUTDIR [--quick]: every benchmark of mdevfs against its
 * baseline (baseline_fs.c), in one run; writes OUTDIR/results.md (the tables and the goals)
 * and OUTDIR/NAME.dat (for bench/plots.gp).  Run by bench/run.sh inside
 * `unshare -m -n`, as root.  --quick: fewer rounds and no 100,000-device
 * level, for trying changes; never for numbers that are published.
 * --only=SECTION: that section alone (cycle, requests, reads, concurrency,
 * scale, uevents), without the goals.  --read-devices=N: the readers at N
 * devices instead of 10,000.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "bench.h"

struct results results;
double bench_scale = 1.0;
long bench_read_devices;
char bench_log[256];

/* Mounting here must never touch the caller's namespaces. */
static void require_private_namespaces(void)
{
	static const char *const kinds[] = { "mnt", "net" };

	for (size_t i = 0; i < 2; i++) {
		char mine[64], theirs[64];
		struct stat a, b;

		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", kinds[i]);
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)getppid(), kinds[i]);
		if (stat(mine, &a) == 0 && stat(theirs, &b) == 0 && a.st_ino == b.st_ino)
			die("run this inside unshare -m -n (bench/run.sh does)");
	}
}

/* mdevfs records each device under /run/mdevfs before it acknowledges
 * it.  After the cycle section (which measures the default where /run is
 * and a tmpfs), where this machine's /run is not a tmpfs (a container on
 * a disk), one is mounted there in this private namespace, so that the
 * other sections measure what a host with a tmpfs /run pays. */
static void run_on_tmpfs(void)
{
	struct statfs st;

	if (statfs("/run", &st) == 0 && st.f_type == TMPFS_MAGIC)
		return;
	if (mkdir("/run/mdevfs", 0755) && errno != EEXIST)
		die("mkdir /run/mdevfs: %s", strerror(errno));
	if (mount("mdevbench", "/run/mdevfs", "tmpfs", 0, "mode=0755"))
		die("mounting a tmpfs on /run/mdevfs: %s", strerror(errno));
}

static const char *met(bool ok)
{
	return ok ? "**met**" : "**missed**";
}

static void goals(FILE *md)
{
	static const char *const read_names[] = {
		[R_STAT] = "`stat` through the device link",
		[R_READDIR] = "`readdir bus/mdev/devices`",
		[R_CAT] = "`cat available_instances`",
	};
	const struct results *r = &results;
	int top = bench_scale < 1 ? 1 : 2;
	double worst_wave = r->wave_ms[0] > r->wave_ms[1] ? r->wave_ms[0] : r->wave_ms[1];
	double worst_ue = r->uevent_p99[0] > r->uevent_p99[1] ? r->uevent_p99[0] : r->uevent_p99[1];
	double req = r->req_cycle[1] > 0 ? r->req_cycle[0] / r->req_cycle[1] : 0;

	fprintf(md, "| goal | measured | |\n| --- | --- | --- |\n");
	for (int i = 0; i < r->n_variants; i++)
		if (r->cycle_goal[i])
			fprintf(md, "| create+remove cycle, mdevfs %s, at most 1.3× the baseline | %.2f× (%.0f µs against %.0f µs, means) | %s |\n",
				r->variant[i], r->cycle_ratio[i], r->cycle_us[i][0],
				r->cycle_us[i][1], met(r->cycle_ratio[i] <= 1.3));
	fprintf(md, "| FUSE requests per cycle at most 1.3× the baseline's | %.2f× (%.1f against %.1f) | %s |\n",
		req, r->req_cycle[0], r->req_cycle[1], met(req > 0 && req <= 1.3));
	for (int level = 0; level < 2; level++)
		for (int op = 0; op < R_OPS; op++)
			fprintf(md, "| %s at %ld device%s at most 1.3× the baseline | %.2f× (p50) | %s |\n",
				read_names[op], level ? r->read_devices : 1,
				level ? "s" : "", r->read_ratio[level][op],
				met(r->read_ratio[level][op] <= 1.3));
	fprintf(md, "| one more create at %s devices within 1.2× of at 0 | %.2f× (p50) | %s%s |\n",
		top == 2 ? "100,000" : "10,000", r->scale_create_ratio[top],
		met(r->scale_create_ratio[top] <= 1.2), top == 2 ? "" : " (quick run)");
	fprintf(md, "| at most 2 KiB RSS per live device | %.0f bytes at %s | %s |\n",
		r->scale_rss_per_dev[top], top == 2 ? "100,000" : "10,000",
		met(r->scale_rss_per_dev[top] <= 2048));
	fprintf(md, "| 16 creates at once, 20 ms vendor: a wave within 2 × 20 ms | %.1f ms (1 parent), %.1f ms (8 parents) | %s |\n",
		r->wave_ms[0], r->wave_ms[1], met(worst_wave <= 40));
	fprintf(md, "| uevent p99 under 1 ms | %.0f µs (kernel route), %.0f µs (udev route) | %s |\n\n",
		r->uevent_p99[0] * 1000, r->uevent_p99[1] * 1000, met(worst_ue < 1.0));
}

static const char *const sections[] = {
	"cycle", "requests", "reads", "concurrency", "scale", "uevents",
};

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s OUTDIR [--quick] [--read-devices=N] "
		"[--only=cycle|requests|reads|concurrency|scale|uevents]\n", argv0);
	exit(2);
}

/* Whether section @i runs (all but one with --only); its heading if so. */
static bool section(FILE *md, const char *only, int i, const char *title)
{
	if (only && strcmp(only, sections[i]) != 0)
		return false;
	fprintf(stderr, "mdevbench: %s\n", title);
	fprintf(md, "## %s\n\n", title);
	fflush(md);
	return true;
}

int main(int argc, char *argv[])
{
	const char *outdir = NULL, *only = NULL;
	struct daemon m, b;
	FILE *md;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			bench_scale = 0.2;
		else if (!strncmp(argv[i], "--read-devices=", 15))
			bench_read_devices = strtol(argv[i] + 15, NULL, 10);
		else if (!strncmp(argv[i], "--only=", 7))
			only = argv[i] + 7;
		else if (argv[i][0] != '-' && !outdir)
			outdir = argv[i];
		else
			usage(argv[0]);
	}
	if (!outdir)
		usage(argv[0]);
	require_private_namespaces();
	snprintf(bench_log, sizeof(bench_log), "%s/daemons.log", outdir);
	unlink(bench_log);
	md = open_out(outdir, "results.md");
	baseline_up(&b);

	if (section(md, only, 0, "Create and remove, one writer"))
		bench_cycle(md, outdir, &b);
	run_on_tmpfs();
	mdevfs_up(&m, 0);
	if (section(md, only, 1, "FUSE requests per operation"))
		bench_requests(md, outdir);
	if (section(md, only, 2, "Read paths"))
		bench_reads(md);
	if (section(md, only, 3, "Concurrent writers"))
		bench_concurrency(md, outdir, &m, &b);
	if (section(md, only, 4, "Scale"))
		bench_scale_run(md, outdir, &m);
	if (section(md, only, 5, "Uevent latency"))
		bench_uevents(md, &m);

	daemon_down(&m);
	daemon_down(&b);
	if (!only) {
		fprintf(md, "## Goals\n\n");
		goals(md);
	}
	fclose(md);
	return 0;
}
