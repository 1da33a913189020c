// SPDX-License-Identifier: MIT
/*
 * The mounted tree as a user sees it through stat, readlink, open and read:
 * shapes, modes and sizes, the sysfs open rules (checklist 1-13), what may
 * not be done to sysfs, inode numbers, and what another user may do.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
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
	ck_assert_str_eq(ls(m.dir), "bus class devices kernel");
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
	ck_assert_str_eq(ls(at(&m, "bus/mdev/drivers/mtty")), "bind uevent unbind");
	ck_assert_str_eq(ls(at(&m, "kernel")), "iommu_groups");
	ck_assert_uint_eq(count(at(&m, "kernel/iommu_groups")), 0);
	ck_assert_uint_eq(count(at(&m, "class/vfio-dev")), 0);
	ck_assert_uint_eq(count(at(&m, "bus/mdev/devices")), 0);
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

int main(void)
{
	Suite *s = suite_create("fs-tree");
	TCase *tc = tcase_create("tree");

	harness_require_private_namespaces();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shape);
	tcase_add_test(tc, modes_and_sizes);
	tcase_add_test(tc, values);
	tcase_add_test(tc, open_rules_for_root);
	tcase_add_test(tc, nothing_else_allowed);
	tcase_add_test(tc, chmod_by_root);
	tcase_add_test(tc, short_reads_and_seek);
	tcase_add_test(tc, stable_inodes);
	tcase_add_test(tc, other_users_read_only);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
