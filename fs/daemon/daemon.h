/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_DAEMON_H
#define MDEVFS_DAEMON_H

#include <glib.h>

#include "fs.h"
#include "lock.h"
#include "mount.h"

struct daemon_options {
	const char *mountpoint;
	const char *config;     /* NULL: the built-in samples */
	bool foreground;
	bool debug;
	GPtrArray *fuse_opts;   /* -o options for libfuse */
	unsigned int uevent_routes; /* UEVENT_ROUTES_DEFAULT: decided at start */
	bool keep_mdevctl_d;    /* run: the host's /etc/mdevctl.d */
	bool hide_host_devices; /* run: parents may hide the host's devices */
	int ready_fd;           /* run: told when ready (-1: none) */
	unsigned int ready_monitors; /* run: ... once this many listen */
	const char *state_dir;  /* NULL: the default for the mountpoint */
	bool no_state_dir;      /* no state directory: nothing survives a crash */
	bool durable_state;     /* records fsynced: they survive a power loss */
	struct fs_options fs;
};

/* Given to mdev_core_init() by main(). */
extern const struct mdev_host_ops daemon_host;

/* One clear line and a non-zero return when /dev/fuse will not do. */
int daemon_check_fuse_device(void);
/* Whether libfuse takes each of @o's fuse_opts: 0, or -1 after one line
 * naming the first it refuses.  Before anything starts, so that a typo
 * in -o stops nothing that was running (a restart's devices). */
int daemon_check_fuse_options(const struct daemon_options *o);
/* Serves @parents on the mountpoint until unmounted or signalled. */
int daemon_run(const struct daemon_options *o, GPtrArray *parents);

struct control;
struct daemon;
struct mdevfs_parent;

/* restart.c, taking a mountpoint, each 0 or -1 after one line saying why.
 * Claim: binds the control socket's name for the absolute @path (d->control),
 * waiting up to a minute for a daemon still starting or stopping there;
 * refuses one that serves.  Inspect (with the name held): the mountpoint
 * will do, and *@dead_id is the id of a dead mdevfs mount on it to
 * replace (0: none).  Open state: the state directory for @path locked. */
int daemon_claim_mountpoint(struct daemon *d, const char *path);
int daemon_inspect_mountpoint(const char *path, int *dead_id);
int daemon_open_state(const struct daemon_options *o, const char *path);

/* The steps daemon_run() and `mdevfs run` share. */
struct daemon {
	const struct daemon_options *o;
	GPtrArray *parents;       /* the configuration's: plugged at prepare */
	struct fuse_session *se;
	struct tree_mount mount;
	char *mount_opts;         /* -o for libfuse and the mount */
	bool prepared;            /* daemon_prepare() ran: daemon_finish() undoes */
	bool served;              /* the tree was mounted */
	struct lock_mutex lock;   /* LOCK_DAEMON (lock.h); see parents.c */
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
/* The same, with the progress of its devices' removal. */
int parents_unplug_progress(struct daemon *d, const char *name,
			    mdev_progress_fn progress, void *ctx);
void parents_unplug_all(struct daemon *d);
/* Serving begins: backends start their threads, for the parents plugged
 * so far and from now on for each as it is plugged. */
void parents_start(struct daemon *d);
/* A backend's mdevfs_parent_gone() (daemon_host): unplugs the parent on a
 * thread of its own, for the daemon parents_watch() named.
 * parents_quiesce() stops that and waits for those threads. */
void parents_gone(void *ctx, struct mdevfs_parent *parent);
void parents_watch(struct daemon *d);
void parents_quiesce(struct daemon *d);
/* `mdevfs ctl vanish`: the vendor fails from now on, the parent goes. */
int parents_vanish(struct daemon *d, const char *name);
/* `mdevfs ctl fault`: sets faults of the parent's types matching @type
 * ("*" for all) and shows them in @out; -ENOENT, -EINVAL (logged). */
int parents_fault(struct daemon *d, const char *name, const char *type,
		  char **assignments, GString *out);
void parents_list(struct daemon *d, GString *out);
/* The same as one JSON document, with every live parent's types and
 * devices (`mdevfs ctl list --json`). */
void parents_list_json(struct daemon *d, GString *out);
unsigned int parents_count(struct daemon *d);
/* run: d->show_parent for every parent plugged so far. */
int parents_show(struct daemon *d);

#endif /* MDEVFS_DAEMON_H */
