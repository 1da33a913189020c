/* SPDX-License-Identifier: MIT */
/*
 * The FUSE side: translation of low-level requests onto the sysfs tables.
 *
 * Threads: libfuse's workers run the handlers; a write (the only request
 * that reaches vendor hooks) runs its store on the worker while half of
 * the workers are free of them, else on the writer pool, so slow vendors
 * never hold every worker; cache invalidations, uevents and write replies
 * are sent in order by whoever holds the notifier's token, so a writer's
 * reply comes after the invalidations and uevents its write caused.
 */
#ifndef MDEVFS_FS_H
#define MDEVFS_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <fuse_lowlevel.h>

#include "lock.h"
#include "mdev.h"
#include "sysfs.h"

struct fs_options {
	double timeout;            /* entry and attribute cache, seconds */
	unsigned int max_threads;  /* libfuse workers */
	unsigned int max_writers;  /* writer pool */
	/* Seconds a uevent's sender waits once it is out, before the change
	 * goes on: what a monitor finds then is what the kernel's, on the
	 * writer's CPU, finds (tests; 0: no wait). */
	double uevent_pause;
};

/* fuse_ops.c */
extern const struct fuse_lowlevel_ops mdevfs_ops;
void fs_set_options(const struct fs_options *opts);
const struct fs_options *fs_get_options(void);
void fs_set_session(const struct fuse_session *se);
/* The host's entry_gone (mdev_host.h): invalidations while a session is
 * set. */
sysfs_gone_fn fs_entry_gone;
/* The host's attr_changed: the same. */
sysfs_changed_fn fs_attr_changed;
/* Frees the files the kernel did not release before the session ended. */
void fs_close_files(void);

/* xattr_ops.c: the xattr handlers. */
void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* handles.c: a node the kernel knows, named by its address.  A handle holds
 * a reference on its object and lives while the kernel's lookup count is
 * not zero.  The root is FUSE_ROOT_ID.  A handle is shared (the one handle
 * of its node) or not: a writable file's, or one whose entry vanished. */
struct handle {
	struct sysfs_node node;
	uint64_t nlookup;   /* handles_lock */
	unsigned int opens; /* handles_lock: files open on an unshared handle */
	bool unshared;      /* handles_lock */
};

void handles_init(void);
void handles_fini(void);
struct handle *handle_of(fuse_ino_t ino);
fuse_ino_t handle_ino(const struct handle *h);
/* The handle of @node with its lookup count raised by one. */
struct handle *handle_lookup(struct sysfs_node node);
/* A handle of @node that no open file shares, its lookup count raised by
 * one: the last one whose files were all released, or a new one. */
struct handle *handle_lookup_unshared(struct sysfs_node node);
void handle_forget(struct handle *h, uint64_t nlookup);
/* A file opened and released on @h (counted on unshared handles). */
void handle_opened(struct handle *h);
void handle_released(struct handle *h);
/* The kernel's id for @node if it knows it. */
bool handle_find(struct sysfs_node node, fuse_ino_t *ino);
/* The same, and the node's entry vanished: the next lookup of it makes a
 * new inode, as kernfs makes a new node (a link that comes back may lead
 * elsewhere, and the kernel caches link targets). */
bool handle_detach(struct sysfs_node node, fuse_ino_t *ino);
unsigned long handles_count(void);

/* notify.c: collects from the start, sends once started.  A note with a
 * store's context waits for that store's next uevent or its reply (or
 * anyone else's notes) rather than waking the notifier; a uevent is sent
 * before notify_uevent() returns. */
struct uevent;
/* @send_uevent: called by the token's holder only, in order. */
typedef void notify_send_uevent_t(const struct uevent *ev);
void notifier_start(struct fuse_session *se, notify_send_uevent_t *send_uevent);
void notifier_stop(void);
void notify_inval_entry(fuse_ino_t parent, const char *name,
			const struct mdev_store_ctx *sc);
void notify_inval_attr(fuse_ino_t ino, const struct mdev_store_ctx *sc);
void notify_reply_write(fuse_req_t req, ssize_t result);
void notify_kick(void);
/* The host's uevent (mdev_host.h). */
void notify_uevent(void *ctx, const struct mdev_store_ctx *sc,
		   struct uevent *ev);

/* writers.c: runs stores, on the FUSE worker or on a writer thread. */
struct write_job {
	fuse_req_t req;
	struct sysfs_node node;
	/* Its waiter answers FUSE_INTERRUPT, across both tries. */
	struct mdev_store_ctx store;
	size_t len;
	char buf[]; /* len bytes and a NUL */
};
int writers_start(unsigned int max_threads, unsigned int max);
void writers_stop(void);
void writers_submit(struct write_job *job);

/* vfio_dev.c: /dev/vfio for `mdevfs run`, a session of its own.  New
 * makes the session (for tree_mount()), start runs its loop on a thread
 * of its own, stop ends the loop and lets go of the groups still open
 * (before the parents unplug: they wait for their devices' users), free
 * destroys the session once it is unmounted.  Each 0 or -1, or NULL. */
struct fuse_session *vfio_dev_new(void);
int vfio_dev_start(void);
void vfio_dev_stop(void);
void vfio_dev_free(void);

/* Starts a thread with the termination signals blocked, so they reach the
 * thread that runs the FUSE loop. */
int thread_spawn(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif /* MDEVFS_FS_H */
