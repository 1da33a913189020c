/* SPDX-License-Identifier: MIT */
/* Reading and writing a sysfs attribute the way its clients do, for what
 * looks at a real sysfs tree (the passthrough backend, mdevfs record),
 * and writing a whole buffer to a file or socket. */
#ifndef MDEVFS_ATTR_IO_H
#define MDEVFS_ATTR_IO_H

#include <stddef.h>

/* The attribute's text (at most a page), one trailing newline dropped:
 * 0, or the -errno of open() or read(), unchanged (-EISDIR, -EACCES). */
int attr_read(const char *path, char **text);
/* One write() of @text, as sysfs clients do: 0 or its -errno, unchanged
 * (the kernel's answer to a create or remove). */
int attr_write(const char *path, const char *text);
/* What available_instances shows: a decimal that fits an unsigned int.
 * 0 or -EINVAL. */
int attr_parse_count(const char *text, unsigned long *value);
/* All @len bytes, retrying short writes and EINTR: 0 or -errno.  A
 * socket's peer gone away is -EPIPE, not SIGPIPE. */
int write_all(int fd, const void *buf, size_t len);

#endif /* MDEVFS_ATTR_IO_H */
