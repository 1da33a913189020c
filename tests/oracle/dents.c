// SPDX-License-Identifier: MIT
/*
 * dents DIR [BUFSIZE [COMMAND]]: lists DIR with getdents64(2), one line per
 * entry in getdents order: "d_off d_type name".  BUFSIZE (default 32768)
 * is the buffer of each call; with COMMAND, `sh -c COMMAND` runs after the
 * first call and the same pass goes on, so what a change in the middle of
 * a pass does is seen.  Used on the oracle kernel and on mdevfs alike
 * (tests/oracle/record.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[1 << 16] __attribute__((aligned(8)));

int main(int argc, char **argv)
{
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 32768;
	int calls = 0;
	int fd;

	if (argc < 2 || size > sizeof(buf)) {
		fprintf(stderr, "usage: dents DIR [BUFSIZE (<= %zu) [COMMAND]]\n",
			sizeof(buf));
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		ssize_t n = getdents64(fd, buf, size);

		if (n < 0) {
			perror("getdents64");
			return 1;
		}
		if (n == 0)
			break;
		for (ssize_t at = 0; at < n;) {
			const struct dirent64 *d = (const void *)(buf + at);

			printf("%lld %u %s\n", (long long)d->d_off, d->d_type, d->d_name);
			at += d->d_reclen;
		}
		if (++calls == 1 && argc > 3) {
			fflush(stdout);
			if (system(argv[3]) != 0)
				fprintf(stderr, "%s: failed\n", argv[3]);
		}
	}
	close(fd);
	return 0;
}
