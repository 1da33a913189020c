// SPDX-License-Identifier: MIT
/*
 * kop PATH STEP...: file operations on PATH, or on the one fd the steps
 * open, each answered with its result (or errno name), on one line:
 *
 *   op PATH: STEP=RESULT STEP=RESULT ...
 *
 * Steps on the path:
 *   stat lstat statfs readlink access:rwxf mkdir rmdir unlink
 *   rename:NEW renamex:NEW (RENAME_NOREPLACE) link:NEW symlink:TARGET
 *   mknod:reg|fifo|chr chmod:OCTAL chown:UID:GID lchown:UID:GID utimes
 *   utimens truncate:LEN setxattr:NAME:VALUE getxattr:NAME listxattr
 *   removexattr:NAME
 * Opening the fd (FLAGS: letters joined by +: r w rw creat excl trunc
 * append dir direct nofollow path nonblock):
 *   open:FLAGS
 * Steps on the fd:
 *   read:N pread:N:OFF bytes (1-byte reads to EOF, at most 300) seek:OFF
 *   seekcur:OFF seekend:OFF write:DATA (C escapes) dents (getdents64 to
 *   the end: the names in the order given) fstat fsync fdatasync flock
 *   setlk fallocate ftruncate:LEN fionread mmap:shared|private poll
 *   close
 * And:
 *   run:CMD   `sh -c CMD` (its output on lines of its own), then the
 *             line goes on with "  then:"
 * AS_UID=N runs it as that user.
 */
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>


static const char *path;
static int fd = -1;

static void fail(const char *step)
{
	printf(" %s=%s", step, probe_ename(errno));
}

static int ok(const char *step, long r)
{
	if (r < 0)
		fail(step);
	else
		printf(" %s=OK", step);
	return r < 0;
}

static void shown(const char *step, const void *buf, ssize_t k)
{
	if (k < 0) {
		fail(step);
		return;
	}
	printf(" %s=%zd", step, k);
	if (k > 0) {
		printf("\"");
		probe_escape(stdout, buf, (size_t)k);
		printf("\"");
	}
}

static void print_stat(const char *step, const struct stat *st)
{
	printf(" %s=OK mode=%06o uid=%u gid=%u nlink=%lu size=%lld blocks=%lld",
	       step, (unsigned)st->st_mode, (unsigned)st->st_uid,
	       (unsigned)st->st_gid, (unsigned long)st->st_nlink,
	       (long long)st->st_size, (long long)st->st_blocks);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		printf(" rdev=%u:%u", major(st->st_rdev), minor(st->st_rdev));
}

static int open_flags(const char *f)
{
	int acc = O_RDONLY, more = 0;
	char *copy = strdup(f), *save = NULL;

	if (!copy)
		abort();
	for (char *w = strtok_r(copy, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
		if (!strcmp(w, "w")) acc = O_WRONLY;
		else if (!strcmp(w, "rw")) acc = O_RDWR;
		else if (!strcmp(w, "creat")) more |= O_CREAT;
		else if (!strcmp(w, "excl")) more |= O_EXCL;
		else if (!strcmp(w, "trunc")) more |= O_TRUNC;
		else if (!strcmp(w, "append")) more |= O_APPEND;
		else if (!strcmp(w, "dir")) more |= O_DIRECTORY;
		else if (!strcmp(w, "direct")) more |= O_DIRECT;
		else if (!strcmp(w, "nofollow")) more |= O_NOFOLLOW;
		else if (!strcmp(w, "path")) more |= O_PATH;
		else if (!strcmp(w, "nonblock")) more |= O_NONBLOCK;
		else if (strcmp(w, "r") != 0) {
			fprintf(stderr, "kop: unknown open flag %s\n", w);
			exit(2);
		}
	}
	free(copy);
	return acc | more;
}

static void dents(void)
{
	static char buf[1 << 15] __attribute__((aligned(8)));
	int first = 1;

	printf(" dents=[");
	for (;;) {
		long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (k < 0) {
			printf("%s%s", first ? "" : " ", probe_ename(errno));
			break;
		}
		if (k == 0)
			break;
		for (long at = 0; at < k;) {
			const struct dirent64 *d = (const void *)(buf + at);

			printf("%s%s", first ? "" : " ", d->d_name);
			first = 0;
			at += d->d_reclen;
		}
	}
	printf("]");
}

static void do_mmap(const char *how)
{
	int shared = !strcmp(how, "shared");
	char *m = mmap(NULL, 4096, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);

	if (m == MAP_FAILED) {
		fail(shared ? "mmap:shared" : "mmap:private");
		return;
	}
	/* The first bytes, up to a NUL: a fault would kill us (SIGBUS),
	 * which the line then lacks. */
	fflush(stdout);
	printf(" mmap:%s=OK\"", shared ? "shared" : "private");
	probe_escape(stdout, m, strnlen(m, 64));
	printf("\"");
	munmap(m, 4096);
}

static void do_poll(void)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI };
	int r = poll(&p, 1, 0);

	if (r < 0) {
		fail("poll");
		return;
	}
	printf(" poll=%d%s%s%s%s%s", r, p.revents & POLLIN ? ",IN" : "",
	       p.revents & POLLPRI ? ",PRI" : "", p.revents & POLLERR ? ",ERR" : "",
	       p.revents & POLLHUP ? ",HUP" : "", p.revents & POLLNVAL ? ",NVAL" : "");
}

static void xattr_step(const char *s)
{
	char buf[4096];

	if (!strncmp(s, "setxattr:", 9)) {
		char *name = strdup(s + 9), *val;

		if (!name)
			abort();
		val = strchr(name, ':');
		if (val)
			*val++ = 0;
		ok("setxattr", setxattr(path, name, val ? val : "", val ? strlen(val) : 0, 0));
		free(name);
	} else if (!strncmp(s, "getxattr:", 9)) {
		shown("getxattr", buf, getxattr(path, s + 9, buf, sizeof(buf)));
	} else if (!strcmp(s, "listxattr")) {
		shown("listxattr", buf, listxattr(path, buf, sizeof(buf)));
	} else {
		ok("removexattr", removexattr(path, s + 12));
	}
}

static int path_step(const char *s)
{
	struct stat st;
	const char *a = strchr(s, ':');

	a = a ? a + 1 : "";
	if (!strcmp(s, "stat") || !strcmp(s, "lstat")) {
		if ((s[0] == 's' ? stat(path, &st) : lstat(path, &st)) < 0)
			fail(s);
		else
			print_stat(s, &st);
	} else if (!strcmp(s, "statfs")) {
		struct statfs f;

		if (statfs(path, &f) < 0)
			fail(s);
		else
			printf(" statfs=OK f_type=0x%lx f_bsize=%ld f_namelen=%ld",
			       (unsigned long)f.f_type, (long)f.f_bsize, (long)f.f_namelen);
	} else if (!strcmp(s, "readlink")) {
		char t[4096];
		ssize_t k = readlink(path, t, sizeof(t));

		shown(s, t, k);
	} else if (!strncmp(s, "access:", 7)) {
		int m = F_OK;

		m |= strchr(a, 'r') ? R_OK : 0;
		m |= strchr(a, 'w') ? W_OK : 0;
		m |= strchr(a, 'x') ? X_OK : 0;
		ok(s, access(path, m));
	} else if (!strcmp(s, "mkdir")) {
		ok(s, mkdir(path, 0755));
	} else if (!strcmp(s, "rmdir")) {
		ok(s, rmdir(path));
	} else if (!strcmp(s, "unlink")) {
		ok(s, unlink(path));
	} else if (!strncmp(s, "rename:", 7)) {
		ok("rename", rename(path, a));
	} else if (!strncmp(s, "renamex:", 8)) {
		ok("renamex", renameat2(AT_FDCWD, path, AT_FDCWD, a, RENAME_NOREPLACE));
	} else if (!strncmp(s, "link:", 5)) {
		ok("link", link(path, a));
	} else if (!strncmp(s, "symlink:", 8)) {
		ok("symlink", symlink(a, path));
	} else if (!strncmp(s, "mknod:", 6)) {
		mode_t m = !strcmp(a, "fifo") ? S_IFIFO : !strcmp(a, "chr") ? S_IFCHR : S_IFREG;

		ok(s, mknod(path, m | 0644, m == S_IFCHR ? makedev(1, 3) : 0));
	} else if (!strncmp(s, "chmod:", 6)) {
		ok(s, chmod(path, (mode_t)strtoul(a, NULL, 8)));
	} else if (!strncmp(s, "chown:", 6) || !strncmp(s, "lchown:", 7)) {
		const char *g = strchr(a, ':');
		uid_t u = (uid_t)strtoul(a, NULL, 10);
		gid_t gr = g ? (gid_t)strtoul(g + 1, NULL, 10) : (gid_t)-1;

		ok(s, s[0] == 'c' ? chown(path, u, gr) : lchown(path, u, gr));
	} else if (!strcmp(s, "utimes")) {
		struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

		ok(s, utimes(path, tv));
	} else if (!strcmp(s, "utimens")) {
		ok(s, utimensat(AT_FDCWD, path, NULL, 0));
	} else if (!strncmp(s, "truncate:", 9)) {
		ok(s, truncate(path, strtoll(a, NULL, 0)));
	} else if (strstr(s, "xattr")) {
		xattr_step(s);
	} else {
		return 0;
	}
	return 1;
}

static void seek_step(const char *s, int whence)
{
	off_t r = lseek(fd, strtoll(strchr(s, ':') + 1, NULL, 0), whence);

	if (r < 0)
		fail(s);
	else
		printf(" %s=%lld", s, (long long)r);
}

static int fd_step(const char *s)
{
	char buf[8192];
	const char *a = strchr(s, ':');

	a = a ? a + 1 : "";
	if (!strncmp(s, "read:", 5)) {
		size_t n = strtoul(a, NULL, 0);

		shown("read", buf, read(fd, buf, n < sizeof(buf) ? n : sizeof(buf)));
	} else if (!strncmp(s, "pread:", 6)) {
		size_t n = strtoul(a, NULL, 0);
		const char *o = strchr(a, ':');

		shown("pread", buf, pread(fd, buf, n < sizeof(buf) ? n : sizeof(buf),
					  o ? strtoll(o + 1, NULL, 0) : 0));
	} else if (!strcmp(s, "bytes")) {
		size_t n = 0;
		ssize_t k = 0;

		while (n < 300 && (k = read(fd, buf + n, 1)) == 1)
			n++;
		printf(" bytes=%zu\"", n);
		probe_escape(stdout, buf, n);
		printf("\"%s", k == 0 ? "+EOF" : "");
		if (k < 0)
			printf("+%s", probe_ename(errno));
	} else if (!strncmp(s, "seek:", 5)) {
		seek_step(s, SEEK_SET);
	} else if (!strncmp(s, "seekcur:", 8)) {
		seek_step(s, SEEK_CUR);
	} else if (!strncmp(s, "seekend:", 8)) {
		seek_step(s, SEEK_END);
	} else if (!strncmp(s, "write:", 6)) {
		size_t l;
		char *d = probe_unescape(a, &l);
		ssize_t k = write(fd, d, l);

		if (k < 0)
			fail("write");
		else
			printf(" write=%zd", k);
		free(d);
	} else if (!strcmp(s, "dents")) {
		dents();
	} else if (!strcmp(s, "fstat")) {
		struct stat st;

		if (fstat(fd, &st) < 0)
			fail(s);
		else
			print_stat(s, &st);
	} else if (!strcmp(s, "fsync")) {
		ok(s, fsync(fd));
	} else if (!strcmp(s, "fdatasync")) {
		ok(s, fdatasync(fd));
	} else if (!strcmp(s, "flock")) {
		ok(s, flock(fd, LOCK_EX | LOCK_NB));
	} else if (!strcmp(s, "setlk")) {
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

		ok(s, fcntl(fd, F_SETLK, &fl));
	} else if (!strcmp(s, "fallocate")) {
		ok(s, fallocate(fd, 0, 0, 4096));
	} else if (!strncmp(s, "ftruncate:", 10)) {
		ok(s, ftruncate(fd, strtoll(a, NULL, 0)));
	} else if (!strcmp(s, "fionread")) {
		int n = -1;

		if (ioctl(fd, FIONREAD, &n) < 0)
			fail(s);
		else
			printf(" fionread=OK n=%d", n);
	} else if (!strncmp(s, "mmap:", 5)) {
		do_mmap(a);
	} else if (!strcmp(s, "poll")) {
		do_poll();
	} else if (!strcmp(s, "close")) {
		ok(s, close(fd));
		fd = -1;
	} else {
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kop PATH STEP...\n");
		return 2;
	}
	probe_drop();
	path = argv[1];
	printf("op %s:", path);
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];

		if (!strncmp(s, "open:", 5)) {
			if (fd >= 0)
				close(fd);
			fd = open(path, open_flags(s + 5), 0644);
			if (fd < 0)
				fail(s);
			else
				printf(" %s=OK", s);
		} else if (!strncmp(s, "run:", 4)) {
			printf("\n");
			probe_run(s + 4);
			printf("  then:");
		} else if (path_step(s)) {
			continue;
		} else if (!fd_step(s)) {
			fprintf(stderr, "kop: unknown step %s\n", s);
			return 2;
		}
	}
	printf("\n");
	if (fd >= 0)
		close(fd);
	return 0;
}
