// SPDX-License-Identifier: MIT
/*
 * fdops: file operations on descriptors kept across steps, read one step a
 * line from standard input, each printed back with what the kernel
 * answered ("STEP -> RESULT"): an fd opened before a change is used after
 * it, so what a directory or attribute fd does across a create, a remove
 * or a parent's unregistration is seen.  Used on the oracle kernel and on
 * mdevfs alike (tests/oracle/record.sh, fileops-scenario.sh); paths are
 * relative, so the two outputs compare line for line.
 *
 * Steps (FD is a one-letter name, VALUE takes \n \\ \xHH, "-" is empty):
 *   open FD PATH MODE   r, w or b (read-write), then d O_DIRECTORY,
 *                       D O_DIRECT, t O_TRUNC, a O_APPEND
 *   close FD | fsync FD | fdatasync FD | fstat FD | poll FD | flock FD
 *   fallocate FD | fionread FD
 *   read FD N | pread FD N OFF | write FD VALUE | lseek FD OFF [end]
 *   copy FD N           copy_file_range(2) of N bytes into a memfd
 *   dents FD            one getdents64 call: the names, or "end"
 *   setfl FD MODE       fcntl(F_SETFL) with MODE's D/a flags
 *   stat PATH           lstat: type and mode, size, nlink
 *   statfs PATH         f_type
 *   setx PATH NAME VALUE [create|replace] | setxn PATH NAME LEN
 *   getx PATH NAME [SIZE] | listx PATH [SIZE] | rmx PATH NAME
 *                       the l*xattr calls (no link is followed)
 *   fgetx FD NAME | fsetx FD NAME VALUE | flistx FD
 *   many PATH PREFIX N  sets N xattrs PREFIX0..; says where it stopped
 *   as UID              effective uid and gid (0: back to root)
 *   sh COMMAND...       its exit status only
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XBUF 65536
static int fds['z' + 1];
static char buf[1 << 17] __attribute__((aligned(4096)));
static char val[XBUF + 2];

static void escape(const char *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (isprint(c))
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('"');
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	if (!strcmp(in, "-"))
		return 0;
	for (; *in; in++) {
		if (in[0] == '\\' && in[1] == 'n') {
			out[n++] = '\n';
			in++;
		} else if (in[0] == '\\' && in[1] == 'x' && isxdigit(in[2]) &&
			   isxdigit(in[3])) {
			char hex[3] = { in[2], in[3], 0 };

			out[n++] = (char)strtoul(hex, NULL, 16);
			in += 3;
		} else {
			if (in[0] == '\\' && in[1])
				in++; /* any other escaped byte is itself */
			out[n++] = *in;
		}
	}
	return n;
}

static int flags_of(const char *mode)
{
	int f = mode[0] == 'w' ? O_WRONLY : mode[0] == 'b' ? O_RDWR : O_RDONLY;

	f |= strchr(mode, 'd') ? O_DIRECTORY : 0;
	f |= strchr(mode, 'D') ? O_DIRECT : 0;
	f |= strchr(mode, 't') ? O_TRUNC : 0;
	f |= strchr(mode, 'a') ? O_APPEND : 0;
	return f;
}

/* The result of a call returning -1 and errno, else ok(). */
static void result(long r, void (*ok)(long))
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else if (ok)
		ok(r);
	else
		printf("OK\n");
}

static void print_count(long r) { printf("%ld\n", r); }
static void print_data(long r) { printf("%ld ", r); escape(buf, (size_t)r); putchar('\n'); }
static void print_value(long r) { r <= 256 ? print_data(r) : print_count(r); }

/* A list of names: each, or for a long one the count, first and last. */
static void print_names(long r)
{
	size_t n = 0, last = 0;

	for (long i = 0; i < r; i += (long)strlen(buf + i) + 1, n++)
		last = (size_t)i;
	if (r <= 256) {
		print_data(r);
		return;
	}
	printf("%ld (%zu names, first %.20s, last %.20s)\n", r, n, buf, buf + last);
}

static void dents(int fd)
{
	long n = syscall(SYS_getdents64, fd, buf, 32768);

	if (n <= 0) {
		n < 0 ? printf("%s\n", strerrorname_np(errno)) : printf("end\n");
		return;
	}
	for (long at = 0; at < n;) {
		const struct dirent64 *d = (const void *)(buf + at);

		printf("%s%s", at ? " " : "", d->d_name);
		at += d->d_reclen;
	}
	putchar('\n');
}

static void print_stat(const struct stat *st)
{
	printf("%s %04o size=%lld nlink=%lu\n",
	       S_ISDIR(st->st_mode) ? "dir" : S_ISLNK(st->st_mode) ? "link" : "file",
	       (unsigned)st->st_mode & 07777, (long long)st->st_size,
	       (unsigned long)st->st_nlink);
}

static void do_poll(int fd)
{
	static const struct { short bit; const char *name; } bits[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" },
	};
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI | POLLOUT };
	int r = poll(&p, 1, 0);

	if (r < 0) {
		printf("%s\n", strerrorname_np(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (p.revents & bits[i].bit)
			printf("%s ", bits[i].name);
	printf("(%d)\n", r);
}

/* Sets xattrs PREFIX0, PREFIX1, ... of 16 bytes each until @n or a
 * failure, and says which. */
static void many(const char *path, const char *prefix, int n)
{
	char name[256];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		if (lsetxattr(path, name, "0123456789abcdef", 16, 0)) {
			printf("%d set, then %s\n", i, strerrorname_np(errno));
			return;
		}
	}
	printf("%d set\n", i);
}

static void set_user(uid_t uid)
{
	if (uid == 0)
		result(seteuid(0) || setegid(0) ? -1 : 0, NULL);
	else
		result(setegid(uid) || seteuid(uid) ? -1 : 0, NULL);
}

/* One step: @a its words, @n how many. */
static void step(char **a, int n)
{
	const char *op = a[0];
	int *fd = n > 1 && islower(a[1][0]) && !a[1][1] ? &fds[(int)a[1][0]] : NULL;
	long x = n > 2 ? strtol(a[2], NULL, 0) : 0;
	struct stat st;
	struct statfs sf;
	size_t len;

	if (!strcmp(op, "open") && fd && n == 4) {
		*fd = open(a[2], flags_of(a[3]));
		result(*fd, NULL);
	} else if (!strcmp(op, "close") && fd) {
		result(close(*fd), NULL);
	} else if (!strcmp(op, "fsync") && fd) {
		result(fsync(*fd), NULL);
	} else if (!strcmp(op, "fdatasync") && fd) {
		result(fdatasync(*fd), NULL);
	} else if (!strcmp(op, "flock") && fd) {
		result(flock(*fd, LOCK_EX | LOCK_NB) || flock(*fd, LOCK_UN), NULL);
	} else if (!strcmp(op, "fstat") && fd) {
		if (fstat(*fd, &st) == 0)
			print_stat(&st);
		else
			result(-1, NULL);
	} else if (!strcmp(op, "poll") && fd) {
		do_poll(*fd);
	} else if (!strcmp(op, "read") && fd && n == 3) {
		result(read(*fd, buf, (size_t)x), print_data);
	} else if (!strcmp(op, "pread") && fd && n == 4) {
		result(pread(*fd, buf, (size_t)x, strtol(a[3], NULL, 0)), print_data);
	} else if (!strcmp(op, "write") && fd && n == 3) {
		len = unescape(a[2], val);
		result(write(*fd, val, len), print_count);
	} else if (!strcmp(op, "lseek") && fd && (n == 3 || n == 4)) {
		result(lseek(*fd, x, n == 4 ? SEEK_END : SEEK_SET), print_count);
	} else if (!strcmp(op, "fallocate") && fd) {
		result(fallocate(*fd, 0, 0, 1), NULL);
	} else if (!strcmp(op, "fionread") && fd) {
		int avail = 0;

		result(ioctl(*fd, FIONREAD, &avail) ? -1 : avail, print_count);
	} else if (!strcmp(op, "copy") && fd && n == 3) {
		int to = memfd_create("copy", 0);

		result(copy_file_range(*fd, NULL, to, NULL, (size_t)x, 0), print_count);
		close(to);

	} else if (!strcmp(op, "dents") && fd) {
		dents(*fd);
	} else if (!strcmp(op, "setfl") && fd && n == 3) {
		result(fcntl(*fd, F_SETFL, flags_of(a[2]) & (O_DIRECT | O_APPEND)), NULL);
	} else if (!strcmp(op, "stat") && n == 2) {
		if (lstat(a[1], &st) == 0)
			print_stat(&st);
		else
			result(-1, NULL);
	} else if (!strcmp(op, "statfs") && n == 2) {
		if (statfs(a[1], &sf) == 0)
			printf("0x%lx\n", (unsigned long)sf.f_type);
		else
			result(-1, NULL);
	} else if (!strcmp(op, "setx") && (n == 4 || n == 5)) {
		int how = n < 5 ? 0 : !strcmp(a[4], "create") ? XATTR_CREATE : XATTR_REPLACE;

		len = unescape(a[3], val);
		result(lsetxattr(a[1], a[2], val, len, how), NULL);
	} else if (!strcmp(op, "setxn") && n == 4) {
		len = (size_t)strtoul(a[3], NULL, 0);
		memset(buf, 'x', len < sizeof(buf) ? len : sizeof(buf));
		result(lsetxattr(a[1], a[2], buf, len, 0), NULL);
	} else if (!strcmp(op, "getx") && (n == 3 || n == 4)) {
		len = n == 4 ? (size_t)strtoul(a[3], NULL, 0) : XBUF;
		result(lgetxattr(a[1], a[2], len ? buf : NULL, len),
		       len ? print_value : print_count);
	} else if (!strcmp(op, "listx") && (n == 2 || n == 3)) {
		len = n == 3 ? (size_t)strtoul(a[2], NULL, 0) : XBUF;
		result(llistxattr(a[1], len ? buf : NULL, len),
		       len ? print_names : print_count);
	} else if (!strcmp(op, "rmx") && n == 3) {
		result(lremovexattr(a[1], a[2]), NULL);
	} else if (!strcmp(op, "fgetx") && fd && n == 3) {
		result(fgetxattr(*fd, a[2], buf, 256), print_data);
	} else if (!strcmp(op, "fsetx") && fd && n == 4) {
		len = unescape(a[3], val);
		result(fsetxattr(*fd, a[2], val, len, 0), NULL);
	} else if (!strcmp(op, "flistx") && fd) {
		result(flistxattr(*fd, buf, XBUF), print_names);
	} else if (!strcmp(op, "many") && n == 4) {
		many(a[1], a[2], (int)strtol(a[3], NULL, 0));
	} else if (!strcmp(op, "as") && n == 2) {
		set_user((uid_t)strtoul(a[1], NULL, 0));
	} else {
		printf("bad step\n");
	}
}

int main(void)
{
	static char line[4096];

	while (fgets(line, sizeof(line), stdin)) {
		char *a[8] = { 0 }, *save = NULL, *w;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		printf("%s -> ", line);
		fflush(stdout);
		if (!strncmp(line, "sh ", 3)) {
			int st = system(line + 3);

			printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
			continue;
		}
		for (w = strtok_r(line, " ", &save); w && n < 8; w = strtok_r(NULL, " ", &save))
			a[n++] = w;
		if (n)
			step(a, n);
		else
			printf("bad step\n");
		fflush(stdout);
	}
	return 0;
}
