// SPDX-License-Identifier: MIT
/*
 * Resource bounds: what bad input and careless clients cost the daemon.
 * A million failed creates, and clients that open thousands of fds on the
 * tree and exit without closing them, must leave the daemon's memory
 * (VmRSS) and open file descriptors where they were.  The numbers are
 * printed for the record.  MDEVFS_BOUNDS_CREATES (set by tests/CMakeLists.txt,
 * smaller under the sanitizers) is how many creates fail.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define U      "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a"
#define MTTY   "devices/virtual/mtty/mtty"
#define CREATE MTTY "/mdev_supported_types/mtty-1/create"
#define AVAIL  MTTY "/mdev_supported_types/mtty-1/available_instances"

/* Growth of the daemon's RSS a test tolerates: a leak of 8 bytes per
 * failed create, or of one open file's page per fd, is far above it.
 * ThreadSanitizer's own bookkeeping grows with every synchronisation, so
 * tests/CMakeLists.txt gives it more (MDEVFS_BOUNDS_RSS_KIB). */
static long rss_slack_kib = 8192;
#define RSS_SLACK_KIB rss_slack_kib

/* Threads that write the failing creates. */
#define CREATORS 4

static struct mdevfs m;

static void setup(void) { mdevfs_start(&m, NULL, NULL); }
static void teardown(void) { mdevfs_stop(&m); }

static long vm_rss_kib(pid_t pid)
{
	g_autofree char *status = NULL;
	const char *line;

	ck_assert(g_file_get_contents(fmt("/proc/%d/status", (int)pid),
				      &status, NULL, NULL));
	line = strstr(status, "\nVmRSS:");
	ck_assert_ptr_nonnull(line);
	return strtol(line + strlen("\nVmRSS:"), NULL, 10);
}

static unsigned int fd_count(pid_t pid)
{
	return count(fmt("/proc/%d/fd", (int)pid));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long creates_to_fail(void)
{
	const char *env = getenv("MDEVFS_BOUNDS_CREATES");

	return env ? strtol(env, NULL, 10) : 1000000;
}

struct creator {
	pthread_t thread;
	int fd;
	long n;
	long wrong;
};

/* Creates through one kept-open fd, every one refused: half of them a
 * malformed UUID (EINVAL), half the UUID of the live device (EEXIST). */
static void *creator_main(void *arg)
{
	struct creator *c = arg;

	for (long i = 0; i < c->n; i++) {
		bool dup = i & 1;
		ssize_t ret = dup ? write(c->fd, U "\n", 37) :
				    write(c->fd, "not-a-uuid\n", 11);

		if (ret != -1 || errno != (dup ? EEXIST : EINVAL))
			c->wrong++;
	}
	return NULL;
}

/* @n refused creates by CREATORS threads, each with an fd of its own. */
static void fail_creates(long n)
{
	struct creator c[CREATORS];

	for (int i = 0; i < CREATORS; i++) {
		c[i] = (struct creator){ .fd = open(at(&m, CREATE), O_WRONLY),
					 .n = n / CREATORS };
		ck_assert_int_ge(c[i].fd, 0);
		ck_assert_int_eq(pthread_create(&c[i].thread, NULL, creator_main,
						&c[i]), 0);
	}
	for (int i = 0; i < CREATORS; i++) {
		pthread_join(c[i].thread, NULL);
		close(c[i].fd);
		ck_assert_int_eq(c[i].wrong, 0);
	}
}

START_TEST(a_million_failed_creates)
{
	long n = creates_to_fail(), rss0, rss1;
	unsigned int fds0, fds1;
	double t, t_open;

	ck_assert_int_eq(put(at(&m, CREATE), U), 36);
	/* Warm-up: pools, thread stacks and hash tables reach their size. */
	fail_creates(n < 10000 ? n : 10000);
	rss0 = vm_rss_kib(m.pid);
	fds0 = fd_count(m.pid);

	t = now();
	fail_creates(n);
	t = now() - t;
	/* The other way clients write: open, write, close, each time. */
	t_open = now();
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(put(at(&m, CREATE), "bad"), -EINVAL);
	t_open = now() - t_open;

	rss1 = vm_rss_kib(m.pid);
	fds1 = fd_count(m.pid);
	printf("failed creates: %ld by %d writers, each through one fd, in %.1f s "
	       "(%.0f/s); open+write+close: %.0f/s\n", n, CREATORS, t,
	       (double)n / t, 1000 / t_open);
	printf("failed creates: daemon VmRSS %ld -> %ld KiB, fds %u -> %u\n",
	       rss0, rss1, fds0, fds1);
	ck_assert_uint_eq(fds1, fds0);
	ck_assert_int_lt(rss1 - rss0, RSS_SLACK_KIB);
	/* and nothing changed */
	ck_assert_str_eq(ls(at(&m, "bus/mdev/devices")), U);
	ck_assert_int_eq(get_long(at(&m, AVAIL)), 23);
}
END_TEST

static unsigned long opened, opened_max;

static int open_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	int flags = O_RDONLY;

	(void)ftw;
	if (opened >= opened_max)
		return 1; /* stops the walk */
	if (type == FTW_D)
		flags |= O_DIRECTORY;
	else if (type != FTW_F)
		return 0;
	else if (!(st->st_mode & 0444))
		flags = O_WRONLY; /* create, remove */
	if (open(path, flags) >= 0) /* left open on purpose */
		opened++;
	return 0;
}

/* A client that opens at least @want fds on the tree (every file and
 * directory, over and over) and exits without closing any. */
static void careless_client(unsigned long want)
{
	struct rlimit rl = { want + 256, want + 256 };
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(2);
		opened_max = want;
		while (opened < want)
			if (nftw(m.dir, open_one, 64, FTW_PHYS) < 0)
				_exit(3);
		_exit(0); /* the kernel closes them */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "client status %d", status);
}

/* The kernel sends RELEASE for a dead client's files in the background:
 * wait (a while) for the daemon to come back to @fds and @rss. */
static long settle(unsigned int fds, long rss)
{
	long now_rss = vm_rss_kib(m.pid);

	for (int i = 0; i < 100; i++) {
		if (fd_count(m.pid) == fds && now_rss - rss < RSS_SLACK_KIB)
			break;
		usleep(50000);
		now_rss = vm_rss_kib(m.pid);
	}
	return now_rss;
}

/* The kernel forgets inodes when its dentry cache is dropped; then the
 * daemon frees their handles.  Not every container lets us: optional. */
static bool drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, "2", 1) == 1;
	close(fd);
	return ok;
}

START_TEST(clients_that_exit_with_thousands_of_fds_open)
{
	const unsigned long want = 4000;
	const int rounds = 3;
	long rss0, rss1;
	unsigned int fds0, fds1, threads0;
	double t;

	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(put(at(&m, CREATE), uuid_new()), 36);
		ck_assert_int_eq(put(at(&m, "devices/virtual/mbochs/mbochs/"
					"mdev_supported_types/mbochs-small/create"),
				     uuid_new()), 36);
	}
	ck_assert_int_eq(put(at(&m, "devices/virtual/mdpy/mdpy/"
				"mdev_supported_types/mdpy-vga/create"), uuid_new()), 36);
	/* Warm-up: libfuse's workers and their malloc arenas are started on
	 * demand, then stay. */
	for (int i = 0; i < 2; i++)
		careless_client(want);
	drop_caches();
	fds0 = fd_count(m.pid);
	rss0 = settle(fds0, vm_rss_kib(m.pid));
	threads0 = count(fmt("/proc/%d/task", (int)m.pid));

	t = now();
	for (int i = 0; i < rounds; i++)
		careless_client(want);
	t = now() - t;
	rss1 = settle(fds0, rss0);
	fds1 = fd_count(m.pid);
	printf("careless clients: %d x %lu fds left open in %.1f s; daemon VmRSS "
	       "%ld -> %ld KiB, fds %u -> %u, threads %u -> %u\n", rounds, want,
	       t, rss0, rss1, fds0, fds1, threads0,
	       count(fmt("/proc/%d/task", (int)m.pid)));
	ck_assert_uint_eq(fds1, fds0);
	ck_assert_int_lt(rss1 - rss0, RSS_SLACK_KIB);
	if (drop_caches()) {
		long rss2 = settle(fds0, rss0);

		printf("careless clients: after drop_caches (FORGETs) VmRSS %ld KiB\n",
		       rss2);
		ck_assert_int_lt(rss2 - rss0, RSS_SLACK_KIB);
	}
	ck_assert_uint_eq(count(at(&m, "bus/mdev/devices")), 17);
}
END_TEST

int main(void)
{
	const char *slack = getenv("MDEVFS_BOUNDS_RSS_KIB");
	Suite *s = suite_create("fs-bounds");
	TCase *tc = tcase_create("bounds");

	harness_require_private_namespaces();
	if (slack)
		rss_slack_kib = strtol(slack, NULL, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, a_million_failed_creates);
	tcase_add_test(tc, clients_that_exit_with_thousands_of_fds_open);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
