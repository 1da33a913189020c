// SPDX-License-Identifier: MIT
/*
 * The kernel's inodes: one handle per node it has looked up, with the
 * lookup count of the FUSE protocol.  Like passthrough_ll.c, the handle's
 * address is its fuse_ino_t; the table finds the handle of a node.
 *
 * Writable attributes are the exception: a lookup gets a handle no open
 * file shares, so each opener locks an inode of its own (see fuse_ops.c):
 * the one whose files were all released last (its spare), so that one
 * writer after another keeps one inode and the kernel's dentry of it stays
 * valid, or a new one.
 */
#include <stdlib.h>

#include <glib.h>

#include "fs.h"

static struct lock_mutex handles_lock = LOCK_MUTEX_INIT(LOCK_HANDLES);
static GHashTable *handles; /* struct sysfs_node -> handle; handles_lock */
static GHashTable *unshared; /* set of handles of their own; handles_lock */
static GHashTable *spares; /* node -> unshared handle, no file open; handles_lock */
static struct handle root_handle;

_Static_assert(sizeof(fuse_ino_t) >= sizeof(void *),
	       "a handle's address must fit in fuse_ino_t");

void handles_init(void)
{
	handles = g_hash_table_new(sysfs_node_hash, sysfs_node_equal);
	unshared = g_hash_table_new(NULL, NULL);
	spares = g_hash_table_new(sysfs_node_hash, sysfs_node_equal);
	root_handle.node = sysfs_root();
}

static void handle_free(gpointer data)
{
	struct handle *h = data;

	kobj_put(h->node.obj);
	free(h);
}

void handles_fini(void)
{
	GHashTableIter it;
	gpointer value;

	/* The kernel forgets nothing at unmount: drop what is left. */
	g_hash_table_destroy(spares);
	g_hash_table_iter_init(&it, handles);
	while (g_hash_table_iter_next(&it, NULL, &value))
		handle_free(value);
	g_hash_table_destroy(handles);
	g_hash_table_iter_init(&it, unshared);
	while (g_hash_table_iter_next(&it, &value, NULL))
		handle_free(value);
	g_hash_table_destroy(unshared);
}

struct handle *handle_of(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? &root_handle : (struct handle *)(uintptr_t)ino;
}

fuse_ino_t handle_ino(const struct handle *h)
{
	return h == &root_handle ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)h;
}

struct handle *handle_lookup(struct sysfs_node node)
{
	struct handle *h;

	if (node.obj == root_handle.node.obj && node.slot == root_handle.node.slot)
		return &root_handle;
	lock_mutex(&handles_lock);
	h = g_hash_table_lookup(handles, &node);
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			goto out;
		h->node = node;
		kobj_get(node.obj);
		g_hash_table_insert(handles, &h->node, h);
	}
	h->nlookup++;
out:
	unlock_mutex(&handles_lock);
	return h;
}

/* The spare of @h's node is no longer @h. */
static void drop_spare(struct handle *h)
{
	if (g_hash_table_lookup(spares, &h->node) == h)
		g_hash_table_remove(spares, &h->node);
}

void handle_forget(struct handle *h, uint64_t nlookup)
{
	bool gone;

	if (h == &root_handle)
		return;
	lock_mutex(&handles_lock);
	h->nlookup -= nlookup < h->nlookup ? nlookup : h->nlookup;
	gone = h->nlookup == 0;
	if (gone && h->unshared) {
		drop_spare(h);
		g_hash_table_remove(unshared, h);
	} else if (gone) {
		g_hash_table_remove(handles, &h->node);
	}
	unlock_mutex(&handles_lock);
	if (gone)
		handle_free(h);
}

struct handle *handle_lookup_unshared(struct sysfs_node node)
{
	struct handle *h;

	lock_mutex(&handles_lock);
	h = g_hash_table_lookup(spares, &node);
	if (h) {
		g_hash_table_remove(spares, &node);
		h->nlookup++;
		goto out;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto out;
	h->node = node;
	h->nlookup = 1;
	h->unshared = true;
	kobj_get(node.obj);
	g_hash_table_add(unshared, h);
out:
	unlock_mutex(&handles_lock);
	return h;
}

void handle_opened(struct handle *h)
{
	lock_mutex(&handles_lock);
	if (h->unshared) {
		h->opens++;
		drop_spare(h);
	}
	unlock_mutex(&handles_lock);
}

void handle_released(struct handle *h)
{
	lock_mutex(&handles_lock);
	if (h->unshared && --h->opens == 0 && h->nlookup)
		g_hash_table_replace(spares, &h->node, h); /* its key too */
	unlock_mutex(&handles_lock);
}

bool handle_find(struct sysfs_node node, fuse_ino_t *ino)
{
	struct handle *h;

	if (node.obj == root_handle.node.obj && node.slot == root_handle.node.slot) {
		*ino = FUSE_ROOT_ID;
		return true;
	}
	lock_mutex(&handles_lock);
	h = g_hash_table_lookup(handles, &node);
	if (h)
		*ino = handle_ino(h);
	unlock_mutex(&handles_lock);
	return h != NULL;
}

bool handle_detach(struct sysfs_node node, fuse_ino_t *ino)
{
	struct handle *h;

	lock_mutex(&handles_lock);
	h = g_hash_table_lookup(handles, &node);
	if (h) {
		*ino = handle_ino(h);
		g_hash_table_remove(handles, &node);
		h->unshared = true;
		g_hash_table_add(unshared, h);
	}
	unlock_mutex(&handles_lock);
	return h != NULL;
}

unsigned long handles_count(void)
{
	unsigned long n;

	lock_mutex(&handles_lock);
	n = g_hash_table_size(handles);
	unlock_mutex(&handles_lock);
	return n;
}
