// SPDX-License-Identifier: MIT
/*
 * A sysfs attribute read and written with plain open/read/write: the
 * kernel's errno is the answer a caller passes on, so nothing in between
 * may translate it (GLib's file helpers fold errnos into GFileError).
 * And the one loop that writes a whole buffer, to a file or a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "attr_io.h"
#include "macro.h"

int attr_read(const char *path, char **text)
{
	char buf[PAGE_SIZE + 1];
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return errno > 0 ? -errno : -EIO;
	while (len < PAGE_SIZE) {
		ssize_t n = read(fd, buf + len, PAGE_SIZE - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = errno > 0 ? -errno : -EIO;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (ret)
		return ret;
	if (len && buf[len - 1] == '\n')
		len--;
	*text = g_strndup(buf, len);
	return 0;
}

int attr_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* A socket gets send() with MSG_NOSIGNAL, so that a peer gone away is
 * an EPIPE for the caller and not a SIGPIPE that ends the process; what
 * is no socket (ENOTSOCK) gets write(). */
int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	bool sock = true;

	while (len) {
		ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);

		if (n < 0 && errno == ENOTSOCK && sock) {
			sock = false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int attr_parse_count(const char *text, unsigned long *value)
{
	guint64 n;

	if (!g_ascii_string_to_unsigned(text, 10, 0, UINT_MAX, &n, NULL))
		return -EINVAL;
	*value = (unsigned long)n;
	return 0;
}
