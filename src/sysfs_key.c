// SPDX-License-Identifier: MIT
/*
 * kernfs's order of a directory's entries: the name hash and name trees.
 */
#include <stdint.h>
#include <string.h>

#include "lock.h"
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

/*
 * A name tree is a GTree and, for walks, its entries in order in one
 * array.  Listing a large directory (bus/mdev/devices with 10,000
 * devices) from tree node to tree node waits on memory at every node;
 * the array is read in order, and the values it names are fetched ahead.
 * The array is made by the first walk after a change, under the owner's
 * lock held shared (snap_lock keeps two walkers from making it twice),
 * and dropped by the change, which holds the owner's lock exclusively, so
 * no walker holds it then.
 */
struct name_slot {
	const struct sysfs_key *key;
	void *value;
};

struct name_tree {
	GTree *tree;
	struct lock_mutex snap_lock;
	struct name_slot *snap; /* NULL: none since the last change */
	unsigned int nsnap;
};

/* How many entries ahead a walk fetches the values. */
#define NAME_TREE_AHEAD 8

static gint key_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	return sysfs_key_cmp(a, b);
}

struct name_tree *name_tree_new(void)
{
	struct name_tree *t = g_new0(struct name_tree, 1);

	t->tree = g_tree_new_full(key_cmp, NULL, NULL, NULL);
	lock_mutex_init(&t->snap_lock, LOCK_NAME_TREE);
	return t;
}

static void snap_drop(struct name_tree *t)
{
	g_free(g_steal_pointer(&t->snap));
	t->nsnap = 0;
}

void name_tree_free(struct name_tree *t)
{
	if (!t)
		return;
	snap_drop(t);
	lock_mutex_destroy(&t->snap_lock);
	g_tree_destroy(t->tree);
	g_free(t);
}

void name_tree_insert(struct name_tree *t, const struct sysfs_key *key, void *value)
{
	snap_drop(t);
	g_tree_insert(t->tree, (gpointer)key, value);
}

void name_tree_remove(struct name_tree *t, const struct sysfs_key *key)
{
	snap_drop(t);
	g_tree_remove(t->tree, key);
}

void *name_tree_find(struct name_tree *t, const char *name)
{
	struct sysfs_key key;

	sysfs_key_init(&key, name);
	return g_tree_lookup(t->tree, &key);
}

unsigned int name_tree_size(const struct name_tree *t)
{
	return (unsigned int)g_tree_nnodes(t->tree);
}

void name_tree_foreach(struct name_tree *t, GTraverseFunc fn, void *data)
{
	g_tree_foreach(t->tree, fn, data);
}

static gboolean snap_add(gpointer key, gpointer value, gpointer slot)
{
	struct name_slot **s = slot;

	*(*s)++ = (struct name_slot){ key, value };
	return FALSE;
}

/* The array, made now if there is none. */
static const struct name_slot *snap_get(struct name_tree *t)
{
	const struct name_slot *snap;

	lock_mutex(&t->snap_lock);
	if (!t->snap) {
		struct name_slot *s;

		t->nsnap = name_tree_size(t);
		t->snap = s = g_new(struct name_slot, t->nsnap + 1);
		g_tree_foreach(t->tree, snap_add, &s);
	}
	snap = t->snap;
	unlock_mutex(&t->snap_lock);
	return snap;
}

static const struct name_slot *snap_peek(struct name_tree *t)
{
	const struct name_slot *snap;

	lock_mutex(&t->snap_lock);
	snap = t->snap;
	unlock_mutex(&t->snap_lock);
	return snap;
}

/* The first slot whose key is greater than @after. */
static unsigned int snap_upper_bound(const struct name_slot *snap, unsigned int n,
				     const struct sysfs_key *after)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (sysfs_key_cmp(snap[mid].key, after) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A walk's place: a slot of the array, or a tree node tagged with this
 * bit (the node NULL: the end). */
#define TREE_PLACE ((uintptr_t)1)

/*
 * A walk from before every name (a listing that starts) makes the array.
 * A walk from a name (a listing that goes on after a change) steps through
 * the tree instead: under creates and removes, an array made for each
 * getdents call would cost the whole directory each time.
 */
static uintptr_t walk_start(struct name_tree *t, const struct sysfs_key *after)
{
	bool from_start = !after->name && after->hash < 2;
	const struct name_slot *snap = from_start ? snap_get(t) : snap_peek(t);

	if (snap)
		return (uintptr_t)(snap + snap_upper_bound(snap, t->nsnap, after));
	return (uintptr_t)g_tree_upper_bound(t->tree, after) | TREE_PLACE;
}

/* A kobj, and what its owner keeps next to it (a device's name): fetched
 * before they are asked for, a walk waits less on memory.  A prefetch past
 * a smaller value is harmless. */
static void prefetch_value(const char *value)
{
	__builtin_prefetch(value);
	__builtin_prefetch(value + 64);
}

static void *snap_step(struct name_tree *t, const struct name_slot *slot,
		       const struct sysfs_key **key, void **cursor)
{
	/* t->snap stays while the owner's lock is held: walk_start saw it. */
	const struct name_slot *end = t->snap + t->nsnap;

	if (slot >= end)
		return NULL;
	if (slot + NAME_TREE_AHEAD < end)
		prefetch_value(slot[NAME_TREE_AHEAD].value);
	*cursor = (void *)(slot + 1);
	*key = slot->key;
	return slot->value;
}

static void *tree_step(GTreeNode *node, const struct sysfs_key **key,
		       void **cursor)
{
	GTreeNode *ahead = node ? g_tree_node_next(node) : NULL;

	if (ahead)
		prefetch_value(g_tree_node_value(ahead));
	*cursor = (void *)((uintptr_t)ahead | TREE_PLACE);
	if (!node)
		return NULL;
	*key = g_tree_node_key(node);
	return g_tree_node_value(node);
}

void *name_tree_next(struct name_tree *t, const struct sysfs_key *after,
		     const struct sysfs_key **key, void **cursor)
{
	uintptr_t place = *cursor ? (uintptr_t)*cursor : walk_start(t, after);

	if (place & TREE_PLACE)
		return tree_step((GTreeNode *)(place & ~TREE_PLACE), key, cursor);
	return snap_step(t, (const struct name_slot *)place, key, cursor);
}
