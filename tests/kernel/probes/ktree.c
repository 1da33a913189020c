// SPDX-License-Identifier: MIT
/*
 * ktree ROOT PATH...: the tree under each ROOT/PATH, symlinks not followed,
 * one line per entry, a directory's children sorted by name (strcmp),
 * depth first:
 *
 *   PATH TYPE MODE UID:GID nlink=N size=N [-> TARGET] [= "CONTENT" | ! ERR]
 *
 * TYPE is d, f, l, c, b, p or s.  A regular file is opened O_RDONLY and
 * read to the end: its content C-escaped, or the errno of the open or the
 * read (a 0200 attribute answers open=EACCES, even to root).  A PATH that
 * does not exist prints "PATH ! lstat=ENOENT".
 */
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>


static int rootfd;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void entry(const char *rel);

static void list_dir(const char *rel)
{
	int fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	size_t n = 0, cap = 16;
	char **names;
	struct dirent *de;
	DIR *d;

	if (fd < 0) {
		printf("%s/ ! opendir=%s\n", rel, probe_ename(errno));
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		printf("%s/ ! fdopendir=%s\n", rel, probe_ename(errno));
		close(fd);
		return;
	}
	names = malloc(cap * sizeof(*names));
	if (!names)
		abort();
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap *= 2) * sizeof(*names));

			if (!more)
				abort();
			names = more;
		}
		names[n++] = strdup(de->d_name);
	}
	if (errno)
		printf("%s/ ! readdir=%s\n", rel, probe_ename(errno));
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char *p;

		if (asprintf(&p, "%s/%s", rel, names[i]) < 0)
			abort();
		entry(p);
		free(p);
		free(names[i]);
	}
	free(names);
}

static void content(const char *rel)
{
	size_t len = 0, cap = 1 << 16;
	unsigned char *buf = malloc(cap);
	int fd = openat(rootfd, rel, O_RDONLY | O_NOFOLLOW);
	int err = 0;

	if (!buf)
		abort();
	if (fd < 0) {
		printf(" ! open=%s\n", probe_ename(errno));
		free(buf);
		return;
	}
	for (;;) {
		ssize_t k;

		if (cap - len < 4096) {
			unsigned char *more = realloc(buf, cap *= 2);

			if (!more)
				abort();
			buf = more;
		}
		k = read(fd, buf + len, cap - len);
		if (k < 0)
			err = errno;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (len || !err) {
		printf(" = \"");
		probe_escape(stdout, buf, len);
		printf("\"");
	}
	if (err)
		printf(" ! read=%s", probe_ename(err));
	printf("\n");
	free(buf);
}

static void entry(const char *rel)
{
	struct stat st;
	char t;

	if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		printf("%s ! lstat=%s\n", rel, probe_ename(errno));
		return;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: t = 'd'; break;
	case S_IFREG: t = 'f'; break;
	case S_IFLNK: t = 'l'; break;
	case S_IFCHR: t = 'c'; break;
	case S_IFBLK: t = 'b'; break;
	case S_IFIFO: t = 'p'; break;
	case S_IFSOCK: t = 's'; break;
	default: t = '?'; break;
	}
	printf("%s %c %04o %u:%u nlink=%lu size=%lld", rel, t,
	       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
	       (unsigned)st.st_gid, (unsigned long)st.st_nlink,
	       (long long)st.st_size);
	if (t == 'c' || t == 'b')
		printf(" rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (t == 'l') {
		char target[4096];
		ssize_t k = readlinkat(rootfd, rel, target, sizeof(target) - 1);

		if (k < 0) {
			printf(" -> ! readlink=%s", probe_ename(errno));
		} else {
			target[k] = 0;
			printf(" -> %s", target);
		}
	}
	if (t == 'f') {
		content(rel);
		return;
	}
	printf("\n");
	if (t == 'd')
		list_dir(rel);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ktree ROOT PATH...\n");
		return 2;
	}
	probe_drop();
	rootfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (rootfd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		const char *p = argv[i];
		char *q;
		size_t l;

		while (*p == '/')
			p++;
		q = strdup(p);
		if (!q)
			abort();
		l = strlen(q);
		while (l > 1 && q[l - 1] == '/')
			q[--l] = 0;
		entry(q);
		free(q);
	}
	return 0;
}
