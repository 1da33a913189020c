/* SPDX-License-Identifier: MIT */
/*
 * What the mdev core asks of its host (the daemon's FUSE layer, or a
 * test), all in one place: given once to mdev_core_init().  A NULL member
 * means the host does not care.
 *
 * Every call a store causes carries that store's context (NULL for
 * changes no store makes: parents plugged, unplugged, restored), so the
 * host can tell its own write's notes from others' without asking which
 * thread it is on.
 */
#ifndef MDEVFS_MDEV_HOST_H
#define MDEVFS_MDEV_HOST_H

#include <stdbool.h>

#include "sysfs.h"

struct mdevfs_parent;
struct uevent;

/* An interruptible wait: mdev_interrupt() from another thread makes a
 * remove that waits for users give up with -EINTR.  Set once, a waiter
 * stays interrupted.  A waiter that must not wait (a store run on a FUSE
 * worker) makes a remove of a device in use give up at once, before
 * asking its users, with the device as it was and @would_wait set: run
 * it again elsewhere, with @again set.  Only the remove's file stays as
 * the first run left it (deleted, and this store's), so that it vanishes
 * once, as the kernel's does. */
struct mdev_waiter {
	bool interrupted; /* core's lock */
	bool must_not_wait;
	bool would_wait;
	bool again;
};
void mdev_interrupt(struct mdev_waiter *waiter);

/* One store (a write to an attribute), owned by whoever runs it and
 * passed down through sysfs_store() to the core's create, remove and
 * waits; the core hands it back with every host call the store causes,
 * so the host can send those notes with the store's next uevent or its
 * reply, without waking another thread (fs/fuse/notify.c). */
struct mdev_store_ctx {
	struct mdev_waiter waiter;
};

struct mdev_host_ops {
	void *ctx;
	/* Entry @name of directory @dir vanished: drop what caches it.
	 * Called with sysfs_rwsem held exclusively, so it must not block
	 * nor call back into the tree. */
	sysfs_gone_fn *entry_gone;
	/* Directory @dir's attributes (its nlink) changed: the same. */
	sysfs_changed_fn *attr_changed;
	/* A uevent, the host's to free; sent after the entry_gone calls of
	 * the change it reports.  The host may return only once it is out
	 * (the kernel's kobject_uevent() does), so the core calls it where
	 * the kernel sends the event and with no tree lock held (neither
	 * sysfs_rwsem nor a leaf): lookups and reads go on meanwhile. */
	void (*uevent)(void *ctx, const struct mdev_store_ctx *sc,
		       struct uevent *ev);
	/* A backend says its parent is gone (mdevfs_parent_gone()); called
	 * on the backend's thread, so the unplug goes to another. */
	void (*parent_gone)(void *ctx, struct mdevfs_parent *parent);
};

#endif /* MDEVFS_MDEV_HOST_H */
