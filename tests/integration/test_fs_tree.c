// SPDX-License-Identifier: MIT
/*
 * The mounted tree as a user sees it through stat, readlink, open and read:
 * shapes, modes and sizes, the sysfs open rules (checklist 1-13), what may
 * not be done to sysfs, inode numbers, and what another user may do; and
 * readdir passes that meet removes and creates: a name is listed once.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define MTTY "devices/virtual/mtty/mtty"
#define T1 MTTY "/mdev_supported_types/mtty-1"
#define T2 MTTY "/mdev_supported_types/mtty-2"
#define MDPY "devices/virtual/mdpy/mdpy"

static struct mdevfs m;

static void setup(void) { mdevfs_start(&m, NULL, NULL); }
static void teardown(void) { mdevfs_stop(&m); }

static void mode_is(const char *path, mode_t want, off_t size)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(st.st_mode == want, "%s: mode %o, want %o", path,
		      st.st_mode, want);
	ck_assert_msg(st.st_size == size, "%s: size %ld", path, (long)st.st_size);
	ck_assert_uint_eq(st.st_uid, 0);
	ck_assert_uint_eq(st.st_gid, 0);
}

START_TEST(shape)
{
	ck_assert_str_eq(ls(m.dir), "bus class devices kernel module");
	ck_assert_str_eq(link_of(at(&m, "class/mdev_bus/mtty")),
			 "../../devices/virtual/mtty/mtty");
	ck_assert_str_eq(link_of(at(&m, "class/mdev_bus/mdpy")),
			 "../../devices/virtual/mdpy/mdpy");
	ck_assert_str_eq(ls(at(&m, "class/mdev_bus")), "mbochs mdpy mtty");
	ck_assert_str_eq(ls(at(&m, "class/mdev_bus/mtty/mdev_supported_types")),
			 "mtty-1 mtty-2");
	ck_assert_str_eq(ls(at(&m, "class/mdev_bus/mdpy/mdev_supported_types")),
			 "mdpy-hd mdpy-vga mdpy-xga");
	ck_assert_str_eq(ls(at(&m, T1)),
			 "available_instances create device_api devices name");
	ck_assert_str_eq(ls(at(&m, MDPY "/mdev_supported_types/mdpy-vga")),
			 "available_instances create description device_api devices name");
	ck_assert_str_eq(ls(at(&m, "bus/mdev")),
			 "devices drivers drivers_autoprobe drivers_probe uevent");
	ck_assert_str_eq(ls(at(&m, "bus/mdev/drivers")), "mbochs mdpy mtty");
	ck_assert_str_eq(ls(at(&m, "bus/mdev/drivers/mtty")),
			 "bind module uevent unbind");
	ck_assert_str_eq(link_of(at(&m, "bus/mdev/drivers/mtty/module")),
			 "../../../../module/mtty");
	ck_assert_str_eq(ls(at(&m, "module")), "mbochs mdpy mtty");
	ck_assert_str_eq(ls(at(&m, "module/mtty")), "coresize drivers holders "
			 "initsize initstate refcnt srcversion taint uevent version");
	ck_assert_str_eq(ls(at(&m, "module/mdpy/parameters")), "count");
	ck_assert_str_eq(get(at(&m, "module/mdpy/parameters/count")), "4\n");
	ck_assert_str_eq(link_of(at(&m, "module/mtty/drivers/mdev:mtty")),
			 "../../../bus/mdev/drivers/mtty");
	ck_assert_str_eq(ls(at(&m, "kernel")), "iommu_groups");
	ck_assert_uint_eq(count(at(&m, "kernel/iommu_groups")), 0);
	ck_assert_uint_eq(count(at(&m, "class/vfio-dev")), 0);
	ck_assert_uint_eq(count(at(&m, "class/vfio")), 0);
	ck_assert(!exists(at(&m, "devices/virtual/vfio")));
	ck_assert_uint_eq(count(at(&m, "bus/mdev/devices")), 0);
}
END_TEST

/* Each device's emulated iommu group has a vfio group device, the
 * kernel's /dev/vfio/N; devices/virtual/vfio comes with the first group
 * and goes with the last, as the kernel's glue directory. */
START_TEST(vfio_group_devices)
{
	const char *a = uuid_new(), *b = uuid_new();
	struct stat st;

	ck_assert_int_eq(put(at(&m, T1 "/create"), a), 36);
	ck_assert_int_eq(put(at(&m, T2 "/create"), b), 36);
	ck_assert_str_eq(ls(at(&m, "devices/virtual/vfio")), "0 1");
	ck_assert_str_eq(ls(at(&m, "devices/virtual/vfio/1")),
			 "dev power subsystem uevent");
	ck_assert_str_eq(get(at(&m, "devices/virtual/vfio/1/dev")), "254:1\n");
	ck_assert_str_eq(get(at(&m, "devices/virtual/vfio/1/uevent")),
			 "MAJOR=254\nMINOR=1\nDEVNAME=vfio/1\n");
	ck_assert_str_eq(link_of(at(&m, "devices/virtual/vfio/1/subsystem")),
			 "../../../../class/vfio");
	ck_assert_str_eq(link_of(at(&m, "class/vfio/0")),
			 "../../devices/virtual/vfio/0");
	ck_assert_int_eq(stat(at(&m, "devices/virtual/vfio"), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 4);
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", a), "1"), 1);
	ck_assert_str_eq(ls(at(&m, "class/vfio")), "1");
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", b), "1"), 1);
	ck_assert(!exists(at(&m, "devices/virtual/vfio")));
	ck_assert_uint_eq(count(at(&m, "class/vfio")), 0);
	ck_assert_str_eq(ls(at(&m, "devices/virtual")), "mbochs mdpy mtty");
}
END_TEST

START_TEST(modes_and_sizes)
{
	struct stat st;

	mode_is(at(&m, T1 "/create"), S_IFREG | 0200, 4096);
	mode_is(at(&m, T1 "/available_instances"), S_IFREG | 0444, 4096);
	mode_is(at(&m, T1 "/device_api"), S_IFREG | 0444, 4096);
	mode_is(at(&m, T1 "/name"), S_IFREG | 0444, 4096);
	mode_is(at(&m, MDPY "/mdev_supported_types/mdpy-vga/description"),
		S_IFREG | 0444, 4096);
	mode_is(at(&m, "class/mdev_bus/mtty"), S_IFLNK | 0777, 0);
	mode_is(at(&m, MTTY "/subsystem"), S_IFLNK | 0777, 0);
	mode_is(at(&m, T1), S_IFDIR | 0755, 0);
	mode_is(at(&m, MTTY "/uevent"), S_IFREG | 0644, 4096);
	mode_is(at(&m, "bus/mdev/drivers_probe"), S_IFREG | 0200, 4096);
	/* a directory's nlink is 2 + its subdirectories */
	ck_assert_int_eq(stat(at(&m, T1), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 3);
	ck_assert_int_eq(stat(at(&m, MTTY), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 4);
	ck_assert_int_eq(stat(at(&m, MDPY "/mdev_supported_types"), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 5);
}
END_TEST

START_TEST(values)
{
	ck_assert_str_eq(get(at(&m, T1 "/device_api")), "vfio-pci\n");
	ck_assert_str_eq(get(at(&m, T2 "/name")), "Dual port serial\n");
	ck_assert_str_eq(get(at(&m, MDPY "/mdev_supported_types/mdpy-vga/name")),
			 "mdpy-vga\n");
	ck_assert_str_eq(get(at(&m, "devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small/description")),
			 "virtual display, 4 MB video memory\n");
	ck_assert_str_eq(get(at(&m, T1 "/available_instances")), "24\n");
	ck_assert_str_eq(get(at(&m, T2 "/available_instances")), "12\n");
	ck_assert_ptr_null(get(at(&m, T1 "/description")));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(get(at(&m, "bus/mdev/drivers_autoprobe")), "1\n");
	ck_assert_str_eq(get(at(&m, MTTY "/uevent")), "");
}
END_TEST

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

START_TEST(open_rules_for_root)
{
	/* sysfs checks the mode bits even for root */
	ck_assert_int_eq(open_errno(at(&m, T1 "/create"), O_RDONLY), EACCES);
	ck_assert_int_eq(open_errno(at(&m, T1 "/create"), O_RDWR), EACCES);
	ck_assert_int_eq(open_errno(at(&m, T1 "/available_instances"), O_WRONLY), EACCES);
	ck_assert_int_eq(open_errno(at(&m, T1 "/available_instances"), O_RDWR), EACCES);
	ck_assert_int_eq(open_errno(at(&m, MTTY "/uevent"), O_RDWR), 0);
	/* shell `>` on an attribute */
	ck_assert_int_eq(open_errno(at(&m, T1 "/create"), O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(open_errno(at(&m, T1 "/create"), O_WRONLY | O_CREAT | O_TRUNC), 0);
	ck_assert_int_eq(truncate(at(&m, T1 "/create"), 0), 0);
	ck_assert_int_eq(truncate(at(&m, T1 "/create"), 17), 0);
	ck_assert_int_eq(open_errno(at(&m, T1 "/foo"), O_WRONLY | O_CREAT), EACCES);
}
END_TEST

START_TEST(nothing_else_allowed)
{
	ck_assert_int_eq(unlink(at(&m, T1 "/create")), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(mkdir(at(&m, T1 "/x"), 0755), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(rmdir(at(&m, T1 "/devices")), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(rename(at(&m, T1 "/name"), at(&m, T1 "/x")), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(symlink("x", at(&m, T1 "/x")), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(link(at(&m, T1 "/name"), at(&m, T1 "/x")), -1);
	ck_assert_int_eq(errno, EPERM);
	/* a regular file goes through vfs_create(): EACCES, as for O_CREAT */
	ck_assert_int_eq(mknod(at(&m, T1 "/x"), S_IFREG | 0644, 0), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(setxattr(at(&m, T1 "/name"), "user.x", "1", 1, 0), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(getxattr(at(&m, T1 "/name"), "user.x", NULL, 0), -1);
	ck_assert_int_eq(errno, ENODATA);
	ck_assert_str_eq(ls(at(&m, T1)),
			 "available_instances create device_api devices name");
}
END_TEST

START_TEST(chmod_by_root)
{
	struct stat st;

	ck_assert_int_eq(chmod(at(&m, T1 "/name"), 0400), 0);
	ck_assert_int_eq(stat(at(&m, T1 "/name"), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0400);
	ck_assert_int_eq(chown(at(&m, T1 "/name"), 65534, 65534), 0);
	ck_assert_int_eq(stat(at(&m, T1 "/name"), &st), 0);
	ck_assert_uint_eq(st.st_uid, 65534);
}
END_TEST

START_TEST(short_reads_and_seek)
{
	char c, buf[16] = "";
	size_t n = 0;
	int fd = open(at(&m, T1 "/available_instances"), O_RDONLY);

	ck_assert_int_ge(fd, 0);
	while (read(fd, &c, 1) == 1)
		buf[n++] = c;
	ck_assert_str_eq(buf, "24\n");
	ck_assert_int_eq(read(fd, &c, 1), 0);
	ck_assert_int_eq(put(at(&m, T1 "/create"), uuid_new()), 36);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "23\n");
	close(fd);
}
END_TEST

START_TEST(stable_inodes)
{
	struct stat a, b, c;

	ck_assert_int_eq(stat(at(&m, "class/mdev_bus/mtty"), &a), 0);
	ck_assert_int_eq(stat(at(&m, MTTY), &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_int_eq(stat(at(&m, T1 "/create"), &a), 0);
	ck_assert_int_eq(stat(at(&m, "class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"), &c), 0);
	ck_assert_uint_eq(a.st_ino, c.st_ino);
	ck_assert_uint_ne(a.st_ino, b.st_ino);
}
END_TEST

static int nobody_checks(void *arg)
{
	struct mdevfs *mm = arg;
	char *v = get(at(mm, T1 "/available_instances"));

	if (!v || strcmp(v, "24\n") != 0)
		return 1;
	if (put(at(mm, T1 "/create"), "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a") != -EACCES)
		return 2;
	if (count(at(mm, "class/mdev_bus")) != 3)
		return 3;
	if (!link_of(at(mm, "class/mdev_bus/mtty")))
		return 4;
	return 0;
}

START_TEST(other_users_read_only)
{
	ck_assert_int_eq(as_nobody(nobody_checks, &m), 0);
	ck_assert_uint_eq(count(at(&m, "bus/mdev/devices")), 0);
}
END_TEST

/* Readdir passes while devices come and go.  Positions are kernfs's name
 * hashes, so a device removed and created again under its UUID keeps its
 * place: a pass that listed it does not meet it again. */

static const char pass_config[] =
	"[parent mtty]\nclass = mtty\ndriver = mtty\nbackend = sample\n"
	"device_api = vfio-pci\npool = 1000\n[type mtty 1]\n";

#define PASS_T1 "class/mdev_bus/mtty/mdev_supported_types/mtty-1"

/* The directories that list devices, with their own entries. */
static const struct pass_dir {
	const char *path;
	const char *own[5];
} pass_dirs[] = {
	{ "bus/mdev/devices", { NULL } },
	{ "class/mdev_bus/mtty", { "mdev_supported_types", "power", "subsystem", "uevent", NULL } },
	{ PASS_T1 "/devices", { NULL } },
	{ "bus/mdev/drivers/mtty", { "bind", "unbind", "uevent", NULL } },
};

static void pass_setup(void) { mdevfs_start(&m, pass_config, NULL); }

/* One getdents64 call of @size bytes; the names it gives (not the dots)
 * go to @names.  1, 0 at the end, or -errno. */
static int dents(int fd, size_t size, GPtrArray *names)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = getdents64(fd, buf, MIN(size, sizeof(buf)));

	if (n <= 0)
		return n < 0 ? -errno : 0;
	for (ssize_t off = 0; off < n;) {
		const struct dirent64 *d = (const void *)(buf + off);

		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(d->d_name));
		off += d->d_reclen;
	}
	return 1;
}

/* What is wrong with a pass that gave @names, where @stayed were present
 * throughout: a name twice or one missing; NULL when nothing is. */
static char *pass_fault(const GPtrArray *names, char *const *stayed,
			unsigned int nstayed, const char *const *own)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < names->len; i++)
		if (!g_hash_table_add(seen, names->pdata[i]))
			return g_strdup_printf("%s listed twice", (char *)names->pdata[i]);
	for (unsigned int i = 0; i < nstayed; i++)
		if (!g_hash_table_contains(seen, stayed[i]))
			return g_strdup_printf("%s missing", stayed[i]);
	for (; *own; own++)
		if (!g_hash_table_contains(seen, *own))
			return g_strdup_printf("%s missing", *own);
	return NULL;
}

static bool is_uuid(const char *name)
{
	return strlen(name) == 36 && name[8] == '-';
}

#define PASS_DEVICES 48

START_TEST(pass_lists_a_name_once)
{
	char *u[PASS_DEVICES];

	for (int i = 0; i < PASS_DEVICES; i++) {
		u[i] = uuid_new();
		ck_assert_int_gt(put(at(&m, PASS_T1 "/create"), u[i]), 0);
	}
	for (guint d = 0; d < G_N_ELEMENTS(pass_dirs); d++) {
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *fault = NULL;
		int fd = open(at(&m, "%s", pass_dirs[d].path), O_RDONLY | O_DIRECTORY);
		guint first;
		int r;

		ck_assert_int_ge(fd, 0);
		/* 512 bytes: a few entries, then every UUID listed so far goes
		 * and comes back before the pass goes on. */
		ck_assert_int_eq(dents(fd, 512, names), 1);
		first = names->len;
		ck_assert_uint_gt(first, 2);
		for (guint i = 0; i < first; i++) {
			const char *name = names->pdata[i];

			if (!is_uuid(name))
				continue;
			ck_assert_int_gt(put(at(&m, "bus/mdev/devices/%s/remove", name), "1"), 0);
			ck_assert_int_gt(put(at(&m, PASS_T1 "/create"), name), 0);
		}
		while ((r = dents(fd, 512, names)) > 0)
			;
		ck_assert_int_eq(r, 0);
		close(fd);
		fault = pass_fault(names, u, PASS_DEVICES, pass_dirs[d].own);
		ck_assert_msg(!fault, "%s: %s (%u names)", pass_dirs[d].path,
			      fault, names->len);
	}
}
END_TEST

/* The storm: UUIDs removed and created again in loops, readers making
 * passes in small calls meanwhile; every pass must list each name at most
 * once and every device that stayed. */
#define STORM_STABLE 32
#define STORM_CHURN 8     /* per churner */
#define STORM_SECONDS 3

struct storm {
	char *stable[STORM_STABLE];
	time_t end;
	pthread_mutex_t lock;
	GString *faults;        /* lock */
	unsigned long passes;   /* lock */
};

static void *churner(void *arg)
{
	struct storm *st = arg;
	char *u[STORM_CHURN];

	for (int i = 0; i < STORM_CHURN; i++)
		u[i] = uuid_new();
	for (unsigned int n = 0; time(NULL) < st->end; n++) {
		const char *x = u[n % STORM_CHURN];

		put(at(&m, PASS_T1 "/create"), x);
		put(at(&m, "bus/mdev/devices/%s/remove", x), "1");
		put(at(&m, PASS_T1 "/create"), x);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct storm *st = arg;

	for (guint d = 0; time(NULL) < st->end; d = (d + 1) % G_N_ELEMENTS(pass_dirs)) {
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *fault = NULL;
		int fd = open(at(&m, "%s", pass_dirs[d].path), O_RDONLY | O_DIRECTORY);

		if (fd < 0) {
			fault = g_strdup_printf("open: %s", strerror(errno));
		} else {
			int r;

			while ((r = dents(fd, 256, names)) > 0)
				;
			close(fd);
			fault = r < 0 ? g_strdup_printf("getdents64: %s", strerror(-r))
				      : pass_fault(names, st->stable, STORM_STABLE,
						   pass_dirs[d].own);
		}
		pthread_mutex_lock(&st->lock);
		st->passes++;
		if (fault && st->faults->len < 2000)
			g_string_append_printf(st->faults, "%s: %s\n",
					       pass_dirs[d].path, fault);
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

START_TEST(pass_during_storm)
{
	struct storm st = { .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t threads[4];

	st.faults = g_string_new(NULL);
	for (int i = 0; i < STORM_STABLE; i++) {
		st.stable[i] = uuid_new();
		ck_assert_int_gt(put(at(&m, PASS_T1 "/create"), st.stable[i]), 0);
	}
	st.end = time(NULL) + STORM_SECONDS;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL,
						i < 2 ? churner : reader, &st), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	ck_assert_msg(st.faults->len == 0, "%lu passes; faults:\n%s", st.passes,
		      st.faults->str);
	ck_assert_uint_gt(st.passes, 8);
	g_string_free(st.faults, TRUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-tree");
	TCase *tc = tcase_create("tree");

	harness_require_private_namespaces();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shape);
	tcase_add_test(tc, vfio_group_devices);
	tcase_add_test(tc, modes_and_sizes);
	tcase_add_test(tc, values);
	tcase_add_test(tc, open_rules_for_root);
	tcase_add_test(tc, nothing_else_allowed);
	tcase_add_test(tc, chmod_by_root);
	tcase_add_test(tc, short_reads_and_seek);
	tcase_add_test(tc, stable_inodes);
	tcase_add_test(tc, other_users_read_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("readdir");
	tcase_add_checked_fixture(tc, pass_setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pass_lists_a_name_once);
	tcase_add_test(tc, pass_during_storm);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
