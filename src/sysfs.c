// SPDX-License-Identifier: MIT
/*
 * The table-driven tree: lookup, readdir, attributes, symlink targets and
 * the visibility changes the core makes.  Generic: it knows nothing of mdev.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "macro.h"
#include "sysfs_internal.h"

static struct lock_rw sysfs_rwsem; /* LOCK_SYSFS: see sysfs.h */
static struct kobj *root_obj;
static sysfs_gone_fn *gone_fn; /* set at init */
static sysfs_changed_fn *changed_fn;
static void *gone_ctx;
static uid_t owner_uid; /* set before mounting */
static gid_t owner_gid;

/* chmod/chown by root, kept like kernfs keeps an inode's iattrs. */
struct override {
	struct sysfs_node node;
	mode_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};
static struct lock_mutex overrides_lock = LOCK_MUTEX_INIT(LOCK_OVERRIDES);
static GHashTable *overrides; /* node -> struct override; overrides_lock */

/* Slots are small numbers and objects aligned addresses: the slot is
 * spread over the bits (golden ratio) so nodes of one object differ in
 * more than the lowest. */
unsigned int sysfs_node_hash(const void *key)
{
	const struct sysfs_node *n = key;

	return g_direct_hash(n->obj) ^ (n->slot * 0x9e3779b9u);
}

int sysfs_node_equal(const void *a, const void *b)
{
	const struct sysfs_node *x = a, *y = b;

	return x->obj == y->obj && x->slot == y->slot;
}

void sysfs_init(struct kobj *root, sysfs_gone_fn *gone,
		sysfs_changed_fn *changed, void *ctx)
{
	gone_fn = gone;
	changed_fn = changed;
	gone_ctx = ctx;
	/* Writers (the core) must not starve behind a storm of lookups. */
	lock_rw_init(&sysfs_rwsem, LOCK_SYSFS);
	root_obj = root;
	overrides = g_hash_table_new_full(sysfs_node_hash, sysfs_node_equal, NULL, g_free);
}

void sysfs_fini(void)
{
	lock_mutex(&overrides_lock);
	g_clear_pointer(&overrides, g_hash_table_destroy);
	unlock_mutex(&overrides_lock);
	sysfs_xattr_fini();
	lock_rw_destroy(&sysfs_rwsem);
	gone_fn = NULL;
	changed_fn = NULL;
}

void sysfs_set_owner(uid_t uid, gid_t gid)
{
	owner_uid = uid;
	owner_gid = gid;
}

struct sysfs_node sysfs_root(void)
{
	return (struct sysfs_node){ root_obj, 0 };
}

void sysfs_read_lock(void)    { lock_read(&sysfs_rwsem); }
void sysfs_read_unlock(void)  { unlock_rw(&sysfs_rwsem); }
void sysfs_write_lock(void)   { lock_write(&sysfs_rwsem); }
void sysfs_write_unlock(void) { unlock_rw(&sysfs_rwsem); }
void sysfs_assert_locked(void) { lock_assert_held(&sysfs_rwsem); }

const struct sysfs_entry *sysfs_entry(struct sysfs_node n)
{
	const struct kobj_type *kt = n.obj->ktype;
	const struct sysfs_entry *ent = NULL;

	if (n.slot < kt->nentries)
		ent = &kt->entries[n.slot];
	else if (kt->extra_entry)
		ent = kt->extra_entry(n.obj, n.slot);
	return ent && ent->mode ? ent : NULL;
}

static bool visible_with(struct kobj *obj, const struct sysfs_entry *ent,
			 unsigned int flags)
{
	if ((flags & ent->needs) != ent->needs)
		return false;
	return !ent->is_visible || ent->is_visible(obj);
}

bool sysfs_visible(struct sysfs_node n)
{
	const struct sysfs_entry *ent = sysfs_entry(n);

	return ent && visible_with(n.obj, ent, n.obj->flags);
}

int sysfs_name(struct sysfs_node n, char *buf, size_t size)
{
	const struct sysfs_entry *ent = sysfs_entry(n);

	if (!ent)
		return -ENOENT;
	if (ent->get_name)
		return ent->get_name(n.obj, ent, buf, size);
	if (g_strlcpy(buf, ent->name, size) >= size)
		return -ENAMETOOLONG;
	return 0;
}

bool sysfs_container(struct sysfs_node n, struct sysfs_node *dir)
{
	const struct sysfs_entry *ent = sysfs_entry(n);

	if (!ent)
		return false;
	if (ent->dir != SYSFS_NO_DIR) {
		*dir = (struct sysfs_node){ n.obj, ent->dir };
		return true;
	}
	if (!ent->container)
		return false;
	ent->container(n.obj, dir);
	return true;
}

bool sysfs_is_own_child(struct sysfs_node dir, unsigned int slot)
{
	const struct kobj_type *kt = dir.obj->ktype;

	if (slot == dir.slot || !kt->entries[slot].mode ||
	    kt->entries[slot].dir != dir.slot)
		return false;
	return sysfs_visible((struct sysfs_node){ dir.obj, slot });
}

const struct sysfs_entry *sysfs_visible_dir(struct sysfs_node dir)
{
	const struct sysfs_entry *ent = sysfs_entry(dir);

	if (!ent || !S_ISDIR(ent->mode) || !visible_with(dir.obj, ent, dir.obj->flags))
		return NULL;
	return ent;
}

int sysfs_lookup(struct sysfs_node dir, const char *name,
		 struct sysfs_node *child)
{
	const struct sysfs_entry *dent = sysfs_visible_dir(dir);
	char buf[NAME_MAX + 1];

	lock_assert_held(&sysfs_rwsem);
	if (!dent)
		return -ENOENT;
	for (unsigned int slot = 0; slot < dir.obj->ktype->nentries; slot++) {
		struct sysfs_node n = { dir.obj, slot };

		if (!sysfs_is_own_child(dir, slot))
			continue;
		if (sysfs_name(n, buf, sizeof(buf)) == 0 && !strcmp(buf, name)) {
			*child = n;
			return 0;
		}
	}
	if (dent->coll && dent->coll->lookup(dir.obj, name, child) == 0 &&
	    sysfs_visible(*child))
		return 0;
	return -ENOENT;
}

uint64_t sysfs_ino(struct sysfs_node n)
{
	return (n.obj->id << 8) | n.slot;
}

/* nlink of a directory: 2 + its visible subdirectories. */
static nlink_t dir_nlink(struct sysfs_node dir, const struct sysfs_entry *dent)
{
	nlink_t nlink = 2;

	for (unsigned int s = 0; s < dir.obj->ktype->nentries; s++)
		if (sysfs_is_own_child(dir, s) &&
		    S_ISDIR(dir.obj->ktype->entries[s].mode))
			nlink++;
	if (dent->coll && dent->coll->nsubdirs)
		nlink += dent->coll->nsubdirs(dir.obj);
	return nlink;
}

int sysfs_getattr(struct sysfs_node n, struct stat *st)
{
	const struct sysfs_entry *ent = sysfs_entry(n);
	struct override *ov;

	/* Whether @n is visible is the lookup's question: like
	 * kernfs_iop_getattr(), fstat() of an fd whose node was removed
	 * still answers. */
	lock_assert_held(&sysfs_rwsem);
	if (!ent)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_ino = sysfs_ino(n);
	st->st_mode = ent->mode;
	st->st_nlink = S_ISDIR(ent->mode) ? dir_nlink(n, ent) : 1;
	st->st_size = S_ISREG(ent->mode) ? PAGE_SIZE : 0;
	st->st_blksize = PAGE_SIZE;
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_atim = st->st_mtim = st->st_ctim = n.obj->ctime;
	lock_mutex(&overrides_lock);
	ov = g_hash_table_lookup(overrides, &n);
	if (ov) {
		st->st_mode = (ent->mode & S_IFMT) | ov->mode;
		st->st_uid = ov->uid;
		st->st_gid = ov->gid;
	}
	unlock_mutex(&overrides_lock);
	return 0;
}

int sysfs_setattr(struct sysfs_node n, const mode_t *mode, const uid_t *uid,
		  const gid_t *gid)
{
	const struct sysfs_entry *ent = sysfs_entry(n);
	struct override *ov;
	int ret = 0;

	sysfs_read_lock();
	if (!ent || !sysfs_visible(n)) {
		ret = -ENOENT;
		goto out;
	}
	if (!mode && !uid && !gid)
		goto out; /* a truncation: nothing to keep */
	lock_mutex(&overrides_lock);
	ov = g_hash_table_lookup(overrides, &n);
	if (!ov) {
		ov = g_new0(struct override, 1);
		ov->node = n;
		ov->mode = ent->mode & 07777;
		ov->uid = owner_uid;
		ov->gid = owner_gid;
		g_hash_table_insert(overrides, &ov->node, ov);
	}
	if (mode)
		ov->mode = *mode & 07777;
	if (uid)
		ov->uid = *uid;
	if (gid)
		ov->gid = *gid;
	unlock_mutex(&overrides_lock);
out:
	sysfs_read_unlock();
	return ret;
}

static gboolean override_of(gpointer key, gpointer value, gpointer obj)
{
	(void)value;
	return ((struct sysfs_node *)key)->obj == obj;
}

void sysfs_forget_obj(struct kobj *obj)
{
	lock_mutex(&overrides_lock);
	if (overrides && g_hash_table_size(overrides))
		g_hash_table_foreach_remove(overrides, override_of, obj);
	unlock_mutex(&overrides_lock);
	sysfs_xattr_forget(obj);
}

/* Path of @n from the root, e.g. "bus/mdev/devices"; "" for the root. */
static int node_path(struct sysfs_node n, char *buf, size_t size)
{
	struct sysfs_node up;
	char name[NAME_MAX + 1];
	int ret;

	if (!sysfs_container(n, &up)) {
		buf[0] = '\0';
		return 0;
	}
	ret = node_path(up, buf, size);
	if (ret)
		return ret;
	ret = sysfs_name(n, name, sizeof(name));
	if (ret)
		return ret;
	if ((buf[0] && g_strlcat(buf, "/", size) >= size) ||
	    g_strlcat(buf, name, size) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int sysfs_path(struct sysfs_node n, char *buf, size_t size)
{
	int ret;

	sysfs_read_lock();
	ret = node_path(n, buf, size);
	sysfs_read_unlock();
	return ret;
}

int sysfs_rel_link(const char *from, const char *to, char *buf, size_t size)
{
	g_auto(GStrv) f = g_strsplit(from, "/", -1);
	g_auto(GStrv) t = g_strsplit(to, "/", -1);
	guint nf = from[0] ? g_strv_length(f) : 0;
	guint nt = g_strv_length(t);
	guint k = 0;

	/* kernfs climbs from the link's directory to the first ancestor that
	 * also holds the target's parent directory. */
	while (k < nf && k + 1 < nt && !strcmp(f[k], t[k]))
		k++;
	buf[0] = '\0';
	for (guint i = k; i < nf; i++)
		if (g_strlcat(buf, "../", size) >= size)
			return -ENAMETOOLONG;
	for (guint i = k; i < nt; i++) {
		if (i > k && g_strlcat(buf, "/", size) >= size)
			return -ENAMETOOLONG;
		if (g_strlcat(buf, t[i], size) >= size)
			return -ENAMETOOLONG;
	}
	return 0;
}

ssize_t sysfs_readlink(struct sysfs_node n, char *buf, size_t size)
{
	const struct sysfs_entry *ent = sysfs_entry(n);
	char from[PATH_MAX], to[PATH_MAX];
	struct sysfs_node dir;
	int ret = -ENOENT;

	if (!ent || !S_ISLNK(ent->mode))
		return -EINVAL;
	sysfs_read_lock();
	if (sysfs_visible(n) && sysfs_container(n, &dir)) {
		ret = node_path(dir, from, sizeof(from));
		if (!ret)
			ret = ent->target(n.obj, to, sizeof(to));
	}
	sysfs_read_unlock();
	if (ret)
		return ret;
	ret = sysfs_rel_link(from, to, buf, size);
	return ret ? ret : (ssize_t)strlen(buf);
}

static struct lock_rw *active_sem(struct sysfs_node n,
				    const struct sysfs_entry *ent)
{
	if (!(ent->flags & SYSFS_ACTIVE) || !n.obj->ktype->active_sem)
		return NULL;
	return n.obj->ktype->active_sem(n.obj);
}

/* Runs show or store the way kernfs does: on a live entry, with the
 * object's active_sem held shared if the entry asks for it. */
static ssize_t call_attr(struct sysfs_node n, char *out, const char *in,
			 size_t count, struct mdev_store_ctx *sc, bool again)
{
	const struct sysfs_entry *ent = sysfs_entry(n);
	struct lock_rw *sem;
	ssize_t ret;
	bool live;

	if (!ent || !S_ISREG(ent->mode))
		return -EINVAL;
	if (out ? !ent->show : !ent->store)
		return -EIO;
	sem = active_sem(n, ent);
	if (sem)
		lock_read(sem);
	sysfs_read_lock();
	live = again || sysfs_visible(n);
	sysfs_read_unlock();
	if (!live)
		ret = -ENODEV;
	else if (out)
		ret = ent->show(n.obj, ent, out);
	else
		ret = ent->store(n.obj, ent, in, count, sc);
	if (sem)
		unlock_rw(sem);
	return ret;
}

ssize_t sysfs_show(struct sysfs_node n, char *buf)
{
	return call_attr(n, buf, NULL, 0, NULL, false);
}

ssize_t sysfs_store(struct sysfs_node n, const char *buf, size_t count,
		    struct mdev_store_ctx *sc)
{
	return call_attr(n, NULL, buf, count, sc, false);
}

ssize_t sysfs_store_again(struct sysfs_node n, const char *buf, size_t count,
			  struct mdev_store_ctx *sc)
{
	return call_attr(n, NULL, buf, count, sc, true);
}

/* Entry @n (@ent) appears or vanishes as its flags go from @old to @new:
 * tells the host what its caches hold of it, the vanished entry before
 * its directory's changed nlink (the host may find the first covers the
 * second).  An entry of a directory of its own object that appears or
 * vanishes with it is left out: dropping the directory's dentry drops
 * everything in it, and a new directory has nothing cached. */
static void entry_changed(struct sysfs_node n, const struct sysfs_entry *ent,
			  unsigned int old, unsigned int new,
			  const struct mdev_store_ctx *sc)
{
	char name[NAME_MAX + 1];
	struct sysfs_node dir;
	const struct sysfs_entry *dent;

	if (!sysfs_container(n, &dir))
		return;
	dent = sysfs_entry(dir);
	if (dir.obj == n.obj && !(visible_with(n.obj, dent, old) &&
				  visible_with(n.obj, dent, new)))
		return;
	if (!visible_with(n.obj, ent, new) && gone_fn &&
	    sysfs_name(n, name, sizeof(name)) == 0)
		gone_fn(gone_ctx, sc, dir, n, name);
	if (S_ISDIR(ent->mode) && changed_fn)
		changed_fn(gone_ctx, sc, dir);
}

/* Slot @s of @obj if it changes visibility from @old to @new: tells the
 * host; false if @obj has no slot @s. */
static bool slot_update(struct kobj *obj, unsigned int s, unsigned int old,
			unsigned int new, const struct mdev_store_ctx *sc)
{
	struct sysfs_node n = { obj, s };
	const struct sysfs_entry *ent = sysfs_entry(n);

	if (ent && visible_with(obj, ent, old) != visible_with(obj, ent, new))
		entry_changed(n, ent, old, new, sc);
	return ent != NULL;
}

void sysfs_update_locked(struct kobj *obj, unsigned int set,
			 unsigned int clear, const struct mdev_store_ctx *sc)
{
	unsigned int old = obj->flags, new = (old | set) & ~clear;
	const struct kobj_type *kt = obj->ktype;

	lock_assert_held_write(&sysfs_rwsem);
	obj->flags = new;
	if (old == new || (!gone_fn && !changed_fn))
		return;
	for (unsigned int s = 0; s < kt->nentries; s++)
		slot_update(obj, s, old, new, sc);
	for (unsigned int s = kt->extra_first; kt->extra_entry && s < SYSFS_MAX_SLOTS; s++)
		if (!slot_update(obj, s, old, new, sc))
			break;
}

void sysfs_update(struct kobj *obj, unsigned int set, unsigned int clear,
		  const struct mdev_store_ctx *sc)
{
	sysfs_write_lock();
	sysfs_update_locked(obj, set, clear, sc);
	sysfs_write_unlock();
}

bool sysfs_remove_self(struct kobj *obj, unsigned int flag,
		       const struct mdev_store_ctx *sc)
{
	bool won;

	sysfs_write_lock();
	won = obj->flags & flag;
	if (won)
		sysfs_update_locked(obj, 0, flag, sc);
	sysfs_write_unlock();
	return won;
}

void sysfs_drain(struct kobj *obj)
{
	struct lock_rw *sem = obj->ktype->active_sem(obj);

	lock_write(sem);
	unlock_rw(sem);
}
