// SPDX-License-Identifier: MIT
/*
 * What surrounds a parent device in sysfs and comes and goes with it: the
 * directories leading to it under devices/, its class or bus directory and
 * the mdev driver it names.  (The kernel has these before mdev sees the
 * parent; here a parent's device_add() creates them.)
 *
 * Everything here is changed under sysfs_rwsem held exclusively.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mdev_private.h"

static struct mdev_pathdir devices_dir; /* devices/, never goes away */
static GTree *subsystems;               /* id -> visible subsys */
static GTree *drivers;                  /* id -> visible driver */

struct mdev_pathdir *mdev_devices_dir(void) { return &devices_dir; }
GTree *mdev_subsystems(void) { return subsystems; }
GTree *mdev_drivers(void) { return drivers; }

void mdev_tree_init(void)
{
	kobj_init(&devices_dir.kobj, &pathdir_ktype);
	devices_dir.kobj.flags = OBJ_F_VISIBLE;
	devices_dir.name = "devices";
	devices_dir.children = id_tree_new();
	subsystems = id_tree_new();
	drivers = id_tree_new();
}

void mdev_tree_fini(void)
{
	g_tree_destroy(drivers);
	g_tree_destroy(subsystems);
	g_tree_destroy(devices_dir.children);
}

struct name_search {
	const char *name;
	struct kobj *found;
};

static const char *kobj_name(struct kobj *obj)
{
	if (obj->ktype == &pathdir_ktype)
		return to_pathdir(obj)->name;
	if (obj->ktype == &parent_ktype)
		return to_parent(obj)->name;
	if (obj->ktype == &subsys_ktype)
		return to_subsys(obj)->name;
	return to_driver(obj)->name;
}

static gboolean match_name(gpointer key, gpointer value, gpointer data)
{
	struct name_search *s = data;

	(void)key;
	if (strcmp(kobj_name(value), s->name) != 0)
		return FALSE;
	s->found = value;
	return TRUE;
}

/* The object called @name in @tree: these trees are small. */
struct kobj *id_tree_find_name(GTree *tree, const char *name)
{
	struct name_search s = { name, NULL };

	g_tree_foreach(tree, match_name, &s);
	return s.found;
}

void pathdir_release(struct kobj *kobj)
{
	struct mdev_pathdir *dir = to_pathdir(kobj);

	g_tree_destroy(dir->children);
	kobj_put(&dir->up->kobj);
	g_free(dir->name);
	g_free(dir);
}

static struct mdev_pathdir *pathdir_new(struct mdev_pathdir *up,
					const char *name)
{
	struct mdev_pathdir *dir = g_new0(struct mdev_pathdir, 1);

	kobj_init(&dir->kobj, &pathdir_ktype);
	dir->name = g_strdup(name);
	dir->up = up;
	kobj_get(&up->kobj);
	dir->children = id_tree_new();
	id_tree_insert(up->children, &dir->kobj);
	sysfs_update_locked(&dir->kobj, OBJ_F_VISIBLE, 0);
	return dir;
}

/* Removes empty directories from @dir upwards, as cleanup_glue_dir(). */
static void pathdir_prune(struct mdev_pathdir *dir)
{
	while (dir != &devices_dir && g_tree_nnodes(dir->children) == 0) {
		struct mdev_pathdir *up = dir->up;

		sysfs_update_locked(&dir->kobj, 0, OBJ_F_VISIBLE);
		id_tree_remove(up->children, &dir->kobj);
		kobj_put(&dir->kobj);
		dir = up;
	}
}

/* Walks @path ("devices/a/b/name") creating directories; returns the one
 * that will hold the parent, or NULL when a parent is in the way. */
static struct mdev_pathdir *pathdir_walk(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	struct mdev_pathdir *dir = &devices_dir;
	guint n = g_strv_length(parts);

	for (guint i = 1; i + 1 < n; i++) {
		struct kobj *child = id_tree_find_name(dir->children, parts[i]);

		if (child && child->ktype != &pathdir_ktype)
			return NULL;
		dir = child ? to_pathdir(child) : pathdir_new(dir, parts[i]);
	}
	return dir;
}

void subsys_release(struct kobj *kobj)
{
	struct mdev_subsys *subsys = to_subsys(kobj);

	g_tree_destroy(subsys->parents);
	g_free(subsys->name);
	g_free(subsys);
}

static gboolean match_subsys(gpointer key, gpointer value, gpointer data)
{
	struct mdevfs_parent *parent = data;
	struct mdev_subsys *subsys = value;

	(void)key;
	if (subsys->bus != parent->subsys_bus ||
	    strcmp(subsys->name, parent->subsys_name) != 0)
		return FALSE;
	parent->subsys = subsys;
	return TRUE;
}

static void subsys_attach(struct mdevfs_parent *parent)
{
	struct mdev_subsys *subsys;

	g_tree_foreach(subsystems, match_subsys, parent);
	if (!parent->subsys) {
		subsys = g_new0(struct mdev_subsys, 1);
		kobj_init(&subsys->kobj, &subsys_ktype);
		subsys->name = g_strdup(parent->subsys_name);
		subsys->bus = parent->subsys_bus;
		subsys->parents = id_tree_new();
		id_tree_insert(subsystems, &subsys->kobj);
		sysfs_update_locked(&subsys->kobj, OBJ_F_VISIBLE, 0);
		parent->subsys = subsys;
	}
	id_tree_insert(parent->subsys->parents, &parent->kobj);
}

static void subsys_detach(struct mdevfs_parent *parent)
{
	struct mdev_subsys *subsys = move_ptr(parent->subsys);

	id_tree_remove(subsys->parents, &parent->kobj);
	if (g_tree_nnodes(subsys->parents))
		return;
	sysfs_update_locked(&subsys->kobj, 0, OBJ_F_VISIBLE);
	id_tree_remove(subsystems, &subsys->kobj);
	kobj_put(&subsys->kobj);
}

void driver_release(struct kobj *kobj)
{
	struct mdev_driver *drv = to_driver(kobj);

	g_tree_destroy(drv->devices);
	g_free(drv->name);
	g_free(drv);
}

static void driver_attach(struct mdevfs_parent *parent)
{
	struct kobj *found = id_tree_find_name(drivers, parent->driver_name);
	struct mdev_driver *drv;

	if (found) {
		drv = to_driver(found);
	} else {
		drv = g_new0(struct mdev_driver, 1);
		kobj_init(&drv->kobj, &driver_ktype);
		drv->name = g_strdup(parent->driver_name);
		drv->devices = id_tree_new();
		id_tree_insert(drivers, &drv->kobj);
		sysfs_update_locked(&drv->kobj, OBJ_F_VISIBLE, 0);
	}
	drv->users++;
	parent->driver = drv;
}

static void driver_detach(struct mdevfs_parent *parent)
{
	struct mdev_driver *drv = move_ptr(parent->driver);

	if (--drv->users)
		return;
	sysfs_update_locked(&drv->kobj, 0, OBJ_F_VISIBLE);
	id_tree_remove(drivers, &drv->kobj);
	kobj_put(&drv->kobj);
}

static gboolean match_parent_name(gpointer key, gpointer value, gpointer data)
{
	struct name_search *s = data;

	(void)key;
	s->found = id_tree_find_name(to_subsys(value)->parents, s->name);
	return s->found != NULL;
}

/* Parent names are unique: they name the links in class/mdev_bus. */
static bool parent_name_taken(const char *name)
{
	struct name_search s = { name, NULL };

	g_tree_foreach(subsystems, match_parent_name, &s);
	return s.found != NULL;
}

int mdev_parent_add(struct mdevfs_parent *parent)
{
	const char *base = strrchr(parent->path, '/');
	struct mdev_pathdir *dir;
	int ret = -EEXIST;

	sysfs_write_lock();
	if ((parent->kobj.flags & PARENT_F_DEVICE) ||
	    parent_name_taken(parent->name))
		goto out;
	dir = pathdir_walk(parent->path);
	if (!dir || id_tree_find_name(dir->children, base + 1)) {
		if (dir)
			pathdir_prune(dir);
		goto out;
	}
	parent->dir = dir;
	kobj_get(&dir->kobj);
	id_tree_insert(dir->children, &parent->kobj);
	subsys_attach(parent);
	driver_attach(parent);
	sysfs_update_locked(&parent->kobj, PARENT_F_DEVICE, 0);
	ret = 0;
out:
	sysfs_write_unlock();
	if (ret)
		log_err("%s: cannot add %s: a device of that name or path "
			"is already there", parent->name, parent->path);
	else
		mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_ADD, NULL);
	return ret;
}

void mdev_parent_del(struct mdevfs_parent *parent)
{
	struct mdev_pathdir *dir;

	sysfs_write_lock();
	if (!(parent->kobj.flags & PARENT_F_DEVICE)) {
		sysfs_write_unlock();
		return;
	}
	sysfs_update_locked(&parent->kobj, 0, PARENT_F_DEVICE);
	driver_detach(parent);
	subsys_detach(parent);
	dir = move_ptr(parent->dir);
	id_tree_remove(dir->children, &parent->kobj);
	pathdir_prune(dir);
	sysfs_write_unlock();
	kobj_put(&dir->kobj);
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_REMOVE, NULL);
}

