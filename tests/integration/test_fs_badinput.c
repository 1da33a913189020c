// SPDX-License-Identifier: MIT
/*
 * Bad input, table-driven: every row is one malformed operation through a
 * real mount, with the errno the kernel's sysfs gives for it, and no row
 * may change the tree (devices, available_instances, directory listings,
 * the values a write could have set).  docs/bad-input.md gives the kernel
 * source behind each group of rows; the few places where FUSE cannot give
 * the kernel's answer are listed there, not here.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define U      "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a" /* a live device */
#define UPPER  "5E8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A"
#define GONE   "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6" /* created, removed */
#define MTTY   "devices/virtual/mtty/mtty"
#define DEV    MTTY "/" U
#define T1     MTTY "/mdev_supported_types/mtty-1"
#define CREATE T1 "/create"
#define MDPY_CREATE "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/create"
#define DRV    "bus/mdev/drivers/"

static struct mdevfs m;
static char name255[256], name256[257];

struct row {
	const char *what;
	ssize_t (*op)(const struct row *r, const char *path);
	const char *path;  /* relative to the mountpoint */
	const char *data;  /* bytes written, a name, a second path */
	size_t len;        /* bytes of data written */
	long long arg;     /* offset, flags, mode, size */
	ssize_t want;      /* the kernel's result: -errno or a count */
};

static ssize_t result(ssize_t ret)
{
	return ret < 0 ? -errno : ret;
}

static ssize_t op_write(const struct row *r, const char *path)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = result(r->arg ? pwrite(fd, r->data, r->len, (off_t)r->arg) :
			      write(fd, r->data, r->len));
	close(fd);
	return ret;
}

/* r->data, then its last byte ('a' if none) up to r->arg bytes, in one
 * write(). */
static ssize_t op_big(const struct row *r, const char *path)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = g_malloc((size_t)r->arg);
	memset(buf, r->len ? r->data[r->len - 1] : 'a', (size_t)r->arg);
	memcpy(buf, r->data, r->len);
	ret = result(write(fd, buf, (size_t)r->arg));
	g_free(buf);
	close(fd);
	return ret;
}

static ssize_t op_open(const struct row *r, const char *path)
{
	int fd = open(path, (int)r->arg, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static ssize_t op_open_name(const struct row *r, const char *path)
{
	return op_open(r, fmt("%s/%s", path, r->data));
}

static ssize_t op_stat_name(const struct row *r, const char *path)
{
	struct stat st;

	return result(lstat(fmt("%s/%s", path, r->data), &st));
}

static ssize_t op_truncate(const struct row *r, const char *path)
{
	return result(truncate(path, (off_t)r->arg));
}

static ssize_t op_ftruncate_rdonly(const struct row *r, const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = result(ftruncate(fd, (off_t)r->arg));
	close(fd);
	return ret;
}

/* mmap of a page of the file, opened O_RDONLY, with flags r->arg. */
static ssize_t op_mmap(const struct row *r, const char *path)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return -errno;
	p = mmap(NULL, 4096, PROT_READ, (int)r->arg, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	munmap(p, 4096);
	return 0;
}

static ssize_t op_mkdir(const struct row *r, const char *path)
{
	return result(mkdir(r->data ? fmt("%s/%s", path, r->data) : path, 0755));
}

static ssize_t op_rmdir(const struct row *r, const char *path)
{
	(void)r;
	return result(rmdir(path));
}

static ssize_t op_unlink(const struct row *r, const char *path)
{
	(void)r;
	return result(unlink(path));
}

static ssize_t op_rename(const struct row *r, const char *path)
{
	return result(renameat2(AT_FDCWD, path, AT_FDCWD, at(&m, "%s", r->data),
				(unsigned int)r->arg));
}

static ssize_t op_link(const struct row *r, const char *path)
{
	return result(link(path, at(&m, "%s", r->data)));
}

static ssize_t op_symlink(const struct row *r, const char *path)
{
	return result(symlink(r->data, path));
}

static ssize_t op_mknod(const struct row *r, const char *path)
{
	return result(mknod(path, (mode_t)r->arg, makedev(1, 3)));
}

static ssize_t op_setxattr(const struct row *r, const char *path)
{
	return result(r->arg ? lsetxattr(path, r->data, "1", 1, 0) :
			       setxattr(path, r->data, "1", 1, 0));
}

static ssize_t op_removexattr(const struct row *r, const char *path)
{
	return result(removexattr(path, r->data));
}

static ssize_t op_getxattr(const struct row *r, const char *path)
{
	char buf[64];

	return result(getxattr(path, r->data, buf, sizeof(buf)));
}

static ssize_t op_readlink(const struct row *r, const char *path)
{
	char buf[256];

	(void)r;
	return result(readlink(path, buf, sizeof(buf)));
}

/*
 * The operations on an fd whose device is gone: a device of its own
 * (mtty-2) is created, r->path below it opened (flags r->arg), the device
 * removed, and then the fd used.
 */
static int open_then_remove(const struct row *r, int flags)
{
	char *u = uuid_new();
	int fd;

	ck_assert_int_eq(put(at(&m, MTTY "/mdev_supported_types/mtty-2/create"), u), 36);
	fd = open(at(&m, MTTY "/%s/%s", u, r->path), flags);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(put(at(&m, MTTY "/%s/remove", u), "1"), 1);
	ck_assert(!exists(at(&m, MTTY "/%s", u)));
	return fd;
}

static ssize_t op_gone_write(const struct row *r, const char *path)
{
	int fd = open_then_remove(r, O_WRONLY);
	ssize_t ret = result(write(fd, r->data, r->len));

	(void)path;
	close(fd);
	return ret;
}

static ssize_t op_gone_read(const struct row *r, const char *path)
{
	int fd = open_then_remove(r, O_RDONLY);
	char buf[4096];
	ssize_t ret = result(read(fd, buf, sizeof(buf)));

	(void)path;
	close(fd);
	return ret;
}

/* What is left to read in a directory that is gone: the count of entries
 * other than "." and "..". */
static ssize_t op_gone_readdir(const struct row *r, const char *path)
{
	int fd = open_then_remove(r, O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd); /* fstat()s the fd */
	struct dirent *e;
	ssize_t n = 0;

	(void)path;
	if (!d) {
		n = -errno;
		close(fd);
		return n;
	}
	errno = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (errno)
		n = -errno;
	closedir(d);
	return n;
}

static ssize_t op_gone_openat(const struct row *r, const char *path)
{
	int dir = open_then_remove(r, O_RDONLY | O_DIRECTORY);
	int fd = openat(dir, r->data, O_WRONLY);
	ssize_t ret = fd < 0 ? -errno : 0;

	(void)path;
	if (fd >= 0)
		close(fd);
	close(dir);
	return ret;
}

#define S(s) s, sizeof(s) - 1
/* a write of a string (which may hold NULs) */
#define W(what, path, str, want) { what, op_write, path, S(str), 0, want }
/* the same at an offset */
#define PW(what, path, str, off, want) { what, op_write, path, S(str), off, want }
/* any other operation */
#define OP(what, fn, path, data, arg, want) { what, fn, path, data, 0, arg, want }

static const struct row rows[] = {
	/* create: lib/uuid.c uuid_is_valid(), mdev_sysfs.c create_store() */
	W("create: 35 bytes", CREATE, "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3", -EINVAL),
	W("create: UUID\\n\\n", CREATE, U "\n\n", -EINVAL),
	W("create: UUID\\r\\n", CREATE, U "\r\n", -EINVAL),
	W("create: no dashes", CREATE, "5e8d5a4c0f9b4e5e9a548b7c1d0e2f3a", -EINVAL),
	W("create: dash at 7", CREATE, "5e8d5a4-c0f9b-4e5e-9a54-8b7c1d0e2f3a", -EINVAL),
	W("create: dash at 24", CREATE, "5e8d5a4c-0f9b-4e5e-9a548-b7c1d0e2f3a", -EINVAL),
	W("create: all dashes", CREATE, "------------------------------------", -EINVAL),
	W("create: 'g' first", CREATE, "ge8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a", -EINVAL),
	W("create: 'z' last", CREATE, "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3z", -EINVAL),
	W("create: braces", CREATE, "{" U "}", -EINVAL),
	W("create: urn:uuid:", CREATE, "urn:uuid:" U, -EINVAL),
	W("create: leading space", CREATE, " " U, -EINVAL),
	W("create: leading space and \\n", CREATE, " " U "\n", -EINVAL),
	W("create: two trailing spaces", CREATE, U "  ", -EINVAL),
	W("create: NUL at 10", CREATE, "5e8d5a4c-0\0f9b-4e5e-9a54-8b7c1d0e2f3a", -EINVAL),
	W("create: NUL first", CREATE, "\0" U, -EINVAL),
	W("create: \\n alone", CREATE, "\n", -EINVAL),
	W("create: zero bytes", CREATE, "", 0),
	{ "create: a page of 'a'", op_big, CREATE, S(""), 4096, -EINVAL },
	{ "create: UUID\\n and more, 5000 bytes", op_big, CREATE, S(U "\n"), 5000, -EINVAL },
	{ "create: 1 MiB", op_big, CREATE, S(""), 1 << 20, -EINVAL },
	PW("create: bad UUID at offset 4096", CREATE, U "\n\n", 4096, -EINVAL),
	PW("create: bad UUID at offset 2^40", CREATE, "x", 1LL << 40, -EINVAL),
	PW("create: at offset -1", CREATE, U, -1, -EINVAL),
	W("create: the live UUID", CREATE, U, -EEXIST),
	W("create: the live UUID, upper case", CREATE, UPPER "\n", -EEXIST),
	W("create: the live UUID on mdpy", MDPY_CREATE, U, -EEXIST),
	W("create: through a type that is not", MTTY "/mdev_supported_types/mtty-3/create", U, -ENOENT),

	/* remove: lib/kstrtox.c kstrtoul(base 0), mdev_sysfs.c remove_store() */
	W("remove: zero bytes", DEV "/remove", "", 0),
	W("remove: \\n", DEV "/remove", "\n", -EINVAL),
	W("remove: yes", DEV "/remove", "yes", -EINVAL),
	W("remove: y (not a bool)", DEV "/remove", "y", -EINVAL),
	W("remove: -1", DEV "/remove", "-1", -EINVAL),
	W("remove: leading space", DEV "/remove", " 1", -EINVAL),
	W("remove: trailing space", DEV "/remove", "1 ", -EINVAL),
	W("remove: 1\\n\\n", DEV "/remove", "1\n\n", -EINVAL),
	W("remove: 08 (octal)", DEV "/remove", "08", -EINVAL),
	W("remove: 0x", DEV "/remove", "0x", -EINVAL),
	W("remove: 2^64", DEV "/remove", "18446744073709551616", -EINVAL),
	W("remove: NUL", DEV "/remove", "\0", -EINVAL),
	W("remove: 0 does nothing", DEV "/remove", "0", 1),
	W("remove: 0x0\\n does nothing", DEV "/remove", "0x0\n", 4),
	W("remove: +0 does nothing", DEV "/remove", "+0", 2),
	W("remove: 0, NUL, 1 does nothing", DEV "/remove", "0\0" "1", 3),
	{ "remove: 5000 zeros, cut to a page", op_big, DEV "/remove", S("0"), 5000, 4096 },

	/* other stores: drivers/base/{core,bus}.c, power/sysfs.c,
	 * lib/kobject_uevent.c kobject_synth_uevent() */
	W("uevent: bogus action", DEV "/uevent", "bogus", -EINVAL),
	W("uevent: add with a bad UUID", DEV "/uevent", "add x", -EINVAL),
	W("bus uevent: bogus action", "bus/mdev/uevent", "bogus\n", -EINVAL),
	W("power/control: off", DEV "/power/control", "off", -EINVAL),
	W("power/control: zero bytes", DEV "/power/control", "", 0),
	W("autosuspend_delay_ms: 100", DEV "/power/autosuspend_delay_ms", "100", -EIO),
	W("drivers_probe: no such device", "bus/mdev/drivers_probe", "nope", -ENODEV),
	W("drivers_probe: removed device", "bus/mdev/drivers_probe", GONE, -ENODEV),
	W("bind: the mdev bus matches nothing", DRV "mtty/bind", U, -ENODEV),
	W("unbind: no such device", DRV "mtty/unbind", "nope\n", -ENODEV),
	W("unbind: another driver's device", DRV "mdpy/unbind", U, -ENODEV),
	W("drivers_autoprobe: x, which is 1", "bus/mdev/drivers_autoprobe", "x", 1),
	W("drivers_autoprobe: zero bytes", "bus/mdev/drivers_autoprobe", "", 0),

	/* open: kernfs_fop_open() (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK),
	 * fs/namei.c do_open(), vfs_create() without ->create */
	OP("open O_RDWR: 0444", op_open, T1 "/name", NULL, O_RDWR, -EACCES),
	OP("open O_RDWR: 0200", op_open, CREATE, NULL, O_RDWR, -EACCES),
	OP("open O_WRONLY: 0444", op_open, T1 "/available_instances", NULL, O_WRONLY, -EACCES),
	OP("open O_WRONLY: vendor 0444", op_open, DEV "/vendor/sample_mdev_dev", NULL, O_WRONLY, -EACCES),
	OP("open O_RDONLY: 0200", op_open, DEV "/remove", NULL, O_RDONLY, -EACCES),
	OP("open O_WRONLY: a directory", op_open, DEV, NULL, O_WRONLY, -EISDIR),
	OP("open O_DIRECTORY: a file", op_open, DEV "/uevent", NULL, O_RDONLY | O_DIRECTORY, -ENOTDIR),
	OP("open O_CREAT: a new name", op_open, DEV "/new", NULL, O_WRONLY | O_CREAT, -EACCES),
	OP("open O_CREAT|O_EXCL: a file", op_open, DEV "/uevent", NULL, O_WRONLY | O_CREAT | O_EXCL, -EEXIST),
	OP("open O_RDONLY|O_TRUNC: 0444, a no-op", op_open, T1 "/name", NULL, O_RDONLY | O_TRUNC, 0),
	OP("open O_WRONLY|O_TRUNC: create, a no-op", op_open, CREATE, NULL, O_WRONLY | O_TRUNC, 0),

	/* truncate: kernfs_iop_setattr() ignores the size */
	OP("truncate: 0444 to 7", op_truncate, T1 "/name", NULL, 7, 0),
	OP("truncate: create to 1", op_truncate, CREATE, NULL, 1, 0),
	OP("truncate: remove to 2^40", op_truncate, DEV "/remove", NULL, 1LL << 40, 0),
	OP("truncate: to -1", op_truncate, T1 "/name", NULL, -1, -EINVAL),
	OP("truncate: a directory", op_truncate, DEV, NULL, 0, -EISDIR),
	OP("ftruncate: an O_RDONLY fd", op_ftruncate_rdonly, DEV "/uevent", NULL, 0, -EINVAL),

	/* the name space: kernfs_dir_iops has no link/symlink/unlink/mknod,
	 * and sysfs no kernfs_syscall_ops (mkdir/rmdir/rename: EPERM) */
	OP("mkdir: in a device", op_mkdir, DEV "/new", NULL, 0, -EPERM),
	OP("mkdir: at the root", op_mkdir, "new", NULL, 0, -EPERM),
	OP("mkdir: in class/mdev_bus", op_mkdir, "class/mdev_bus/new", NULL, 0, -EPERM),
	OP("mkdir: a UUID in bus/mdev/devices", op_mkdir, "bus/mdev/devices/" GONE, NULL, 0, -EPERM),
	OP("mkdir: an existing name", op_mkdir, DEV "/power", NULL, 0, -EEXIST),
	OP("rmdir: power/", op_rmdir, DEV "/power", NULL, 0, -EPERM),
	OP("rmdir: the device", op_rmdir, DEV, NULL, 0, -EPERM),
	OP("rmdir: a file", op_rmdir, DEV "/uevent", NULL, 0, -ENOTDIR),
	OP("unlink: remove", op_unlink, DEV "/remove", NULL, 0, -EPERM),
	OP("unlink: a bus link", op_unlink, "bus/mdev/devices/" U, NULL, 0, -EPERM),
	OP("unlink: a directory", op_unlink, DEV "/power", NULL, 0, -EISDIR),
	OP("rename: a file", op_rename, DEV "/uevent", DEV "/new", 0, -EPERM),
	OP("rename: the device", op_rename, DEV, MTTY "/new", 0, -EPERM),
	OP("rename: a link over a link", op_rename, DEV "/driver", DEV "/subsystem", 0, -EPERM),
	OP("rename: RENAME_NOREPLACE", op_rename, DEV "/uevent", DEV "/new", RENAME_NOREPLACE, -EINVAL),
	OP("rename: RENAME_EXCHANGE", op_rename, DEV "/uevent", DEV "/remove", RENAME_EXCHANGE, -EINVAL),
	OP("link: a file", op_link, DEV "/uevent", DEV "/new", 0, -EPERM),
	OP("link: a directory", op_link, DEV "/power", DEV "/new", 0, -EPERM),
	OP("symlink: a new name", op_symlink, DEV "/new", "uevent", 0, -EPERM),
	OP("symlink: over a file", op_symlink, DEV "/uevent", "remove", 0, -EEXIST),
	OP("mknod: S_IFREG", op_mknod, DEV "/new", NULL, S_IFREG | 0600, -EACCES),
	OP("mknod: S_IFIFO", op_mknod, DEV "/new", NULL, S_IFIFO | 0600, -EPERM),
	OP("mknod: S_IFCHR", op_mknod, DEV "/new", NULL, S_IFCHR | 0600, -EPERM),

	/* xattrs: kernfs_xattr_handlers (user.* needs
	 * KERNFS_ROOT_SUPPORT_USER_XATTR, which sysfs lacks), fs/xattr.c
	 * xattr_permission() for user.* on a symlink */
	OP("setxattr: user.* on a file", op_setxattr, DEV "/uevent", "user.x", 0, -EOPNOTSUPP),
	OP("setxattr: user.* on a directory", op_setxattr, DEV, "user.x", 0, -EOPNOTSUPP),
	OP("setxattr: no namespace", op_setxattr, DEV "/uevent", "bogus.x", 0, -EOPNOTSUPP),
	OP("lsetxattr: user.* on a symlink", op_setxattr, DEV "/driver", "user.x", 1, -EPERM),
	OP("removexattr: user.*", op_removexattr, DEV "/uevent", "user.x", 0, -EOPNOTSUPP),
	OP("getxattr: user.*", op_getxattr, DEV "/uevent", "user.x", 0, -ENODATA),

	/* names: kernfs_iop_lookup() has no length check, names are bytes */
	OP("stat: a 255-byte name", op_stat_name, DEV, name255, 0, -ENOENT),
	OP("stat: a 256-byte name", op_stat_name, DEV, name256, 0, -ENOENT),
	OP("stat: a non-UTF-8 name", op_stat_name, DEV, "\xff\xfe", 0, -ENOENT),
	OP("stat: the UUID in upper case", op_stat_name, MTTY, UPPER, 0, -ENOENT),
	OP("open O_CREAT: a 255-byte name", op_open_name, DEV, name255, O_WRONLY | O_CREAT, -EACCES),
	OP("mkdir: a 256-byte name", op_mkdir, DEV, name256, 0, -EPERM),
	OP("mkdir: a non-UTF-8 name", op_mkdir, MTTY, "\xc3\x28", 0, -EPERM),
	W("create: through a non-UTF-8 type", MTTY "/mdev_supported_types/\xff/create", U, -ENOENT),

	/* kernfs_fop_mmap() without KERNFS_HAS_MMAP; FUSE refuses MAP_SHARED
	 * of a direct_io file the same way (MAP_PRIVATE: mmap_private) */
	OP("mmap MAP_SHARED: an attribute", op_mmap, DEV "/uevent", NULL, MAP_SHARED, -ENODEV),
	OP("mmap MAP_SHARED: a vendor attribute", op_mmap, DEV "/vendor/sample_mdev_dev", NULL, MAP_SHARED, -ENODEV),
	OP("mmap MAP_SHARED: a failing show", op_mmap, DEV "/power/autosuspend_delay_ms", NULL, MAP_SHARED, -ENODEV),

	/* paths through a removed device: kernfs_find_ns() */
	OP("stat: the removed device", op_stat_name, MTTY, GONE, 0, -ENOENT),
	W("remove: of the removed device", MTTY "/" GONE "/remove", "1", -ENOENT),
	OP("readlink: its bus link", op_readlink, "bus/mdev/devices/" GONE, NULL, 0, -ENOENT),
	OP("readlink: its type link", op_readlink, T1 "/devices/" GONE, NULL, 0, -ENOENT),
	OP("mkdir: in the removed device", op_mkdir, MTTY "/" GONE "/x", NULL, 0, -ENOENT),
	OP("open O_CREAT: in it", op_open, MTTY "/" GONE "/uevent", NULL, O_WRONLY | O_CREAT, -ENOENT),

	/* an fd whose device is gone: kernfs_get_active() fails (ENODEV);
	 * kernfs_fop_readdir() lists only dots; a lookup finds nothing */
	{ "fd gone: write 1 to remove", op_gone_write, "remove", S("1"), 0, -ENODEV },
	{ "fd gone: write to uevent", op_gone_write, "uevent", S("change"), 0, -ENODEV },
	{ "fd gone: read uevent", op_gone_read, "uevent", NULL, 0, 0, -ENODEV },
	{ "fd gone: read vendor attribute", op_gone_read, "vendor/sample_mdev_dev", NULL, 0, 0, -ENODEV },
	{ "fd gone: readdir the device", op_gone_readdir, ".", NULL, 0, 0, 0 },
	{ "fd gone: readdir power/", op_gone_readdir, "power", NULL, 0, 0, 0 },
	{ "fd gone: openat remove", op_gone_openat, ".", "remove", 0, 0, -ENOENT },
};

/* What a bad operation must not change. */
static char *snapshot(void)
{
	static const char *const dirs[] = {
		"", "bus/mdev/devices", "kernel/iommu_groups", "class/vfio-dev",
		"class/mdev_bus", MTTY, DEV, DEV "/power", DEV "/vendor",
		DEV "/vfio-dev", T1, DRV "mtty",
	};
	static const char *const values[] = {
		"bus/mdev/drivers_autoprobe", DEV "/power/control", DEV "/uevent",
	};
	static const char *const parents[] = { "mtty", "mdpy", "mbochs" };
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		const char *v = ls(at(&m, "%s", dirs[i]));

		g_string_append_printf(s, "ls %s: %s\n", dirs[i], v ? v : "-");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		const char *v = get(at(&m, "%s", values[i]));

		g_string_append_printf(s, "cat %s: %s", values[i], v ? v : "-\n");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(parents); i++) {
		const char *dir = fmt("devices/virtual/%s/%s/mdev_supported_types",
				      parents[i], parents[i]);
		g_auto(GStrv) types = g_strsplit(ls(at(&m, "%s", dir)), " ", -1);

		for (char **t = types; *t; t++)
			g_string_append_printf(s, "%s: %ld [%s]\n", *t,
				get_long(at(&m, "%s/%s/available_instances", dir, *t)),
				ls(at(&m, "%s/%s/devices", dir, *t)));
	}
	char *text = fmt("%s", s->str); /* kept by the harness */

	g_string_free(s, TRUE);
	return text;
}

static const char *err_name(ssize_t v)
{
	return v < 0 ? strerrorname_np((int)-v) : "ok";
}

static void setup(void)
{
	mdevfs_start(&m, NULL, NULL);
	ck_assert_int_eq(put(at(&m, "%s", CREATE), U), 36);
	ck_assert_int_eq(put(at(&m, "%s", CREATE), GONE), 36);
	ck_assert_int_eq(put(at(&m, MTTY "/" GONE "/remove"), "1"), 1);
}

static void teardown(void) { mdevfs_stop(&m); }

START_TEST(every_row_gets_the_kernels_answer_and_changes_nothing)
{
	g_autoptr(GString) bad = g_string_new(NULL);
	unsigned int wrong = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		const struct row *r = &rows[i];
		char *before = snapshot();
		ssize_t got = r->op(r, at(&m, "%s", r->path));
		char *after = snapshot();
		bool changed = strcmp(before, after) != 0;

		if (got != r->want)
			g_string_append_printf(bad, "row %zu \"%s\": %zd (%s), want %zd (%s)\n",
					       i, r->what, got, err_name(got),
					       r->want, err_name(r->want));
		if (changed)
			g_string_append_printf(bad, "row %zu \"%s\" changed the tree:\n%s---\n%s",
					       i, r->what, before, after);
		wrong += got != r->want || changed;
	}
	printf("bad input: %zu operations tried, %u wrong\n", G_N_ELEMENTS(rows), wrong);
	ck_assert_msg(bad->len == 0, "%s", bad->str);
}
END_TEST

/* The first page of @path through a MAP_PRIVATE mapping, read by a child
 * (a failing page-cache read is SIGBUS for whoever touches the page):
 * *@status is how the child ended; the page, or NULL if it sent none. */
static char *private_page(const char *path, int *status)
{
	int fd = open(path, O_RDONLY), pipefd[2];
	char *page = fmt("%4096s", "");
	void *p;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char buf[4096];

		/* touched by this process, not by write(2)'s copy, which
		 * would fail with EFAULT instead */
		memcpy(buf, p, sizeof(buf));
		close(pipefd[0]);
		_exit(write(pipefd[1], buf, sizeof(buf)) == 4096 ? 0 : 1);
	}
	close(pipefd[1]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	if (read(pipefd[0], page, 4096) != 4096)
		page = NULL;
	close(pipefd[0]);
	munmap(p, 4096);
	return page;
}

/* sysfs refuses every mmap with ENODEV.  FUSE lets MAP_PRIVATE of a
 * direct_io file through to the page cache, which mdevfs fills with the
 * value and NULs, or only NULs when show fails: no client dies of SIGBUS,
 * the file still stats as a page, and read(2) still gives show's errno. */
START_TEST(mmap_private)
{
	static const char nuls[4096];
	const char *failing = at(&m, DEV "/power/autosuspend_delay_ms");
	const char *good = at(&m, DEV "/uevent");
	struct stat st;
	int status;
	char *page = private_page(failing, &status);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child touching the page %s %d",
		      WIFSIGNALED(status) ? "died of signal" : "exited",
		      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	ck_assert_ptr_nonnull(page);
	ck_assert(!memcmp(page, nuls, 4096));
	ck_assert_ptr_null(get(failing));
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(stat(failing, &st), 0);
	ck_assert_int_eq(st.st_size, 4096);

	page = private_page(good, &status);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_ptr_nonnull(page);
	ck_assert_str_eq(page, "DRIVER=mtty\n");
	ck_assert(!memcmp(page + strlen(page), nuls, 4096 - strlen(page)));
	ck_assert_int_eq(stat(good, &st), 0);
	ck_assert_int_eq(st.st_size, 4096);
	ck_assert_str_eq(get(good), "DRIVER=mtty\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-badinput");
	TCase *tc = tcase_create("badinput");

	harness_require_private_namespaces();
	memset(name255, 'n', sizeof(name255) - 1);
	memset(name256, 'n', sizeof(name256) - 1);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_row_gets_the_kernels_answer_and_changes_nothing);
	tcase_add_test(tc, mmap_private);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
