// SPDX-License-Identifier: MIT
/*
 * What a slow vendor costs everyone else, measured through the mount.
 *
 * A parent whose probe and remove take 100 ms each, and a fast one:
 *  - N creates on the slow parent one after the other (the baseline) and
 *    N at once, for N = 16 and N = 64 (more than FUSE's 10 workers), with
 *    the wall time of each batch, and the same for removes;
 *  - the latency of reading the fast parent's available_instances, with
 *    nothing else going on (the baseline) and while N slow creates run.
 *
 * Run by bench/run.sh inside `unshare -m -n`.  Numbers, not asserts.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

static const char config[] =
	"[parent slow]\nclass = slow\ndriver = slow\nbackend = sample\n"
	"device_api = vfio-pci\npool = 1000\n"
	"[type slow a]\nprobe_delay_ms = 100\nremove_delay_ms = 100\n"
	"[parent fast]\nclass = fast\ndriver = fast\nbackend = sample\n"
	"device_api = vfio-pci\npool = 24\n[type fast a]\n";

static struct mdevfs m;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct op {
	pthread_t thread;
	const char *uuid;
	bool create;
	int flags;       /* of the open: O_WRONLY, or with O_TRUNC as `>` */
	ssize_t ret;
};

static ssize_t write_once(const char *path, const char *s, int flags)
{
	int fd = open(path, flags);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s));
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

static void *op_main(void *arg)
{
	struct op *op = arg;

	op->ret = op->create ?
		write_once(at(&m, "class/mdev_bus/slow/mdev_supported_types/slow-a/create"),
			   op->uuid, op->flags) :
		write_once(at(&m, "bus/mdev/devices/%s/remove", op->uuid), "1", op->flags);
	return NULL;
}

/* N creates or removes, one after the other or all at once: wall ms. */
static double batch(struct op *ops, int n, bool create, bool parallel, int flags)
{
	double start = now_ms();

	for (int i = 0; i < n; i++) {
		ops[i].create = create;
		ops[i].flags = flags;
		if (parallel)
			pthread_create(&ops[i].thread, NULL, op_main, &ops[i]);
		else
			op_main(&ops[i]);
	}
	for (int i = 0; parallel && i < n; i++)
		pthread_join(ops[i].thread, NULL);
	for (int i = 0; i < n; i++)
		if (ops[i].ret <= 0) {
			fprintf(stderr, "%s failed: %zd\n", create ? "create" : "remove",
				ops[i].ret);
			exit(1);
		}
	return now_ms() - start;
}

struct reader {
	pthread_t thread;
	atomic_bool stop;
	double lat[100000];
	int n;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	const char *path = at(&m, "class/mdev_bus/fast/mdev_supported_types/fast-a/available_instances");

	while (!atomic_load(&r->stop) && r->n < (int)G_N_ELEMENTS(r->lat)) {
		double t = now_ms();

		if (!get(path))
			exit(1);
		r->lat[r->n++] = now_ms() - t;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report_reads(const char *what, struct reader *r)
{
	qsort(r->lat, (size_t)r->n, sizeof(double), cmp_double);
	printf("| cat fast/available_instances, %-28s | %6d | %8.3f | %8.3f | %8.3f |\n",
	       what, r->n, r->lat[r->n / 2], r->lat[r->n * 99 / 100], r->lat[r->n - 1]);
}

/* Reads for @ms, alone, or while N slow creates run (then removes them). */
static void reads(const char *what, struct op *ops, int n, double ms)
{
	struct reader *r = calloc(1, sizeof(*r));

	pthread_create(&r->thread, NULL, reader_main, r);
	if (n)
		batch(ops, n, true, true, O_WRONLY);
	else
		usleep((useconds_t)(ms * 1000));
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	report_reads(what, r);
	if (n)
		batch(ops, n, false, true, O_WRONLY);
	free(r);
}

START_TEST(slow_vendor)
{
	static struct op ops[64];
	static const int sizes[] = { 16, 64 };

	mdevfs_start(&m, config, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
		ops[i].uuid = uuid_new();
	printf("| slow vendor: probe and remove 100 ms each | N | one after the other (ms) | all at once (ms) |\n");
	printf("| --- | ---: | ---: | ---: |\n");
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		for (int t = 0; t < 2; t++) {
			int n = sizes[s], flags = O_WRONLY | (t ? O_TRUNC : 0);
			const char *how = t ? "open(O_TRUNC), as shell `>`" : "open(O_WRONLY)";
			double seq_c = batch(ops, n, true, false, flags);
			double seq_r = batch(ops, n, false, false, flags);
			double par_c = batch(ops, n, true, true, flags);
			double par_r = batch(ops, n, false, true, flags);

			printf("| creates, %s | %d | %.0f | %.0f |\n", how, n, seq_c, par_c);
			printf("| removes, %s | %d | %.0f | %.0f |\n", how, n, seq_r, par_r);
		}
	}
	printf("\n| reads | count | median (ms) | p99 (ms) | max (ms) |\n");
	printf("| --- | ---: | ---: | ---: | ---: |\n");
	reads("nothing else going on", ops, 0, 200);
	reads("during 16 slow creates", ops, 16, 0);
	reads("during 64 slow creates", ops, 64, 0);
	fflush(stdout);
	mdevfs_stop(&m);
}
END_TEST

/* A Check case, so the test harness (which asserts with Check) works. */
int main(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("slow vendor");

	harness_require_private_namespaces();
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, slow_vendor);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
