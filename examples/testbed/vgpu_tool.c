// SPDX-License-Identifier: MIT
/* The imaginary vendor tool: what a test of it tests. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vgpu_tool.h"

int vgpu_create(const char *sysfs_root, const char *parent, const char *type,
		const char *uuid)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "%s/class/mdev_bus/%s/mdev_supported_types/%s/create",
		 sysfs_root, parent, type);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, uuid, strlen(uuid));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}
