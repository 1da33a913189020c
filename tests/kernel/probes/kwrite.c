// SPDX-License-Identifier: MIT
/*
 * kwrite PATH DATA [MODE]: writes DATA (with C escapes: \n \t \r \\ \0
 * \xHH) to PATH and prints one line,
 *
 *   write PATH "DATA" [MODE]: open=OK|ERR write=N|ERR close=OK|ERR
 *
 * MODE:
 *   (none)       open(O_WRONLY), write(DATA), close
 *   rdwr         open(O_RDWR)
 *   append       open(O_WRONLY|O_APPEND)
 *   trunc        open(O_WRONLY|O_TRUNC)
 *   creat        open(O_WRONLY|O_CREAT|O_TRUNC, 0644), as a shell's >
 *   excl         open(O_WRONLY|O_CREAT|O_EXCL, 0644)
 *   empty        write(fd, DATA, 0)
 *   split:N      two writes on the fd: the first N bytes, then the rest
 *   twice:DATA2  two writes on the fd: DATA, then DATA2
 *   pwrite:OFF   pwrite(DATA, OFF)
 *   writev:N     one writev() of two iovecs: the first N bytes, the rest
 *   long:N:C     one write of N bytes: DATA, then the byte C (nl: \n)
 *   after:CMD    open, run `sh -c CMD`, then write and close (the fd kept
 *                across what CMD did)
 *   race:N[:E,E] N processes open PATH, then all write at once; prints
 *                "COUNTx RESULT" for each distinct result, sorted; a
 *                write failing with one of the errnos E (names) counts as
 *                one that wrote DATA ("write=N|E"), for races whose loser
 *                may be told either
 * AS_UID=N runs it as that user.
 */
#include "probe.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>


static char *data;
static size_t dlen;

static void result(const char *what, ssize_t r, int err, int isfd)
{
	printf(" %s=", what);
	if (r < 0)
		printf("%s", probe_ename(err));
	else if (isfd)
		printf("OK");
	else
		printf("%zd", r);
}

static void do_write(int fd, const void *p, size_t n)
{
	ssize_t r = write(fd, p, n);

	result("write", r, errno, 0);
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int folded(const char *fold, int err)
{
	const char *name = probe_ename(err);
	size_t l = strlen(name);

	for (const char *p = fold; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, name, l) == 0 && (p[l] == ',' || p[l] == 0))
			return 1;
	}
	return 0;
}

static int race(const char *path, int n, const char *fold)
{
	int ready[2], go[2], res[2];
	char all[16384], *lines[256], *save = NULL;
	size_t len = 0;
	ssize_t k;
	int nl = 0;

	if (n < 1 || n > 256 || pipe(ready) || pipe(go) || pipe(res))
		return 2;
	for (int i = 0; i < n; i++) {
		if (fork() == 0) {
			char line[128], c;
			int fd = open(path, O_WRONLY);
			int oe = errno;
			ssize_t r = 0;
			int we = 0;

			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			if (fd >= 0) {
				r = write(fd, data, dlen);
				we = errno;
				close(fd);
			}
			if (fd < 0)
				snprintf(line, sizeof(line), "open=%s\n", probe_ename(oe));
			else if (r >= 0)
				snprintf(line, sizeof(line), "write=%zd%s%s\n", r,
					 fold ? "|" : "", fold ? fold : "");
			else if (folded(fold, we))
				snprintf(line, sizeof(line), "write=%zu|%s\n", dlen, fold);
			else
				snprintf(line, sizeof(line), "write=%s\n", probe_ename(we));
			if (write(res[1], line, strlen(line)) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(ready[1]);
	close(res[1]);
	for (int i = 0; i < n; i++) {
		char c;

		if (read(ready[0], &c, 1) != 1)
			return 1;
	}
	for (int i = 0; i < n; i++)
		if (write(go[1], "g", 1) != 1)
			return 1;
	while (wait(NULL) > 0)
		;
	while (len < sizeof(all) - 1 && (k = read(res[0], all + len, sizeof(all) - 1 - len)) > 0)
		len += (size_t)k;
	all[len] = 0;
	for (char *s = strtok_r(all, "\n", &save); s && nl < 256; s = strtok_r(NULL, "\n", &save))
		lines[nl++] = s;
	qsort(lines, (size_t)nl, sizeof(*lines), by_line);
	printf(":");
	for (int i = 0; i < nl;) {
		int j = i;

		while (j < nl && !strcmp(lines[j], lines[i]))
			j++;
		printf("%s %dx %s", i ? "," : "", j - i, lines[i]);
		i = j;
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *path, *mode;
	int flags = O_WRONLY, fd;

	if (argc < 3) {
		fprintf(stderr, "usage: kwrite PATH DATA [MODE]\n");
		return 2;
	}
	probe_drop();
	path = argv[1];
	mode = argc > 3 ? argv[3] : "";
	data = probe_unescape(argv[2], &dlen);
	printf("write %s \"", path);
	probe_escape(stdout, data, dlen);
	/* after:CMD as "after": CMD names the directories the probes and
	 * scenarios are in, which differ between the VM and mdevfs. */
	printf("\"%s%.*s", *mode ? " " : "", (int)(strncmp(mode, "after:", 6) ? strlen(mode) : 5), mode);

	if (!strncmp(mode, "race:", 5)) {
		const char *fold = strchr(mode + 5, ':');

		return race(path, atoi(mode + 5), fold ? fold + 1 : NULL);
	}
	printf(":");
	if (!strcmp(mode, "rdwr"))
		flags = O_RDWR;
	else if (!strcmp(mode, "append"))
		flags = O_WRONLY | O_APPEND;
	else if (!strcmp(mode, "trunc"))
		flags = O_WRONLY | O_TRUNC;
	else if (!strcmp(mode, "creat"))
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	else if (!strcmp(mode, "excl"))
		flags = O_WRONLY | O_CREAT | O_EXCL;
	fd = open(path, flags, 0644);
	result("open", fd, errno, 1);
	if (fd < 0) {
		printf("\n");
		return 0;
	}
	if (!strncmp(mode, "after:", 6)) {
		printf("\n");
		probe_run(mode + 6);
		printf("  then:");
		do_write(fd, data, dlen);
	} else if (!strncmp(mode, "split:", 6) || !strncmp(mode, "writev:", 7)) {
		size_t k = strtoul(strchr(mode, ':') + 1, NULL, 0);

		if (k > dlen)
			k = dlen;
		if (mode[0] == 's') {
			do_write(fd, data, k);
			do_write(fd, data + k, dlen - k);
		} else {
			struct iovec iov[2] = { { data, k }, { data + k, dlen - k } };

			result("writev", writev(fd, iov, 2), errno, 0);
		}
	} else if (!strncmp(mode, "twice:", 6)) {
		size_t l2;
		char *d2 = probe_unescape(mode + 6, &l2);

		do_write(fd, data, dlen);
		do_write(fd, d2, l2);
		free(d2);
	} else if (!strncmp(mode, "pwrite:", 7)) {
		off_t off = strtoll(mode + 7, NULL, 0);

		result("pwrite", pwrite(fd, data, dlen, off), errno, 0);
	} else if (!strncmp(mode, "long:", 5)) {
		char *end;
		size_t n = strtoul(mode + 5, &end, 0);
		char fill = '\n';
		char *buf;

		if (*end == ':' && strcmp(end + 1, "nl") != 0)
			fill = end[1];
		buf = malloc((n > dlen ? n : dlen) + 1);
		if (!buf)
			abort();
		memset(buf, fill, n);
		memcpy(buf, data, dlen < n ? dlen : n);
		do_write(fd, buf, n);
		free(buf);
	} else if (!strcmp(mode, "empty")) {
		do_write(fd, data, 0);
	} else {
		do_write(fd, data, dlen);
	}
	result("close", close(fd), errno, 1);
	printf("\n");
	free(data);
	return 0;
}
