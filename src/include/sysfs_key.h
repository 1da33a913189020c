/* SPDX-License-Identifier: MIT */
/*
 * Where an entry stands in its directory.  kernfs keeps a directory's
 * children in an rbtree ordered by (name hash, name) and readdir positions
 * are those hashes (fs/kernfs/dir.c), so a name has the same place however
 * the directory changes: a pass never lists a name twice, even when the
 * entry goes and comes back between two getdents calls, and `ls -f` lists
 * entries in the kernel's order.  Collections of the tree keep their
 * children in name trees, GTrees in this order.
 */
#ifndef MDEVFS_SYSFS_KEY_H
#define MDEVFS_SYSFS_KEY_H

#include <stdint.h>

#include <glib.h>

/* Readdir positions: 0 and 1 are "." and "..", an entry's is its hash,
 * SYSFS_POS_END the end (kernfs reserves 0, 1 and INT_MAX the same way). */
#define SYSFS_POS_END 0x7fffffffu

struct sysfs_key {
	uint32_t hash;    /* sysfs_name_hash(name) */
	const char *name; /* NULL only in a search: before every name */
};

/* kernfs_name_hash(name, NULL): 2 .. SYSFS_POS_END - 1. */
uint32_t sysfs_name_hash(const char *name);
/* @name must live as long as the key. */
void sysfs_key_init(struct sysfs_key *key, const char *name);
int sysfs_key_cmp(const struct sysfs_key *a, const struct sysfs_key *b);

/* The smallest of @n keys that is greater than @after: its index, or -1.
 * For the small fixed collections (a parent's types, a type's
 * attributes), where a scan costs less than a tree. */
typedef const struct sysfs_key *sysfs_key_at_t(const void *set, unsigned int i);
int sysfs_key_scan(sysfs_key_at_t *at, const void *set, unsigned int n,
		   const struct sysfs_key *after);

/* Name trees: struct sysfs_key * -> value (never NULL), in kernfs order.
 * The key is the value's own (it must outlive its place in the tree).
 * Whoever owns a tree locks it like a reader-writer lock: changes
 * (insert, remove, free) exclusive, everything else at least shared. */
struct name_tree;

struct name_tree *name_tree_new(void);
void name_tree_free(struct name_tree *tree);
void name_tree_insert(struct name_tree *tree, const struct sysfs_key *key,
		      void *value);
void name_tree_remove(struct name_tree *tree, const struct sysfs_key *key);
void *name_tree_find(struct name_tree *tree, const char *name);
unsigned int name_tree_size(const struct name_tree *tree);
/* In order; @fn returns TRUE to stop. */
void name_tree_foreach(struct name_tree *tree, GTraverseFunc fn, void *data);
/* The first value whose key is greater than @after, and that key; NULL
 * at the end.  @cursor (NULL: none yet) is what the call before left for
 * this @after, while the owner's lock stayed held. */
void *name_tree_next(struct name_tree *tree, const struct sysfs_key *after,
		     const struct sysfs_key **key, void **cursor);

#endif /* MDEVFS_SYSFS_KEY_H */
