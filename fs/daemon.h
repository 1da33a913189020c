/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_DAEMON_H
#define MDEVFS_DAEMON_H

#include <glib.h>

#include "fs.h"

struct daemon_options {
	const char *mountpoint;
	const char *config;     /* NULL: the built-in samples */
	bool foreground;
	bool debug;
	GPtrArray *fuse_opts;   /* -o options for libfuse */
	unsigned int uevent_routes;
	struct fs_options fs;
};

/* One clear line and a non-zero return when the mountpoint or /dev/fuse
 * will not do. */
int daemon_check_mountpoint(const char *mountpoint);
int daemon_check_fuse_device(void);
/* Serves @parents on the mountpoint until unmounted or signalled. */
int daemon_run(const struct daemon_options *o, GPtrArray *parents);

#endif /* MDEVFS_DAEMON_H */
