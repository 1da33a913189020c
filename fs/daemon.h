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
	const char *state_dir;  /* NULL: the default for the mountpoint */
	bool no_state_dir;      /* no state directory: nothing survives a crash */
	struct fs_options fs;
};

/* One clear line and a non-zero return when the mountpoint or /dev/fuse
 * will not do. */
int daemon_check_mountpoint(const char *mountpoint);
int daemon_check_fuse_device(void);
/* Where mdevfs is mounted (the topmost mount), sorted; a NULL-terminated
 * array for g_strfreev(). */
char **mdevfs_mountpoints(void);
/* The FUSE connection of the mdevfs mounted (topmost) on the absolute
 * @path, as fusectl names it, or -1 if none is. */
long mdevfs_mount_connection(const char *path);
/* restart.c: a dead mdevfs mount unmounted, with one line saying so (0),
 * or why not; the state directory of o->mountpoint opened (0, or -1
 * after saying why). */
int daemon_replace_dead_mount(const char *mountpoint);
/* Whether @mountpoint's mdevfs was killed but keeps a stuck thread (its
 * mount would not answer: it must not be looked at). */
bool daemon_mount_killed(const char *mountpoint);
int daemon_open_state(const struct daemon_options *o);
/* Serves @parents on the mountpoint until unmounted or signalled. */
int daemon_run(const struct daemon_options *o, GPtrArray *parents);

struct control;
struct mdevfs_parent;

/* The steps daemon_run() and `mdevfs run` share. */
struct daemon {
	const struct daemon_options *o;
	GPtrArray *parents;       /* the configuration's: plugged at prepare */
	struct fuse_session *se;
	pthread_mutex_t lock;
	GPtrArray *plugged;       /* struct plugged *, in plug order; lock */
	unsigned int unplugging;  /* threads unplugging gone parents; lock */
	bool stopping;            /* no new such threads; lock */
	bool serving;             /* parents plugged now start at once; lock */
	pthread_cond_t unplugged; /* one of them ended */
	/* run: the parent's directories at /sys (set before the control
	 * socket opens); hide must accept a parent never shown. */
	int (*show_parent)(struct daemon *d, struct mdevfs_parent *parent);
	void (*hide_parent)(struct daemon *d, struct mdevfs_parent *parent);
	void *run;
	struct control *control;  /* the control socket, while open */
};
/* Adds and registers the parents (uevents wait) and makes the session. */
int daemon_prepare(struct daemon *d);
/* Starts the notifier and writer threads and runs the FUSE loop until the
 * session ends: 0 or -1. */
int daemon_serve(struct daemon *d);
/* While still mounted: the control socket closes, writes in flight end,
 * every parent unregisters, queued uevents go out. */
void daemon_stop(struct daemon *d);
/* Frees everything; the session must be unmounted. */
void daemon_finish(struct daemon *d);

/* parents.c: parents plugged and unplugged while serving.  Plugging adds
 * and registers all of @parents (taking them) or none; errors are logged.
 * Unplugging waits for in-flight work: -ENOENT, -EBUSY (being plugged or
 * unplugged). */
int parents_plug(struct daemon *d, GPtrArray *parents);
int parents_unplug(struct daemon *d, const char *name);
void parents_unplug_all(struct daemon *d);
/* Serving begins: backends start their threads, for the parents plugged
 * so far and from now on for each as it is plugged. */
void parents_start(struct daemon *d);
/* A backend's mdevfs_parent_gone(): unplugs the parent on a thread of its
 * own.  parents_quiesce() stops that and waits for those threads. */
void parents_watch(struct daemon *d);
void parents_quiesce(struct daemon *d);
/* `mdevfs ctl vanish`: the vendor fails from now on, the parent goes. */
int parents_vanish(struct daemon *d, const char *name);
/* `mdevfs ctl fault`: sets faults of the parent's types matching @type
 * ("*" for all) and shows them in @out; -ENOENT, -EINVAL (logged). */
int parents_fault(struct daemon *d, const char *name, const char *type,
		  char **assignments, GString *out);
void parents_list(struct daemon *d, GString *out);
unsigned int parents_count(struct daemon *d);
/* run: d->show_parent for every parent plugged so far. */
int parents_show(struct daemon *d);

/* control.c: the control socket `mdevfs ctl` talks to, an abstract unix
 * socket (see control.h).  Opened before the daemon forks, started after;
 * stopping ends every connection (holds let go) and waits for them. */
int control_open(struct daemon *d, const char *name);
int control_start(struct daemon *d);
void control_stop(struct daemon *d);

#endif /* MDEVFS_DAEMON_H */
