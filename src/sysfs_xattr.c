// SPDX-License-Identifier: MIT
/*
 * Extended attributes of the tree's nodes, kept in memory as kernfs keeps
 * them (simple_xattr, Linux 6.1): root may set trusted.* and security.*
 * on any node; user.* is refused (sysfs's root does not support it), but a
 * get of it finds nothing; other namespaces are not sysfs's.  A node's
 * list is newest first, a replaced value keeps its place.  The attributes
 * belong to the node's object and go with it (sysfs_forget_obj()): an fd
 * on a removed node still has them, a device made again has none.
 *
 * The VFS decides who may (trusted.* needs CAP_SYS_ADMIN, security.* too
 * for a change) before any of this is asked; only the list, where kernfs
 * leaves out trusted.* for other callers, is told who asks.
 */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include <linux/xattr.h> /* the XATTR_*_PREFIX names */

#include <glib.h>

#include "lock.h"
#include "sysfs.h"

struct xattr {
	char *name;
	size_t size;
	char value[];
};

/* The attributes of one node, by sysfs_ino(), which is never reused. */
struct node_xattrs {
	uint64_t ino;
	uint64_t obj_id; /* whose release drops them */
	GQueue list;     /* of struct xattr, newest first */
};

/* Leaf lock: held briefly, never around another lock. */
static struct lock_mutex xattrs_lock = LOCK_MUTEX_INIT(LOCK_XATTRS);
static GHashTable *xattrs; /* &ino -> struct node_xattrs; xattrs_lock */

static void xattr_free(gpointer data)
{
	struct xattr *x = data;

	g_free(x->name);
	g_free(x);
}

static void node_free(gpointer data)
{
	struct node_xattrs *nx = data;

	g_queue_clear_full(&nx->list, xattr_free);
	g_free(nx);
}

/* kernfs's handlers (kernfs_xattr_handlers): a name is one of their
 * prefixes and at least a byte more. */
static int name_check(const char *name, bool *user)
{
	static const char *const prefixes[] = {
		XATTR_TRUSTED_PREFIX, XATTR_SECURITY_PREFIX, XATTR_USER_PREFIX,
	};

	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		size_t len = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], len) != 0)
			continue;
		*user = i == 2;
		return name[len] ? 0 : -EINVAL;
	}
	return -EOPNOTSUPP;
}

/* @n's list, made if @make; xattrs_lock held. */
static struct node_xattrs *node_list(struct sysfs_node n, bool make)
{
	uint64_t ino = sysfs_ino(n);
	struct node_xattrs *nx;

	if (!xattrs) {
		if (!make)
			return NULL;
		xattrs = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					       NULL, node_free);
	}
	nx = g_hash_table_lookup(xattrs, &ino);
	if (!nx && make) {
		nx = g_new0(struct node_xattrs, 1);
		nx->ino = ino;
		nx->obj_id = n.obj->id;
		g_queue_init(&nx->list);
		g_hash_table_insert(xattrs, &nx->ino, nx);
	}
	return nx;
}

static GList *find(struct node_xattrs *nx, const char *name)
{
	if (!nx)
		return NULL;
	for (GList *l = nx->list.head; l; l = l->next)
		if (!strcmp(((struct xattr *)l->data)->name, name))
			return l;
	return NULL;
}

/* simple_xattr_set(): @value NULL removes. */
static int set_locked(struct sysfs_node n, const char *name, const void *value,
		      size_t size, int flags)
{
	struct node_xattrs *nx;
	struct xattr *x;
	GList *old;

	lock_assert_held(&xattrs_lock);
	nx = node_list(n, value != NULL);
	old = find(nx, name);

	if (old && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & XATTR_REPLACE || !value))
		return -ENODATA;
	if (!value) {
		xattr_free(old->data);
		g_queue_delete_link(&nx->list, old);
		if (g_queue_is_empty(&nx->list))
			g_hash_table_remove(xattrs, &nx->ino);
		return 0;
	}
	x = g_malloc(sizeof(*x) + size);
	x->name = g_strdup(name);
	x->size = size;
	memcpy(x->value, value, size);
	if (old) {
		xattr_free(old->data);
		old->data = x;
	} else {
		g_queue_push_head(&nx->list, x);
	}
	return 0;
}

int sysfs_setxattr(struct sysfs_node n, const char *name, const void *value,
		   size_t size, int flags)
{
	bool user;
	int ret = name_check(name, &user);

	if (ret)
		return ret;
	if (user)
		return -EOPNOTSUPP; /* kernfs_vfs_user_xattr_set() */
	lock_mutex(&xattrs_lock);
	ret = set_locked(n, name, value ? value : "", size, flags);
	unlock_mutex(&xattrs_lock);
	return ret;
}

int sysfs_removexattr(struct sysfs_node n, const char *name)
{
	bool user;
	int ret = name_check(name, &user);

	if (ret)
		return ret;
	if (user)
		return -EOPNOTSUPP;
	lock_mutex(&xattrs_lock);
	ret = set_locked(n, name, NULL, 0, 0);
	unlock_mutex(&xattrs_lock);
	return ret;
}

ssize_t sysfs_getxattr(struct sysfs_node n, const char *name, void *buf,
		       size_t size)
{
	const struct xattr *x;
	bool user;
	ssize_t ret = name_check(name, &user);
	GList *l;

	if (ret)
		return ret;
	lock_mutex(&xattrs_lock);
	l = find(node_list(n, false), name);
	x = l ? l->data : NULL;
	if (!x)
		ret = -ENODATA;
	else if (size && size < x->size)
		ret = -ERANGE;
	else
		ret = (ssize_t)x->size;
	if (x && size && ret >= 0)
		memcpy(buf, x->value, x->size);
	unlock_mutex(&xattrs_lock);
	return ret;
}

ssize_t sysfs_listxattr(struct sysfs_node n, bool trusted, char *buf,
			size_t size)
{
	struct node_xattrs *nx;
	size_t used = 0;

	lock_mutex(&xattrs_lock);
	nx = node_list(n, false);
	for (GList *l = nx ? nx->list.head : NULL; l; l = l->next) {
		const struct xattr *x = l->data;
		size_t len = strlen(x->name) + 1;

		if (!trusted && g_str_has_prefix(x->name, XATTR_TRUSTED_PREFIX))
			continue;
		if (size && used + len > size) {
			used = SIZE_MAX;
			break;
		}
		if (size)
			memcpy(buf + used, x->name, len);
		used += len;
	}
	unlock_mutex(&xattrs_lock);
	return used == SIZE_MAX ? -ERANGE : (ssize_t)used;
}

static gboolean of_object(gpointer key, gpointer value, gpointer id)
{
	(void)key;
	return ((const struct node_xattrs *)value)->obj_id == *(const uint64_t *)id;
}

void sysfs_xattr_forget(const struct kobj *obj)
{
	lock_mutex(&xattrs_lock);
	if (xattrs && g_hash_table_size(xattrs))
		g_hash_table_foreach_remove(xattrs, of_object, (gpointer)&obj->id);
	unlock_mutex(&xattrs_lock);
}

void sysfs_xattr_fini(void)
{
	lock_mutex(&xattrs_lock);
	g_clear_pointer(&xattrs, g_hash_table_destroy);
	unlock_mutex(&xattrs_lock);
}
