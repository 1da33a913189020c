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
	unsigned int uevent_routes; /* UEVENT_ROUTES_DEFAULT: decided at start */
	bool keep_mdevctl_d;    /* run: the host's /etc/mdevctl.d */
	struct fs_options fs;
};

/* One clear line and a non-zero return when the mountpoint or /dev/fuse
 * will not do. */
int daemon_check_mountpoint(const char *mountpoint);
int daemon_check_fuse_device(void);
/* Serves @parents on the mountpoint until unmounted or signalled. */
int daemon_run(const struct daemon_options *o, GPtrArray *parents);

/* The steps daemon_run() and `mdevfs run` share. */
struct daemon {
	const struct daemon_options *o;
	GPtrArray *parents;       /* owned: freed by daemon_finish() */
	struct fuse_session *se;
};
/* Adds and registers the parents (uevents wait) and makes the session. */
int daemon_prepare(struct daemon *d);
/* Runs the FUSE loop and its threads until the session ends: 0 or -1. */
int daemon_serve(struct daemon *d);
/* While still mounted: every parent unregisters, queued uevents go out. */
void daemon_stop(struct daemon *d);
/* Frees everything; the session must be unmounted. */
void daemon_finish(struct daemon *d);

#endif /* MDEVFS_DAEMON_H */
