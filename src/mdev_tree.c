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
/* name -> visible subsys, of class/ ([0]) and of bus/ ([1]): a class and
 * a bus may have one name */
static GTree *subsystems[2];
static GTree *drivers;                  /* name -> visible driver */

struct mdev_pathdir *mdev_devices_dir(void) { return &devices_dir; }
GTree *mdev_subsystems(bool bus) { return subsystems[bus]; }
GTree *mdev_drivers(void) { return drivers; }

void mdev_tree_init(void)
{
	kobj_init(&devices_dir.kobj, &pathdir_ktype);
	devices_dir.kobj.flags = OBJ_F_VISIBLE;
	devices_dir.name = "devices";
	devices_dir.children = name_tree_new();
	subsystems[false] = name_tree_new();
	subsystems[true] = name_tree_new();
	drivers = name_tree_new();
}

void mdev_tree_fini(void)
{
	g_tree_destroy(drivers);
	g_tree_destroy(subsystems[true]);
	g_tree_destroy(subsystems[false]);
	g_tree_destroy(devices_dir.children);
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
	sysfs_key_init(&dir->kobj.key, dir->name);
	dir->up = up;
	kobj_get(&up->kobj);
	dir->children = name_tree_new();
	kobj_tree_insert(up->children, &dir->kobj);
	sysfs_update_locked(&dir->kobj, OBJ_F_VISIBLE, 0, NULL);
	return dir;
}

/* Removes empty directories from @dir upwards, as cleanup_glue_dir(). */
static void pathdir_prune(struct mdev_pathdir *dir)
{
	while (dir != &devices_dir && g_tree_nnodes(dir->children) == 0) {
		struct mdev_pathdir *up = dir->up;

		sysfs_update_locked(&dir->kobj, 0, OBJ_F_VISIBLE, NULL);
		kobj_tree_remove(up->children, &dir->kobj);
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
		struct kobj *child = name_tree_find(dir->children, parts[i]);

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

static void subsys_attach(struct mdevfs_parent *parent)
{
	GTree *tree = subsystems[parent->subsys_bus];
	struct mdev_subsys *subsys = name_tree_find(tree, parent->subsys_name);

	parent->subsys = subsys;
	if (!subsys) {
		subsys = g_new0(struct mdev_subsys, 1);
		kobj_init(&subsys->kobj, &subsys_ktype);
		subsys->name = g_strdup(parent->subsys_name);
		sysfs_key_init(&subsys->kobj.key, subsys->name);
		subsys->bus = parent->subsys_bus;
		subsys->parents = name_tree_new();
		kobj_tree_insert(tree, &subsys->kobj);
		sysfs_update_locked(&subsys->kobj, OBJ_F_VISIBLE, 0, NULL);
		parent->subsys = subsys;
	}
	kobj_tree_insert(parent->subsys->parents, &parent->kobj);
}

static void subsys_detach(struct mdevfs_parent *parent)
{
	struct mdev_subsys *subsys = move_ptr(parent->subsys);

	kobj_tree_remove(subsys->parents, &parent->kobj);
	if (g_tree_nnodes(subsys->parents))
		return;
	sysfs_update_locked(&subsys->kobj, 0, OBJ_F_VISIBLE, NULL);
	kobj_tree_remove(subsystems[subsys->bus], &subsys->kobj);
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
	struct kobj *found = name_tree_find(drivers, parent->driver_name);
	struct mdev_driver *drv;

	if (found) {
		drv = to_driver(found);
	} else {
		drv = g_new0(struct mdev_driver, 1);
		kobj_init(&drv->kobj, &driver_ktype);
		drv->name = g_strdup(parent->driver_name);
		sysfs_key_init(&drv->kobj.key, drv->name);
		drv->devices = name_tree_new();
		kobj_tree_insert(drivers, &drv->kobj);
		sysfs_update_locked(&drv->kobj, OBJ_F_VISIBLE, 0, NULL);
	}
	drv->users++;
	parent->driver = drv;
}

static void driver_detach(struct mdevfs_parent *parent)
{
	struct mdev_driver *drv = move_ptr(parent->driver);

	if (--drv->users)
		return;
	sysfs_update_locked(&drv->kobj, 0, OBJ_F_VISIBLE, NULL);
	kobj_tree_remove(drivers, &drv->kobj);
	kobj_put(&drv->kobj);
}

struct name_search {
	const char *name;
	bool found;
};

static gboolean has_parent(gpointer key, gpointer value, gpointer data)
{
	struct name_search *s = data;

	(void)key;
	s->found = name_tree_find(to_subsys(value)->parents, s->name) != NULL;
	return s->found;
}

/* Parent names are unique: they name the links in class/mdev_bus. */
static bool parent_name_taken(const char *name)
{
	struct name_search s = { name, false };

	for (int bus = 0; bus < 2 && !s.found; bus++)
		g_tree_foreach(subsystems[bus], has_parent, &s);
	return s.found;
}

struct mdev_pathdir *mdev_pathdir_attach(const char *path, struct kobj *obj)
{
	const char *base = strrchr(path, '/');
	struct mdev_pathdir *dir = pathdir_walk(path);

	sysfs_assert_locked();
	if (!dir)
		return NULL;
	if (name_tree_find(dir->children, base + 1)) {
		pathdir_prune(dir);
		return NULL;
	}
	kobj_get(&dir->kobj);
	kobj_tree_insert(dir->children, obj);
	return dir;
}

void mdev_pathdir_detach(struct mdev_pathdir *dir, struct kobj *obj)
{
	sysfs_assert_locked();
	kobj_tree_remove(dir->children, obj);
	pathdir_prune(dir);
}

int mdev_parent_add(struct mdevfs_parent *parent)
{
	int ret = -EEXIST;

	sysfs_write_lock();
	if ((parent->kobj.flags & PARENT_F_DEVICE) ||
	    parent_name_taken(parent->name))
		goto out;
	parent->dir = mdev_pathdir_attach(parent->path, &parent->kobj);
	if (!parent->dir)
		goto out;
	subsys_attach(parent);
	driver_attach(parent);
	sysfs_update_locked(&parent->kobj, PARENT_F_DEVICE, 0, NULL);
	ret = 0;
out:
	sysfs_write_unlock();
	if (ret)
		log_err("%s: cannot add %s: a device of that name or path "
			"is already there", parent->name, parent->path);
	else
		mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_ADD,
				 NULL, NULL);
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
	sysfs_update_locked(&parent->kobj, 0, PARENT_F_DEVICE, NULL);
	driver_detach(parent);
	subsys_detach(parent);
	dir = move_ptr(parent->dir);
	mdev_pathdir_detach(dir, &parent->kobj);
	sysfs_write_unlock();
	kobj_put(&dir->kobj);
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_REMOVE, NULL,
			 NULL);
}

