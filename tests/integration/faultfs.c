// SPDX-License-Identifier: MIT
/*
 * faultfs BACKING MOUNTPOINT [FUSE OPTIONS]: a directory passed through
 * FUSE, whose operations fail on demand.  The tests put mdevfs's state
 * directory on it to see what a create, a remove or an unregistration
 * does when the disk under it fails (a directory's fsync returning EIO,
 * unlinks refused): the real daemon, real system calls, the errors a
 * failing file system really gives.
 *
 * The faults are read from BACKING/.faults before every operation: one
 * "OPERATION ERRNO" a line (fsyncdir EIO, unlink EROFS, fsync EIO,
 * rename EIO, create ENOSPC, ...), the operation named as in struct
 * fuse_operations.  An empty or missing file: no faults.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fuse.h>

static int backing = -1;

static const struct { const char *name; int err; } errnos[] = {
	{ "EIO", EIO }, { "EROFS", EROFS }, { "ENOSPC", ENOSPC },
	{ "EDQUOT", EDQUOT }, { "EACCES", EACCES }, { "EPERM", EPERM },
};

/* -errno if BACKING/.faults says @op fails, else 0. */
static int fault(const char *op)
{
	char line[128], name[64], err[32];
	int ret = 0;
	FILE *f;
	int fd = openat(backing, ".faults", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	while (f && !ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %31s", name, err) == 2 && !strcmp(name, op))
			for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
				if (!strcmp(errnos[i].name, err))
					ret = -errnos[i].err;
	if (f)
		fclose(f);
	else
		close(fd);
	return ret;
}

/* A FUSE path ("/a/b") relative to BACKING ("a/b", "." for the root). */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

#define FAULT(op)                         \
	do {                              \
		int f_ = fault(op);       \
		if (f_)                   \
			return f_;        \
	} while (0)

static int ret_of(int r) { return r < 0 ? -errno : 0; }

static int ff_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	FAULT("getattr");
	return ret_of(fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int ff_access(const char *path, int mask)
{
	FAULT("access");
	return ret_of(faccessat(backing, rel(path), mask, AT_SYMLINK_NOFOLLOW));
}

static int ff_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlinkat(backing, rel(path), buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *de;

	(void)off, (void)fi, (void)flags;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(dir)))
		if (fill(buf, de->d_name, NULL, 0, 0))
			break;
	closedir(dir);
	return 0;
}

static int ff_mkdir(const char *path, mode_t mode)
{
	FAULT("mkdir");
	return ret_of(mkdirat(backing, rel(path), mode));
}

static int ff_mknod(const char *path, mode_t mode, dev_t dev)
{
	FAULT("mknod");
	return ret_of(mknodat(backing, rel(path), mode, dev));
}

static int ff_unlink(const char *path)
{
	FAULT("unlink");
	return ret_of(unlinkat(backing, rel(path), 0));
}

static int ff_rmdir(const char *path)
{
	FAULT("rmdir");
	return ret_of(unlinkat(backing, rel(path), AT_REMOVEDIR));
}

static int ff_rename(const char *from, const char *to, unsigned int flags)
{
	FAULT("rename");
	return ret_of(renameat2(backing, rel(from), backing, rel(to), flags));
}

static int ff_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	return ret_of(fchmodat(backing, rel(path), mode, 0));
}

static int ff_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int fd, ret;

	if (fi)
		return ret_of(ftruncate((int)fi->fh, size));
	fd = openat(backing, rel(path), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ret_of(ftruncate(fd, size));
	close(fd);
	return ret;
}

static int ff_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	(void)fi;
	return ret_of(utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int ff_open(const char *path, struct fuse_file_info *fi)
{
	int fd;

	FAULT("open");
	fd = openat(backing, rel(path), fi->flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int ff_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd;

	FAULT("create");
	fd = openat(backing, rel(path), fi->flags | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int ff_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	ssize_t n = pread((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int ff_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	FAULT("write");
	n = pwrite((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ff_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return ret_of(fstatvfs(backing, st));
}

static int ff_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int ff_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	FAULT("fsync");
	return ret_of(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}

static int ff_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path, (void)datasync, (void)fi;
	FAULT("fsyncdir");
	return 0;
}

static const struct fuse_operations ops = {
	.getattr = ff_getattr, .access = ff_access, .readlink = ff_readlink,
	.readdir = ff_readdir, .mkdir = ff_mkdir, .mknod = ff_mknod,
	.unlink = ff_unlink, .rmdir = ff_rmdir, .rename = ff_rename,
	.chmod = ff_chmod, .truncate = ff_truncate, .utimens = ff_utimens,
	.open = ff_open, .create = ff_create, .read = ff_read,
	.write = ff_write, .statfs = ff_statfs, .release = ff_release,
	.fsync = ff_fsync, .fsyncdir = ff_fsyncdir,
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: faultfs BACKING MOUNTPOINT [FUSE OPTIONS]\n");
		return 2;
	}
	backing = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (backing < 0) {
		perror(argv[1]);
		return 1;
	}
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
