/* SPDX-License-Identifier: MIT */
/*
 * Objects of the tree (the root, path directories, subsystems, drivers,
 * parents, types and devices) all start with a struct kobj.  Its reference
 * count is about memory only: the FUSE layer holds one for every inode the
 * kernel knows, so an object can outlive its place in the tree.  Whether
 * an entry is in the tree is decided by `flags` (see sysfs.h).
 */
#ifndef MDEVFS_KOBJ_H
#define MDEVFS_KOBJ_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "lock.h"
#include "sysfs_key.h"

struct kobj;
struct sysfs_entry;

struct kobj_type {
	const char *name;
	const struct sysfs_entry *entries; /* indexed by slot */
	unsigned int nentries;
	/* Entries past the table (vendor attributes), or NULL: from slot
	 * extra_first on, without a gap, up to the first it gives NULL for. */
	const struct sysfs_entry *(*extra_entry)(struct kobj *obj,
						 unsigned int slot);
	unsigned int extra_first;
	/* Held shared around show/store of entries marked SYSFS_ACTIVE, taken
	 * exclusively by sysfs_drain(): the kernel's kernfs active refs
	 * (LOCK_ACTIVE in lock.h). */
	struct lock_rw *(*active_sem)(struct kobj *obj);
	void (*release)(struct kobj *obj);
};

struct kobj {
	const struct kobj_type *ktype;
	atomic_uint refs;
	uint64_t id;           /* unique, increasing: st_ino, creation order */
	/* Its name where collections list it, set by its owner when it is
	 * made (the root has none); name trees are keyed by it. */
	struct sysfs_key key;
	unsigned int flags;    /* visible entries; protected by sysfs_rwsem */
	struct timespec ctime; /* shown as the times of its entries */
};

void kobj_init(struct kobj *obj, const struct kobj_type *ktype);
struct kobj *kobj_get(struct kobj *obj);
void kobj_put(struct kobj *obj);

#endif /* MDEVFS_KOBJ_H */
