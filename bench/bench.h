/* SPDX-License-Identifier: MIT */
/*
 * mdevbench: mdevfs measured against the FUSE floor (baseline_fs.c), side
 * by side in one run.  Numbers, never asserts: the machines are shared and
 * noisy, so every comparison interleaves rounds of both sides and reports
 * medians and ratios; absolute numbers are context.
 */
#ifndef MDEVBENCH_H
#define MDEVBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define NPARENTS 8

/* A mounted file system under test: mdevfs or the baseline. */
struct daemon {
	const char *label;   /* "mdevfs", "baseline" */
	char dir[64];        /* mountpoint */
	char conf[64];       /* mdevfs's configuration file, or "" */
	pid_t pid;
	double start_ms;     /* exec to mounted */
};

/* util.c */
double now_ms(void);
/* mdevfs with the bench parents, each type's vendor taking @delay_ms in
 * probe and remove; and the baseline.  Both return 0 or exit. */
void mdevfs_up(struct daemon *d, unsigned int delay_ms);
/* The same with up to two more options (NULL: none). */
void mdevfs_up_with(struct daemon *d, unsigned int delay_ms, const char *opt1,
		    const char *opt2);
void baseline_up(struct daemon *d);
/* The baseline with one option (NULL: none; "-d": libfuse's debug log). */
void baseline_up_with(struct daemon *d, const char *opt);
/* The next daemon started logs its stderr to @path, not to bench_log. */
void next_spawn_log(const char *path);
/* SIGTERM until exit: ms from the signal to the mount gone. */
double daemon_down(struct daemon *d);
long daemon_rss_kib(const struct daemon *d);

/* A new UUID, unique in this run (a counter: no entropy to wait for). */
void uuid_next(char out[37]);
void create_path(char *buf, size_t size, const struct daemon *d, unsigned int parent);
void remove_path(char *buf, size_t size, const struct daemon *d, const char *uuid);
void avail_path(char *buf, size_t size, const struct daemon *d, unsigned int parent);
/* open(O_WRONLY), write, close: 0 or -errno; *@ret_ms (if not NULL) is
 * the time at which write() returned. */
int write_str(const char *path, const char *s, double *ret_ms);
int create_dev(const struct daemon *d, unsigned int parent, const char *uuid);
int remove_dev(const struct daemon *d, const char *uuid);
/* As cat: open, read until 0, close.  0 or -errno. */
int cat_file(const char *path);
/* Entries of bus/mdev/devices (without . and ..), or -errno. */
long list_devices(const struct daemon *d);
/* Creates @n devices with 2 writers; their UUIDs are not kept. */
void fill(const struct daemon *d, long n);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Latency samples, in ms. */
struct samples {
	double *v;
	size_t n, cap;
	bool sorted;
};
void samples_add(struct samples *s, double ms);
double samples_pct(struct samples *s, double pct);
double samples_mean(const struct samples *s);
void samples_free(struct samples *s);

/* workloads.c, scale.c, uevents.c: each writes its markdown to @md and its
 * plot data under @outdir, and fills its part of the results. */
#define MAX_VARIANTS 5
enum read_op { R_STAT, R_READDIR, R_CAT, R_OPS };
struct results {
	/* the cycle, per mdevfs configuration: median of the rounds' ratios */
	int n_variants;
	char variant[MAX_VARIANTS][160];
	double cycle_ratio[MAX_VARIANTS];
	double cycle_us[MAX_VARIANTS][2]; /* mean: mdevfs, baseline */
	bool cycle_goal[MAX_VARIANTS];    /* goal 1 is about it (not options) */
	double req_cycle[2];              /* FUSE requests per cycle: mdevfs, baseline */
	long read_devices;                /* the larger level of the readers */
	double read_ratio[2][R_OPS];      /* p50 ratio at 1 and at read_devices */
	double wave_ms[2];              /* 16 creates, 20 ms vendor: 1, 8 parents */
	double scale_create_ratio[3];   /* create at N / at 0, p50 */
	double scale_rss_per_dev[3];    /* bytes */
	double uevent_p99[2];           /* kernel, udev route: ms after write() */
};
extern struct results results;
extern double bench_scale; /* 1.0, or less for a quick run */
extern long bench_read_devices; /* --read-devices=N: the readers' larger level, or 0 */
extern char bench_log[256]; /* the daemons' stderr */

void bench_cycle(FILE *md, const char *outdir, struct daemon *b);
void bench_requests(FILE *md, const char *outdir);
void bench_reads(FILE *md);
void bench_concurrency(FILE *md, const char *outdir, struct daemon *m,
		       struct daemon *b);
void bench_scale_run(FILE *md, const char *outdir, struct daemon *m);
void bench_uevents(FILE *md, struct daemon *m);

/* FILE *@outdir/@name for writing, or exit. */
FILE *open_out(const char *outdir, const char *name);

#endif
