/* SPDX-License-Identifier: MIT */
/*
 * A userspace kernfs: the sysfs-shaped tree, described as tables.
 *
 * Every file, directory and symlink is a node: an object (struct kobj) and
 * one entry of its type's table (the slot).  An entry names the directory
 * it lives in (another slot of the same object, or a directory of another
 * object through ->container) and the object flags it needs to be visible,
 * so the core shows and hides entries by setting flags, in the order the
 * kernel creates and removes sysfs files.  Directories whose children are
 * other objects (all devices, all parents, ...) list them through a
 * collection.
 *
 * Locking: sysfs_rwsem (rank 5 of the lock table, lock.h) protects every
 * kobj's flags and every collection.  Lookups, readdir and getattr hold it
 * shared; the core changes flags under it exclusively and never calls a
 * vendor hook while holding it.  Show and store run without it, on a
 * referenced object, under its active_sem if the entry asks for it.
 */
#ifndef MDEVFS_SYSFS_H
#define MDEVFS_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kobj.h"

/* The store a change is made for (mdev_host.h), or NULL: the engine
 * only hands it on, to stores and to the gone callback. */
struct mdev_store_ctx;

#define SYSFS_NO_DIR 0xff      /* entry lives in another object's directory */
#define SYSFS_MAX_SLOTS 256    /* slots per object: st_ino = (id << 8) | slot */

struct sysfs_node {
	struct kobj *obj;
	unsigned int slot;
};

/* Dynamic children of a directory, which its owner keeps in kernfs order
 * (sysfs_key.h): a child's key is its name and hash. */
struct sysfs_coll {
	/* The child called @name, if it is visible: 0 or -ENOENT. */
	int (*lookup)(struct kobj *dir, const char *name,
		      struct sysfs_node *child);
	/* The first child whose key is greater than @after, and its key,
	 * valid while sysfs_rwsem is held; false at the end.  @cursor is
	 * NULL at a pass's first call, then what the call before left in it
	 * (for the child it gave, the next @after), while sysfs_rwsem stays
	 * held: a name tree keeps its node there, so a step costs O(1). */
	bool (*next)(struct kobj *dir, const struct sysfs_key *after,
		     struct sysfs_node *child, const struct sysfs_key **key,
		     void **cursor);
	/* For a collection of directories: how many are visible, so a
	 * directory's nlink costs O(1).  NULL for collections of links. */
	unsigned long (*nsubdirs)(struct kobj *dir);
};

enum {
	SYSFS_ACTIVE = 1 << 0, /* show/store hold the object's active_sem */
};

struct sysfs_entry {
	const char *name; /* or NULL and get_name() */
	int (*get_name)(struct kobj *obj, const struct sysfs_entry *ent,
			char *buf, size_t size);
	/* The directory holding the entry: ->dir, a slot of the same object,
	 * or SYSFS_NO_DIR and ->container, a directory of another object. */
	void (*container)(struct kobj *obj, struct sysfs_node *dir);
	bool (*is_visible)(struct kobj *obj); /* fixed over the object's life */
	ssize_t (*show)(struct kobj *obj, const struct sysfs_entry *ent,
			char *buf); /* PAGE_SIZE bytes */
	ssize_t (*store)(struct kobj *obj, const struct sysfs_entry *ent,
			 const char *buf, size_t count,
			 struct mdev_store_ctx *sc);
	/* Symlinks: the target's path from the root; the engine makes it
	 * relative the way kernfs does. */
	int (*target)(struct kobj *obj, char *buf, size_t size);
	const struct sysfs_coll *coll; /* directories: dynamic children */
	uintptr_t priv;
	mode_t mode;        /* S_IFDIR|0755, S_IFREG|0444, S_IFLNK|0777, ... */
	unsigned int needs; /* visible while (obj->flags & needs) == needs */
	unsigned int flags;
	uint8_t dir;
};

/* Called under sysfs_rwsem (exclusive) for every entry @node that
 * vanishes from @dir, so the FUSE layer can drop the kernel's cached
 * dentries. */
typedef void sysfs_gone_fn(void *ctx, const struct mdev_store_ctx *sc,
			   struct sysfs_node dir, struct sysfs_node node,
			   const char *name);

/* Called under sysfs_rwsem (exclusive) for every directory @dir whose
 * attributes change: its nlink, as a subdirectory appears in it or
 * vanishes (times, sizes and modes of the table never change; a chmod's
 * SETATTR reply carries its new mode itself).  So the FUSE layer can let
 * the kernel cache every attribute and drop it when it changes. */
typedef void sysfs_changed_fn(void *ctx, const struct mdev_store_ctx *sc,
			      struct sysfs_node dir);

/* @gone (may be NULL) with @ctx is called for every vanishing entry,
 * @changed (may be NULL) for every directory whose nlink changes. */
void sysfs_init(struct kobj *root, sysfs_gone_fn *gone,
		sysfs_changed_fn *changed, void *ctx);
void sysfs_fini(void);
/* Who owns the files (root, as in sysfs, unless set; a daemon run by a
 * user gives the tree to that user so it can use it). */
void sysfs_set_owner(uid_t uid, gid_t gid);
struct sysfs_node sysfs_root(void);
/* struct sysfs_node as a hash table key (a GHashFunc and a GEqualFunc);
 * no lock needed. */
unsigned int sysfs_node_hash(const void *node);
int sysfs_node_equal(const void *a, const void *b);

void sysfs_read_lock(void);
void sysfs_read_unlock(void);
void sysfs_write_lock(void);
void sysfs_write_unlock(void);
/* lock.h's lock_assert_held() of it, for the queries' callers. */
void sysfs_assert_locked(void);

/* Queries; the caller holds sysfs_rwsem (shared is enough). */
const struct sysfs_entry *sysfs_entry(struct sysfs_node node);
bool sysfs_visible(struct sysfs_node node);
int sysfs_name(struct sysfs_node node, char *buf, size_t size);
int sysfs_lookup(struct sysfs_node dir, const char *name,
		 struct sysfs_node *child);
/* @next_off: the position of the entry after @child (SYSFS_POS_END at
 * the end), which FUSE hands back to go on after @child.  False: full. */
typedef bool (*sysfs_filldir_t)(void *ctx, const char *name,
				struct sysfs_node child, uint64_t next_off);
/* From position @off on, in kernfs order (sysfs_readdir.c). */
int sysfs_readdir(struct sysfs_node dir, uint64_t off, sysfs_filldir_t fill,
		  void *ctx);
int sysfs_getattr(struct sysfs_node node, struct stat *st);
uint64_t sysfs_ino(struct sysfs_node node);

/* Operations that take the lock themselves. */
ssize_t sysfs_readlink(struct sysfs_node node, char *buf, size_t size);
ssize_t sysfs_show(struct sysfs_node node, char *buf);
ssize_t sysfs_store(struct sysfs_node node, const char *buf, size_t count,
		    struct mdev_store_ctx *sc);
/* The same store run again after it gave up (mdev_host.h): the write got
 * past its file's check once, and may have deleted that file itself. */
ssize_t sysfs_store_again(struct sysfs_node node, const char *buf,
			  size_t count, struct mdev_store_ctx *sc);
int sysfs_setattr(struct sysfs_node node, const mode_t *mode,
		  const uid_t *uid, const gid_t *gid);
int sysfs_path(struct sysfs_node node, char *buf, size_t size);

/* Changes, by the core, for store @sc (NULL: none).  sysfs_update() takes
 * the lock; the _locked form is for callers that already hold it
 * exclusively. */
void sysfs_update(struct kobj *obj, unsigned int set, unsigned int clear,
		  const struct mdev_store_ctx *sc);
void sysfs_update_locked(struct kobj *obj, unsigned int set,
			 unsigned int clear, const struct mdev_store_ctx *sc);
/* Clears @flag if set and says whether this caller cleared it: the kernel's
 * device_remove_file_self(). */
bool sysfs_remove_self(struct kobj *obj, unsigned int flag,
		       const struct mdev_store_ctx *sc);
/* Waits until no show/store of @obj's SYSFS_ACTIVE entries runs. */
void sysfs_drain(struct kobj *obj);
/* Drops chmod/chown overrides and xattrs of a dying object. */
void sysfs_forget_obj(struct kobj *obj);

/* Extended attributes, in memory as kernfs keeps them (sysfs_xattr.c):
 * 0 or a size, else -errno.  @size 0 asks for the size; @trusted: the
 * caller may see trusted.* names.  Take xattrs_lock, a leaf lock. */
int sysfs_setxattr(struct sysfs_node node, const char *name, const void *value,
		   size_t size, int flags);
int sysfs_removexattr(struct sysfs_node node, const char *name);
ssize_t sysfs_getxattr(struct sysfs_node node, const char *name, void *buf,
		       size_t size);
ssize_t sysfs_listxattr(struct sysfs_node node, bool trusted, char *buf,
			size_t size);
/* Drops the attributes of @obj's nodes (sysfs_forget_obj()). */
void sysfs_xattr_forget(const struct kobj *obj);
void sysfs_xattr_fini(void);

/* Relative symlink text from directory @from to @to (both from the root),
 * as kernfs_get_target_path() builds it. */
int sysfs_rel_link(const char *from, const char *to, char *buf, size_t size);

#endif /* MDEVFS_SYSFS_H */
