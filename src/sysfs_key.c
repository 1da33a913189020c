// SPDX-License-Identifier: MIT
/*
 * kernfs's order of a directory's entries: the name hash and name trees.
 */
#include <string.h>

#include "sysfs_key.h"

/* GOLDEN_RATIO_64 of include/linux/hash.h: hash_long() on 64-bit kernels. */
#define GOLDEN_RATIO_64 0x61C8864680B583EBull

/*
 * kernfs_name_hash() without a namespace tag (mdev's directories have
 * none): init_name_hash(NULL) is 0, partial_name_hash() per byte,
 * end_name_hash() is hash_long(hash, 32), then 31 bits with 0, 1 and
 * INT_MAX kept for ".", ".." and the end.  A byte is widened as a char of
 * x86_64 kernels before 6.2 (the oracle's 6.1), which was signed: names
 * with bytes >= 0x80 hash differently on kernels built with
 * -funsigned-char (6.2 and later).
 */
uint32_t sysfs_name_hash(const char *name)
{
	uint64_t hash = 0;

	for (const char *p = name; *p; p++) {
		uint64_t c = (uint64_t)(int64_t)(signed char)*p;

		hash = (hash + (c << 4) + (c >> 4)) * 11;
	}
	hash = (hash * GOLDEN_RATIO_64) >> 32;
	hash &= 0x7fffffff;
	if (hash < 2)
		hash += 2;
	if (hash >= SYSFS_POS_END)
		hash = SYSFS_POS_END - 1;
	return (uint32_t)hash;
}

void sysfs_key_init(struct sysfs_key *key, const char *name)
{
	key->hash = sysfs_name_hash(name);
	key->name = name;
}

/* kernfs_name_compare(): hash, then name (a search's NULL first). */
int sysfs_key_cmp(const struct sysfs_key *a, const struct sysfs_key *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (!a->name || !b->name)
		return !b->name - !a->name;
	return strcmp(a->name, b->name);
}

int sysfs_key_scan(sysfs_key_at_t *at, const void *set, unsigned int n,
		   const struct sysfs_key *after)
{
	const struct sysfs_key *best = NULL;
	int found = -1;

	for (unsigned int i = 0; i < n; i++) {
		const struct sysfs_key *k = at(set, i);

		if (sysfs_key_cmp(k, after) > 0 &&
		    (!best || sysfs_key_cmp(k, best) < 0)) {
			best = k;
			found = (int)i;
		}
	}
	return found;
}

static gint key_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	return sysfs_key_cmp(a, b);
}

GTree *name_tree_new(void)
{
	return g_tree_new_full(key_cmp, NULL, NULL, NULL);
}

void name_tree_insert(GTree *tree, const struct sysfs_key *key, void *value)
{
	g_tree_insert(tree, (gpointer)key, value);
}

void name_tree_remove(GTree *tree, const struct sysfs_key *key)
{
	g_tree_remove(tree, key);
}

void *name_tree_find(GTree *tree, const char *name)
{
	struct sysfs_key key;

	sysfs_key_init(&key, name);
	return g_tree_lookup(tree, &key);
}

void *name_tree_next(GTree *tree, const struct sysfs_key *after,
		     const struct sysfs_key **key, void **cursor)
{
	GTreeNode *node = *cursor ? *cursor : g_tree_upper_bound(tree, after);
	GTreeNode *ahead = node ? g_tree_node_next(node) : NULL;

	/* The next value is in memory by the time it is asked for: a walk of
	 * a large tree waits on memory, not on the comparisons.  Its first two
	 * cache lines: a kobj, and what its owner keeps next to it (a
	 * device's name); a prefetch past a smaller value is harmless. */
	if (ahead) {
		const char *value = g_tree_node_value(ahead);

		__builtin_prefetch(value);
		__builtin_prefetch(value + 64);
	}
	*cursor = ahead;
	if (!node)
		return NULL;
	*key = g_tree_node_key(node);
	return g_tree_node_value(node);
}
