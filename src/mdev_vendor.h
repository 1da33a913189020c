/* SPDX-License-Identifier: MIT */
/*
 * The vendor boundary: the only code that calls a backend's ops.
 *
 * The kernel's mdev core calls the parent driver's ops in
 * mdev_device_create() and mdev_device_remove() (probe and remove through
 * the mdev driver, the type attributes through mdev_driver), and nowhere
 * else.  Here every call into a vendor goes through this file, so that
 * three things sit in one place rather than at each caller:
 *  - the injected faults (mdev_fault.h: latency, a share of failing
 *    probes), applied before the vendor is called, so every backend gets
 *    the same behaviour and a vendor never sees a create made to fail;
 *  - the ENODEV of a vanished vendor (mdev_parent_vanish()): no new call
 *    starts once the hardware is gone;
 *  - the context of each call: which threads make it and which mdevfs
 *    locks they hold, said once per wrapper below (backend.h says what
 *    a vendor may assume; this says why that holds) and checked by the
 *    wrapper against the lock table, src/include/lock.h.
 *
 * A missing (NULL) hook means what backend.h says; each wrapper says what
 * it does then.  Callers that branch on whether a vendor has a hook ask
 * mdev_vendor_has_*(); everyone else just calls the wrapper.
 *
 * Threads, for short: "writer" is the thread that runs a store, a FUSE
 * worker or the writer pool (fs/writers.c); "control" is a control
 * socket connection's thread (`mdevfs ctl`); "unplug" is the thread that
 * unplugs a parent its backend declared gone (fs/parents.c); "main" is
 * the daemon's main thread, at start and at the stop.
 */
#ifndef MDEVFS_MDEV_VENDOR_H
#define MDEVFS_MDEV_VENDOR_H

#include <stdbool.h>
#include <sys/types.h>

#include <mdevfs/backend.h>

/* ---- configuration ---------------------------------------------------- */

/* parent_init(): the parent's [parent] group is read.  Config load: main
 * at start (before the daemon forks) or control (`ctl register`); no lock
 * held, the parent is not in the tree yet.  Missing: 0 (no keys). */
int mdev_vendor_parent_init(struct mdevfs_parent *parent,
			    struct mdevfs_settings *settings);
/* type_init(): a [type] group of a parent whose parent_init() succeeded.
 * Same context as parent_init().  Missing: 0. */
int mdev_vendor_type_init(struct mdevfs_type *type,
			  struct mdevfs_settings *settings);
/* parent_fini(): the last of a parent whose parent_init() succeeded, from
 * mdev_parent_put(): it is unregistered (or never was), so no other hook
 * of it runs or will.  Main (stop, a failed load), control (unregister;
 * a failed register, there under the daemon's d->lock: never started,
 * the parent has no threads that could wait for it) or unplug; no core
 * lock.  Missing: nothing to undo. */
void mdev_vendor_parent_fini(struct mdevfs_parent *parent);
/* parent_start(): the daemon serves the registered parent, after the
 * fork.  Main (serving begins) or control (`ctl register` while
 * serving), under the daemon's d->lock (fs/daemon/parents.c: no unplug
 * can have begun), no core lock; once per parent (mdev_parent_start()).
 * Missing: nothing. */
void mdev_vendor_parent_start(struct mdevfs_parent *parent);
/* parent_status(): the `ctl list` line.  Control, under the daemon's
 * d->lock (which keeps parent_fini() away), no core lock; may run at any
 * time, with anything else.  Missing: "" and 0. */
ssize_t mdev_vendor_parent_status(struct mdevfs_parent *parent, char *buf,
				  size_t size);

/* ---- a device's life cycle -------------------------------------------- */
/*
 * probe()/adopt(), init(), remove() and release() run where the core
 * creates or removes a device: a writer (create, remove, unbind stores),
 * the backend's own thread (mdevfs_type_adopt_device(),
 * mdevfs_parent_drop_device()), main (a restore after a crash, before
 * the mount; unplugging at the stop), control or unplug (unregister).
 * The parent's unreg_sem is held, shared (create, remove, unbind) or
 * exclusive (unregister); no other mdevfs lock.  Creates and removes of
 * other devices, on this parent too, may run at the same time.
 */
/* probe(): after the fault layer's probe delay and failure draw; -ENODEV
 * if the vendor vanished, before or during that delay.  A positive return
 * is logged and made -EINVAL.  Missing: 0 (plugins.c refuses it). */
int mdev_vendor_probe(struct mdevfs_device *mdev);
/* adopt(): in place of probe() for a device the vendor has already; no
 * fault applies (nothing is created).  -ENODEV if vanished.  Missing:
 * -EOPNOTSUPP. */
int mdev_vendor_adopt(struct mdevfs_device *mdev);
/* init(): right after a successful probe() or adopt().  A failure is
 * undone here with remove(), as backend.h promises, without the remove
 * delay (the device was never created).  Missing: 0, and no release()
 * is due. */
int mdev_vendor_init(struct mdevfs_device *mdev);
/* remove(): after the fault layer's remove delay; called even if the
 * vendor vanished, so that it drops its state.  By now no attribute hook
 * of the device runs (its active_sem was drained).  Missing: nothing. */
void mdev_vendor_remove(struct mdevfs_device *mdev);
/* release(): once the device is gone from the tree, if init() succeeded;
 * unreg_sem held, or none after a create failed past init().  Missing:
 * nothing. */
void mdev_vendor_release(struct mdevfs_device *mdev);
/* request(): a remove waits for the device's users (mdev_wait_unused()),
 * on the remove's thread: the writer pool (a store on a FUSE worker gives
 * up before it would wait), the backend's (a drop) or the unregister's;
 * unreg_sem held, mdev_list_lock not.  Called even if vanished: users still must let go.
 * Missing: nothing (the remove just waits). */
void mdev_vendor_request(struct mdevfs_device *mdev, unsigned int count);

/* ---- what the tree shows ---------------------------------------------- */
/*
 * Shows and stores of the tree's files: a FUSE worker (show), a writer
 * (store); with the object's active_sem held shared
 * (the parent's for type files, the device's for vendor attributes),
 * which unregistration and a device's removal drain before the vendor
 * stops serving them, and for a read through an open file (not the one
 * that fills a MAP_PRIVATE page) that file's of->lock (fs/fuse), which
 * keeps its page whole.  No other lock.  Any number at once.
 */
/* get_available(): available_instances of a parent the core does not
 * count for.  0 if vanished.  Missing: 0 (config.c refuses a parent
 * without it or max_instances). */
unsigned int mdev_vendor_get_available(struct mdevfs_type *type);
/* show_description(): the description file.  -ENODEV if vanished.
 * Missing: -ENOENT (the caller shows the configured one instead). */
ssize_t mdev_vendor_show_description(struct mdevfs_type *type, char *buf,
				     size_t size);
/* attr_show()/attr_store(): a vendor attribute of a device that probe()
 * bound and remove() has not started for.  -ENODEV if vanished.
 * Missing: -EIO (config.c refuses an attribute without its hook). */
ssize_t mdev_vendor_attr_show(struct mdevfs_device *mdev, unsigned int attr,
			      char *buf, size_t size);
ssize_t mdev_vendor_attr_store(struct mdevfs_device *mdev, unsigned int attr,
			       const char *buf, size_t count);

/* ---- which hooks a vendor has ----------------------------------------- */
/* For callers whose behaviour depends on it (a file that exists or not,
 * a configuration refused); any thread, no lock. */
bool mdev_vendor_has_get_available(const struct mdevfs_parent *parent);
bool mdev_vendor_has_show_description(const struct mdevfs_parent *parent);
bool mdev_vendor_has_attr_show(const struct mdevfs_parent *parent);
bool mdev_vendor_has_attr_store(const struct mdevfs_parent *parent);
bool mdev_vendor_has_parent_status(const struct mdevfs_parent *parent);

#endif /* MDEVFS_MDEV_VENDOR_H */
