// SPDX-License-Identifier: MIT
/*
 * Many processes creating and removing devices over a small shared pool of
 * UUIDs on all three sample parents, through the mount, for a bounded
 * time.  Afterwards the tree must be consistent, not merely alive:
 *  - every write failed with an errno the kernel can give for it;
 *  - every listed device is complete and nothing points at a missing one;
 *  - available_instances is exactly what the live devices leave;
 *  - with everything removed, every counter is back where it started.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define WORKERS 6
#define POOL 12
#define SECONDS 3

static struct mdevfs m;

static const struct { const char *parent, *type; int cost; } kinds[] = {
	{ "mtty", "mtty-1", 1 }, { "mtty", "mtty-2", 2 },
	{ "mdpy", "mdpy-vga", 1 }, { "mdpy", "mdpy-hd", 1 },
	{ "mbochs", "mbochs-small", 4 }, { "mbochs", "mbochs-large", 64 },
};

/* Shared with the workers: counts of each outcome. */
struct tally {
	long creates, create_fail[135], removes, remove_fail[135], bad;
};

static bool create_errno_ok(int e)
{
	return e == EEXIST || e == EUSERS || e == ENOSPC;
}

static bool remove_errno_ok(int e)
{
	/* gone before we opened it, gone while we wrote, still being made */
	return e == ENOENT || e == ENODEV || e == EAGAIN;
}

static void worker(int id, const char uuids[POOL][37], struct tally *t)
{
	time_t end = time(NULL) + SECONDS;
	unsigned int seed = (unsigned int)getpid() ^ (unsigned int)id;

	while (time(NULL) < end) {
		const char *u = uuids[rand_r(&seed) % POOL];
		ssize_t r;

		if (rand_r(&seed) % 2) {
			int k = rand_r(&seed) % (int)G_N_ELEMENTS(kinds);

			r = put(at(&m, "class/mdev_bus/%s/mdev_supported_types/%s/create",
				   kinds[k].parent, kinds[k].type), u);
			if (r == 36)
				__atomic_add_fetch(&t->creates, 1, __ATOMIC_RELAXED);
			else if (r < 0 && create_errno_ok((int)-r))
				__atomic_add_fetch(&t->create_fail[-r], 1, __ATOMIC_RELAXED);
			else
				__atomic_add_fetch(&t->bad, 1, __ATOMIC_RELAXED);
		} else {
			r = put(at(&m, "bus/mdev/devices/%s/remove", u), "1");
			if (r == 1)
				__atomic_add_fetch(&t->removes, 1, __ATOMIC_RELAXED);
			else if (r < 0 && remove_errno_ok((int)-r))
				__atomic_add_fetch(&t->remove_fail[-r], 1, __ATOMIC_RELAXED);
			else
				__atomic_add_fetch(&t->bad, 1, __ATOMIC_RELAXED);
		}
	}
}

static int kind_of(const char *type)
{
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++)
		if (!strcmp(kinds[k].type, type))
			return (int)k;
	return -1;
}

/* Every listed device is whole; returns the ports/MB/instances in use. */
static void check_devices(int used[3], unsigned int *ndev)
{
	char *list = ls(at(&m, "bus/mdev/devices"));
	g_auto(GStrv) uuids = g_strsplit(list, " ", -1);

	used[0] = used[1] = used[2] = 0;
	*ndev = 0;
	for (char **u = uuids; *u && **u; u++) {
		char *dev = at(&m, "bus/mdev/devices/%s", *u);
		char *type = link_of(at(&m, "bus/mdev/devices/%s/mdev_type", *u));
		char *group = link_of(at(&m, "bus/mdev/devices/%s/iommu_group", *u));
		int k;

		ck_assert_msg(type && group, "%s incomplete", *u);
		k = kind_of(strrchr(type, '/') + 1);
		ck_assert_int_ge(k, 0);
		ck_assert(exists(fmt("%s/driver", dev)));
		ck_assert(exists(fmt("%s/remove", dev)));
		ck_assert(exists(fmt("%s/mdev_type/devices/%s", dev, *u)));
		ck_assert(exists(fmt("%s/iommu_group/devices/%s", dev, *u)));
		ck_assert(exists(at(&m, "bus/mdev/drivers/%s/%s", kinds[k].parent, *u)));
		ck_assert_uint_eq(count(fmt("%s/vfio-dev", dev)), 1);
		used[k / 2] += kinds[k].cost;
		(*ndev)++;
	}
	/* nothing points at a device that is not listed */
	ck_assert_uint_eq(count(at(&m, "kernel/iommu_groups")), *ndev);
	ck_assert_uint_eq(count(at(&m, "class/vfio-dev")), *ndev);
}

static void check_counts(const int used[3])
{
	const char *fmt_avail = "class/mdev_bus/%s/mdev_supported_types/%s/available_instances";

	ck_assert_int_eq(get_long(at(&m, fmt_avail, "mtty", "mtty-1")), 24 - used[0]);
	ck_assert_int_eq(get_long(at(&m, fmt_avail, "mtty", "mtty-2")), (24 - used[0]) / 2);
	ck_assert_int_eq(get_long(at(&m, fmt_avail, "mdpy", "mdpy-xga")), 4 - used[1]);
	ck_assert_int_eq(get_long(at(&m, fmt_avail, "mbochs", "mbochs-small")), (256 - used[2]) / 4);
	ck_assert_int_eq(get_long(at(&m, fmt_avail, "mbochs", "mbochs-medium")), (256 - used[2]) / 16);
}

START_TEST(storm)
{
	char (*uuids)[37] = mmap(NULL, sizeof(char[POOL][37]), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct tally *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[WORKERS];
	unsigned int ndev;
	int used[3];

	mdevfs_start(&m, NULL, NULL);
	for (int i = 0; i < POOL; i++)
		g_strlcpy(uuids[i], uuid_new(), sizeof(uuids[i]));
	for (int i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			worker(i, uuids, t);
			_exit(0);
		}
	}
	/* a reader walks the tree meanwhile */
	for (time_t end = time(NULL) + SECONDS; time(NULL) < end;) {
		char *list = ls(at(&m, "bus/mdev/devices"));

		ck_assert_ptr_nonnull(list);
		(void)get(at(&m, "class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances"));
	}
	for (int i = 0; i < WORKERS; i++) {
		int status;

		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	fprintf(stderr, "storm: %ld creates (%ld EEXIST, %ld EUSERS, %ld ENOSPC), "
		"%ld removes (%ld ENOENT, %ld ENODEV, %ld EAGAIN)\n",
		t->creates, t->create_fail[EEXIST], t->create_fail[EUSERS],
		t->create_fail[ENOSPC], t->removes, t->remove_fail[ENOENT],
		t->remove_fail[ENODEV], t->remove_fail[EAGAIN]);
	ck_assert_int_eq(t->bad, 0);
	ck_assert_int_gt(t->creates, 0);
	ck_assert_int_gt(t->removes, 0);
	check_devices(used, &ndev);
	check_counts(used);
	for (int i = 0; i < POOL; i++) {
		ssize_t r = put(at(&m, "bus/mdev/devices/%s/remove", uuids[i]), "1");

		ck_assert(r == 1 || r == -ENOENT);
	}
	check_devices(used, &ndev);
	ck_assert_uint_eq(ndev, 0);
	check_counts(used);
	mdevfs_stop(&m);
	munmap(uuids, sizeof(char[POOL][37]));
	munmap(t, sizeof(*t));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-stress");
	TCase *tc = tcase_create("stress");

	harness_require_private_namespaces();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, storm);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
