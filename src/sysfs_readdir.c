// SPDX-License-Identifier: MIT
/*
 * readdir in kernfs's order (sysfs_key.h): a directory's own table entries,
 * few, sorted on each call, merged with its collection, which its owner
 * keeps in that order.  Positions are name hashes, and as in
 * kernfs_fop_readdir() the offset given with an entry is the position of
 * the one after it, so getdents's d_off values are the kernel's too.
 *
 * Two names with one hash (31 bits: rare) share a position.  kernfs
 * resumes among them with a pointer kept in the open file, which FUSE does
 * not give; here the k-th name (k >= 1) of such a run in the pass is at
 * (k << 32) | hash.  Should an earlier name of the run go between two
 * calls, that pass misses one name of the run.
 *
 * The caller holds sysfs_rwsem (shared) for the whole call.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "sysfs_internal.h"

struct own_entry {
	struct sysfs_key key;
	unsigned int slot;
};

/* A walk over a directory's entries in order, from a position on. */
struct dir_iter {
	struct sysfs_node dir;
	const struct sysfs_coll *coll;  /* NULL: no dynamic children */
	struct own_entry *own;          /* the visible ones, sorted */
	unsigned int nown, next_own;
	GStringChunk *names;            /* own entries named by get_name() */
	struct sysfs_key after;         /* the last entry given */
	/* The collection's first visible child after @after, fetched ahead
	 * so that each step asks the collection once. */
	bool coll_more;
	struct sysfs_node coll_child;
	const struct sysfs_key *coll_key;
	void *coll_cursor;              /* the collection's, for coll_key */
};

struct dir_entry {
	struct sysfs_node node;
	const struct sysfs_key *key; /* valid until iter_fini() */
};

static int own_cmp(const void *a, const void *b)
{
	const struct own_entry *x = a, *y = b;

	return sysfs_key_cmp(&x->key, &y->key);
}

/* The name of an own entry, kept until iter_fini(); NULL if it has none. */
static const char *own_name(struct dir_iter *it, unsigned int slot)
{
	const struct sysfs_entry *ent = &it->dir.obj->ktype->entries[slot];
	char buf[NAME_MAX + 1];

	if (!ent->get_name)
		return ent->name;
	if (sysfs_name((struct sysfs_node){ it->dir.obj, slot }, buf, sizeof(buf)))
		return NULL;
	if (!it->names)
		it->names = g_string_chunk_new(64);
	return g_string_chunk_insert(it->names, buf);
}

static void own_gather(struct dir_iter *it)
{
	unsigned int n = it->dir.obj->ktype->nentries;

	it->own = g_new(struct own_entry, n);
	for (unsigned int s = 0; s < n; s++) {
		const char *name;

		if (!sysfs_is_own_child(it->dir, s) || !(name = own_name(it, s)))
			continue;
		sysfs_key_init(&it->own[it->nown].key, name);
		it->own[it->nown++].slot = s;
	}
	qsort(it->own, it->nown, sizeof(*it->own), own_cmp);
}

static void coll_fetch(struct dir_iter *it)
{
	struct sysfs_key from = it->after;

	it->coll_more = false;
	if (!it->coll)
		return;
	while (it->coll->next(it->dir.obj, &from, &it->coll_child, &it->coll_key,
			      &it->coll_cursor)) {
		if (sysfs_visible(it->coll_child)) {
			it->coll_more = true;
			return;
		}
		from = *it->coll_key;
	}
}

static void iter_init(struct dir_iter *it, struct sysfs_node dir,
		      const struct sysfs_coll *coll, uint32_t hash)
{
	*it = (struct dir_iter){ .dir = dir, .coll = coll,
				 .after = { .hash = hash, .name = NULL } };
	own_gather(it);
	while (it->next_own < it->nown &&
	       sysfs_key_cmp(&it->own[it->next_own].key, &it->after) <= 0)
		it->next_own++;
	coll_fetch(it);
}

static void iter_fini(struct dir_iter *it)
{
	g_free(it->own);
	if (it->names)
		g_string_chunk_free(it->names);
}

/* The next entry in order; false at the end.  A name both in the table and
 * in the collection (which the tables never make) would be given once. */
static bool iter_next(struct dir_iter *it, struct dir_entry *e)
{
	const struct own_entry *own = it->next_own < it->nown ?
				      &it->own[it->next_own] : NULL;

	if (own && (!it->coll_more || sysfs_key_cmp(&own->key, it->coll_key) <= 0)) {
		*e = (struct dir_entry){ { it->dir.obj, own->slot }, &own->key };
		it->next_own++;
	} else if (it->coll_more) {
		*e = (struct dir_entry){ it->coll_child, it->coll_key };
	} else {
		return false;
	}
	it->after = *e->key;
	if (it->coll_more && sysfs_key_cmp(it->coll_key, &it->after) <= 0)
		coll_fetch(it);
	return true;
}

/* Where an entry is: its hash, and its rank among the names of that hash
 * in this pass. */
static uint64_t pos_of(const struct sysfs_key *key, unsigned int rank)
{
	return (uint64_t)rank << 32 | key->hash;
}

/* Lists ".." (if @off asks for it) and the entries from @off on. */
static void list_from(struct dir_iter *it, uint64_t off, struct sysfs_node up,
		      sysfs_filldir_t fill, void *ctx)
{
	unsigned int skip = (unsigned int)(off >> 32), rank = 0;
	uint32_t hash = (uint32_t)off;
	struct dir_entry cur, next;
	bool more = iter_next(it, &cur);

	/* Names of the run at @off that the pass has listed already. */
	for (; more && skip && cur.key->hash == hash; skip--, rank++)
		more = iter_next(it, &cur);
	if (more && cur.key->hash != hash)
		rank = 0;
	if (off < 2 && !fill(ctx, "..", up, more ? pos_of(cur.key, rank) : SYSFS_POS_END))
		return;
	while (more) {
		bool after = iter_next(it, &next);
		unsigned int nrank = after && next.key->hash == cur.key->hash ? rank + 1 : 0;

		if (!fill(ctx, cur.key->name, cur.node,
			  after ? pos_of(next.key, nrank) : SYSFS_POS_END))
			return;
		cur = next;
		rank = nrank;
		more = after;
	}
}

/* A position the pass can go on from: a hash in range, or the dots. */
static bool pos_valid(uint64_t off)
{
	uint32_t hash = (uint32_t)off;

	return off < 2 || (hash >= 2 && hash < SYSFS_POS_END);
}

int sysfs_readdir(struct sysfs_node dir, uint64_t off, sysfs_filldir_t fill,
		  void *ctx)
{
	const struct sysfs_entry *ent = sysfs_entry(dir);
	const struct sysfs_entry *dent = sysfs_visible_dir(dir);
	struct sysfs_node up = dir;
	struct dir_iter it;

	sysfs_assert_locked();
	if (!ent || !S_ISDIR(ent->mode))
		return -ENOENT;
	if (off < 1 && !fill(ctx, ".", dir, 1))
		return 0;
	sysfs_container(dir, &up);
	/* A directory removed under an open fd lists only its dots, as
	 * kernfs_fop_readdir() does (kernfs_dir_pos() skips the dead). */
	if (!dent) {
		if (off < 2)
			fill(ctx, "..", up, SYSFS_POS_END);
		return 0;
	}
	if (!pos_valid(off))
		return 0;
	iter_init(&it, dir, dent->coll, off < 2 ? 0 : (uint32_t)off);
	list_from(&it, off, up, fill, ctx);
	iter_fini(&it);
	return 0;
}
