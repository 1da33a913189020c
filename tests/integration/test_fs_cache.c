// SPDX-License-Identifier: MIT
/*
 * What the kernel's caches may never show (mdevfs lets the kernel cache
 * entries, attributes and link targets, and drops them when they change):
 * a directory's nlink or listing from before a change, a count from before
 * a create, a mode or owner from before a chmod or chown; and what the
 * caching must not cost: creates on one type, written with O_TRUNC as the
 * shell, mdevctl and libvirt write, run together in the vendor, not one
 * after another on one kernel inode.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define MTTY "devices/virtual/mtty/mtty"
#define T1 MTTY "/mdev_supported_types/mtty-1"
#define MDPY_T "class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga"

static struct mdevfs m;

static void setup(void) { mdevfs_start(&m, NULL, NULL); }
static void teardown(void) { mdevfs_stop(&m); }

/* Subdirectories of @dir as its listing has them (d_type), or -errno. */
static int listed_subdirs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The tree's directories, each stat()ed after it was last listed: a
 * listing makes the kernel's next stat ask (it drops the cached atime),
 * so only a stat that follows one shows what the attribute cache holds. */
static GPtrArray *dirs;

static int add_dir(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_D)
		g_ptr_array_add(dirs, g_strdup(path));
	return 0;
}

static void prime(void)
{
	struct stat st;

	g_clear_pointer(&dirs, g_ptr_array_unref);
	dirs = g_ptr_array_new_with_free_func(g_free);
	ck_assert_int_eq(nftw(m.dir, add_dir, 16, FTW_PHYS), 0);
	for (guint i = 0; i < dirs->len; i++)
		ck_assert_int_eq(stat(dirs->pdata[i], &st), 0);
}

/* Each directory's nlink, from the cache if it has one, is 2 + the
 * subdirectories its listing gives now; a directory that cannot be
 * stat()ed any more cannot be listed either. */
static void nlinks_fresh(const char *after)
{
	for (guint i = 0; i < dirs->len; i++) {
		const char *path = dirs->pdata[i];
		struct stat st;
		int subdirs;

		if (stat(path, &st)) {
			ck_assert_msg(errno == ENOENT, "%s: %s", path, strerror(errno));
			ck_assert_msg(listed_subdirs(path) == -ENOENT,
				      "after %s: %s listed, not stat()ed", after, path);
			continue;
		}
		subdirs = listed_subdirs(path);
		ck_assert_msg(subdirs >= 0 && st.st_nlink == (nlink_t)subdirs + 2,
			      "after %s: %s: nlink %lu, %d subdirectories listed",
			      after, path, (unsigned long)st.st_nlink, subdirs);
	}
	prime();
}

START_TEST(nlink_and_listings_never_stale)
{
	const char *const unregister_mdpy[] = { "unregister", "mdpy", NULL };
	char *a = uuid_new(), *b = uuid_new();

	prime();
	nlinks_fresh("the start");
	ck_assert_int_eq(put(at(&m, T1 "/create"), a), 36);
	nlinks_fresh("a create");
	ck_assert(exists(at(&m, "bus/mdev/devices/%s", a)));
	ck_assert_int_eq(put(at(&m, MDPY_T "/create"), b), 36);
	nlinks_fresh("a create with a vfio group");
	ck_assert_int_eq(put(at(&m, "bus/mdev/drivers/mdpy/unbind"), b), 36);
	nlinks_fresh("an unbind");
	ck_assert(!exists(at(&m, "bus/mdev/devices/%s/driver", b)));
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", a), "1"), 1);
	nlinks_fresh("a remove");
	ck_assert(!exists(at(&m, "bus/mdev/devices/%s", a)));
	ck_assert(!exists(at(&m, MTTY "/%s", a)));
	ck_assert_int_eq(mdevfs_ctl(&m, NULL, unregister_mdpy), 0);
	nlinks_fresh("a parent unregistered with its device");
	ck_assert(!exists(at(&m, "bus/mdev/devices/%s", b)));
	ck_assert(!exists(at(&m, "class/mdev_bus/mdpy")));
	ck_assert_str_eq(ls(at(&m, "devices/virtual")), "mbochs mtty");
	g_clear_pointer(&dirs, g_ptr_array_unref);
}
END_TEST

START_TEST(counts_never_stale)
{
	char *u = uuid_new();

	ck_assert_int_eq(get_long(at(&m, T1 "/available_instances")), 24);
	ck_assert_int_eq(put(at(&m, T1 "/create"), u), 36);
	ck_assert_int_eq(get_long(at(&m, T1 "/available_instances")), 23);
	ck_assert_str_eq(ls(at(&m, T1 "/devices")), u);
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", u), "1"), 1);
	ck_assert_int_eq(get_long(at(&m, T1 "/available_instances")), 24);
	ck_assert_uint_eq(count(at(&m, T1 "/devices")), 0);
}
END_TEST

/* As nobody: 0 if @path opens with @flags, else errno. */
struct try_open { const char *path; int flags; };

static int open_errno(void *arg)
{
	const struct try_open *t = arg;
	int fd = open(t->path, t->flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int nobody_opens(const char *path, int flags)
{
	struct try_open t = { path, flags };

	return as_nobody(open_errno, &t);
}

START_TEST(modes_and_owners_never_stale)
{
	const char *name = at(&m, T1 "/name"), *create = at(&m, T1 "/create");

	/* In the caches first, as everything a client touched is. */
	ck_assert_int_eq(nobody_opens(name, O_RDONLY), 0);
	ck_assert_int_eq(nobody_opens(create, O_WRONLY), EACCES);
	ck_assert_int_eq(chmod(at(&m, T1), 0700), 0);
	ck_assert_int_eq(nobody_opens(name, O_RDONLY), EACCES);
	ck_assert_int_eq(chmod(at(&m, T1), 0755), 0);
	ck_assert_int_eq(nobody_opens(name, O_RDONLY), 0);
	ck_assert_int_eq(chmod(name, 0400), 0);
	ck_assert_int_eq(nobody_opens(name, O_RDONLY), EACCES);
	/* A writable file: each opener has an inode of its own. */
	ck_assert_int_eq(chown(create, 65534, 65534), 0);
	ck_assert_int_eq(nobody_opens(create, O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(chown(create, 0, 0), 0);
	ck_assert_int_eq(nobody_opens(create, O_WRONLY | O_TRUNC), EACCES);
	ck_assert_int_eq(chmod(create, 0), 0);
	ck_assert_int_eq(put(create, uuid_new()), -EACCES);
	ck_assert_int_eq(chmod(create, 0200), 0);
	ck_assert_int_eq(put(create, uuid_new()), 36);
}
END_TEST

/* Creates on one type with a slow vendor: each writer opens with O_TRUNC,
 * whose truncate takes the kernel inode's lock exclusively, while a write
 * holds it until its reply.  The device is in the tree from before its
 * probe (as device_add() makes it), so while the probes run every device
 * is listed and no writer has returned, unless the kernel made the
 * writers wait for one another. */

#define WRITERS 4
static const char slow_config[] =
	"[parent slow]\nclass = slow\ndriver = slow\nbackend = sample\n"
	"device_api = vfio-pci\nmax_instances = 16\n"
	"[type slow a]\nprobe_delay_ms = 3000\n";

static atomic_int returned;

static void *slow_writer(void *arg)
{
	ssize_t ret = put(at(&m, "class/mdev_bus/slow/mdev_supported_types/slow-a/create"),
			  arg);

	atomic_fetch_add(&returned, 1);
	return (void *)(intptr_t)ret;
}

START_TEST(creates_on_one_type_overlap)
{
	pthread_t t[WRITERS];
	unsigned int most = 0;

	mdevfs_stop(&m);
	mdevfs_start(&m, slow_config, NULL);
	/* One create first: the dentry and its inode are in the caches. */
	ck_assert_int_eq(put(at(&m, "class/mdev_bus/slow/mdev_supported_types/slow-a/create"),
			     uuid_new()), 36);
	for (int i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, slow_writer,
						uuid_new()), 0);
	while (atomic_load(&returned) == 0 && most < WRITERS + 1) {
		unsigned int n = count(at(&m, "bus/mdev/devices"));

		most = n > most ? n : most;
		usleep(10000);
	}
	ck_assert_msg(most == WRITERS + 1, "the first writer returned with %u "
		      "of %d devices made: the creates waited for each other",
		      most ? most - 1 : 0, WRITERS);
	for (int i = 0; i < WRITERS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		ck_assert_int_eq((intptr_t)ret, 36);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-cache");
	TCase *tc = tcase_create("cache");

	harness_require_private_namespaces();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nlink_and_listings_never_stale);
	tcase_add_test(tc, counts_never_stale);
	tcase_add_test(tc, modes_and_owners_never_stale);
	tcase_add_test(tc, creates_on_one_type_overlap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
