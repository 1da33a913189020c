// SPDX-License-Identifier: MIT
/*
 * What surrounds a parent device in sysfs and comes and goes with it: the
 * directories leading to it under devices/, its class or bus directory,
 * the mdev driver it names and that driver's module.  (The kernel has
 * these before mdev sees the parent; here a parent's device_add() creates
 * them, with the events a module's loading sends: the driver's add, the
 * class's, the parent's; the module's after the parent registers.  Its
 * removal sends their removes after the parent's.)
 *
 * Everything here is changed under sysfs_rwsem held exclusively; the
 * events are built under it and sent after it (struct tree_events).
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
static struct name_tree *subsystems[2];
static struct name_tree *drivers;                  /* name -> visible driver */
static struct name_tree *modules;                  /* name -> visible module */

/* Events of the objects around a parent, in the order they are sent. */
struct tree_events {
	struct uevent *ev[MDEV_PLUG_EVENTS];
	unsigned int n;
};

static void tree_event(struct tree_events *te, struct kobj *obj,
		       uevent_build_t build, enum kobject_action action)
{
	te->ev[te->n++] = build(obj, action, NULL);
}

static void tree_events_send(struct tree_events *te)
{
	for (unsigned int i = 0; i < te->n; i++)
		mdev_emit_uevent(te->ev[i], NULL);
}

struct mdev_pathdir *mdev_devices_dir(void) { return &devices_dir; }
struct name_tree *mdev_subsystems(bool bus) { return subsystems[bus]; }
struct name_tree *mdev_drivers(void) { return drivers; }
struct name_tree *mdev_modules(void) { return modules; }

void mdev_tree_init(void)
{
	kobj_init(&devices_dir.kobj, &pathdir_ktype);
	devices_dir.kobj.flags = OBJ_F_VISIBLE;
	devices_dir.name = "devices";
	devices_dir.children = name_tree_new();
	subsystems[false] = name_tree_new();
	subsystems[true] = name_tree_new();
	drivers = name_tree_new();
	modules = name_tree_new();
}

void mdev_tree_fini(void)
{
	name_tree_free(modules);
	name_tree_free(drivers);
	name_tree_free(subsystems[true]);
	name_tree_free(subsystems[false]);
	name_tree_free(devices_dir.children);
}

void pathdir_release(struct kobj *kobj)
{
	struct mdev_pathdir *dir = to_pathdir(kobj);

	name_tree_free(dir->children);
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
	while (dir != &devices_dir && name_tree_size(dir->children) == 0) {
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

	name_tree_free(subsys->parents);
	if (subsys->drivers)
		name_tree_free(subsys->drivers);
	g_free(subsys->name);
	g_free(subsys);
}

/* What goes with its last parent (a driver, a class, a module), dropped
 * once the parent's remove event is out.  Its own remove event goes out
 * while its directory is still there, empty, as kernfs removes a
 * kobject's directory after its uevent; then the directory.  A parent
 * plugged meanwhile may take it again (@in_use): then it stays. */
struct going {
	struct kobj *obj;        /* referenced */
	struct name_tree *tree;             /* the name tree that lists it */
	uevent_build_t build;    /* its remove event; NULL: none */
	bool (*in_use)(struct kobj *obj);
};

static unsigned int going_set(struct going *g, struct kobj *obj, struct name_tree *tree,
			      uevent_build_t build, bool (*in_use)(struct kobj *))
{
	*g = (struct going){ kobj_get(obj), tree, build, in_use };
	return 1;
}

static void going_drop(struct going *g)
{
	bool kept;

	sysfs_write_lock();
	kept = g->in_use(g->obj);
	if (!kept)
		sysfs_update_locked(g->obj, 0, OBJ_F_FILES, NULL);
	sysfs_write_unlock();
	if (!kept && g->build)
		mdev_send_uevent(g->obj, g->build, KOBJ_REMOVE, NULL, NULL);
	sysfs_write_lock();
	if (kept || g->in_use(g->obj)) {
		sysfs_update_locked(g->obj, OBJ_F_FILES, 0, NULL);
	} else {
		sysfs_update_locked(g->obj, 0, OBJ_F_VISIBLE, NULL);
		kobj_tree_remove(g->tree, g->obj);
		kobj_put(g->obj); /* the tree's */
	}
	sysfs_write_unlock();
	kobj_put(g->obj);
}

static bool subsys_in_use(struct kobj *obj)
{
	return name_tree_size(to_subsys(obj)->parents) > 0;
}

static bool driver_in_use(struct kobj *obj)
{
	return to_driver(obj)->users > 0;
}

static bool module_in_use(struct kobj *obj)
{
	return to_module(obj)->users > 0;
}

/* A class gets its add event when it comes, a bus none (buses are the
 * kernel's own). */
static void subsys_attach(struct mdevfs_parent *parent, struct tree_events *te)
{
	struct name_tree *tree = subsystems[parent->subsys_bus];
	struct mdev_subsys *subsys = name_tree_find(tree, parent->subsys_name);

	if (!subsys) {
		subsys = g_new0(struct mdev_subsys, 1);
		kobj_init(&subsys->kobj, &subsys_ktype);
		subsys->name = g_strdup(parent->subsys_name);
		sysfs_key_init(&subsys->kobj.key, subsys->name);
		subsys->bus = parent->subsys_bus;
		subsys->parents = name_tree_new();
		if (subsys->bus)
			subsys->drivers = name_tree_new();
		kobj_tree_insert(tree, &subsys->kobj);
		if (!subsys->bus)
			tree_event(te, &subsys->kobj, mdev_class_uevent, KOBJ_ADD);
	}
	sysfs_update_locked(&subsys->kobj, OBJ_F_ALL, 0, NULL);
	parent->subsys = subsys;
	kobj_tree_insert(parent->subsys->parents, &parent->kobj);
}

static unsigned int subsys_detach(struct mdevfs_parent *parent,
				  struct going *g)
{
	struct mdev_subsys *subsys = move_ptr(parent->subsys);

	kobj_tree_remove(subsys->parents, &parent->kobj);
	if (subsys_in_use(&subsys->kobj))
		return 0;
	return going_set(g, &subsys->kobj, subsystems[subsys->bus],
			 subsys->bus ? NULL : mdev_class_uevent, subsys_in_use);
}

static bool bus_driver_in_use(struct kobj *obj)
{
	return name_tree_size(to_bus_driver(obj)->parents) > 0;
}

/* A bus parent's own driver, in its bus (after subsys_attach()).  It
 * sends no events: a module's loading would have registered it long
 * before (docs/uevents.md). */
static void bus_driver_attach(struct mdevfs_parent *parent)
{
	struct mdev_subsys *bus = parent->subsys;
	struct mdev_bus_driver *drv;

	if (!parent->device_driver)
		return;
	drv = name_tree_find(bus->drivers, parent->device_driver);
	if (!drv) {
		drv = g_new0(struct mdev_bus_driver, 1);
		kobj_init(&drv->kobj, &bus_driver_ktype);
		drv->name = g_strdup(parent->device_driver);
		sysfs_key_init(&drv->kobj.key, drv->name);
		drv->bus = bus;
		kobj_get(&bus->kobj);
		drv->parents = name_tree_new();
		kobj_tree_insert(bus->drivers, &drv->kobj);
	}
	sysfs_update_locked(&drv->kobj, OBJ_F_ALL, 0, NULL);
	kobj_tree_insert(drv->parents, &parent->kobj);
	parent->bus_driver = drv;
}

static unsigned int bus_driver_detach(struct mdevfs_parent *parent,
				      struct going *g)
{
	struct mdev_bus_driver *drv = move_ptr(parent->bus_driver);

	if (!drv)
		return 0;
	kobj_tree_remove(drv->parents, &parent->kobj);
	if (bus_driver_in_use(&drv->kobj))
		return 0;
	return going_set(g, &drv->kobj, drv->bus->drivers, NULL,
			 bus_driver_in_use);
}

void driver_release(struct kobj *kobj)
{
	struct mdev_driver *drv = to_driver(kobj);

	name_tree_free(drv->devices);
	g_free(drv->module_name);
	g_free(drv->name);
	g_free(drv);
}

static void driver_attach(struct mdevfs_parent *parent, struct tree_events *te)
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
		if (parent->module_info)
			drv->module_name = g_strdup(parent->module_info->name);
		drv->devices = name_tree_new();
		kobj_tree_insert(drivers, &drv->kobj);
		tree_event(te, &drv->kobj, mdev_driver_uevent, KOBJ_ADD);
	}
	sysfs_update_locked(&drv->kobj, OBJ_F_ALL, 0, NULL);
	drv->users++;
	parent->driver = drv;
}

static unsigned int driver_detach(struct mdevfs_parent *parent,
				  struct going *g)
{
	struct mdev_driver *drv = move_ptr(parent->driver);

	if (--drv->users)
		return 0;
	return going_set(g, &drv->kobj, drivers, mdev_driver_uevent,
			 driver_in_use);
}

/* The module is there before its driver, as a module's sysfs directory
 * is before its init runs; its add event comes once a parent has
 * registered (mdev_parent_announce_module()). */
static void module_attach(struct mdevfs_parent *parent)
{
	struct kobj *found;
	struct mdev_module *mod;

	if (!parent->module_info)
		return;
	found = name_tree_find(modules, parent->module_info->name);
	if (found) {
		mod = to_module(found);
	} else {
		mod = mdev_module_new(parent->module_info, parent->driver_name);
		kobj_tree_insert(modules, &mod->kobj);
	}
	sysfs_update_locked(&mod->kobj, OBJ_F_ALL, 0, NULL);
	mod->users++;
	parent->module = mod;
}

static unsigned int module_detach(struct mdevfs_parent *parent,
				  struct going *g)
{
	struct mdev_module *mod = move_ptr(parent->module);

	if (!mod || --mod->users)
		return 0;
	return going_set(g, &mod->kobj, modules,
			 mod->announced ? mdev_module_uevent : NULL,
			 module_in_use);
}

void mdev_parent_announce_module(struct mdevfs_parent *parent)
{
	struct mdev_module *mod;

	sysfs_write_lock();
	mod = parent->module;
	if (mod && !mod->announced)
		mod->announced = true;
	else
		mod = NULL;
	if (mod)
		kobj_get(&mod->kobj);
	sysfs_write_unlock();
	if (!mod)
		return;
	mdev_send_uevent(&mod->kobj, mdev_module_uevent, KOBJ_ADD, NULL, NULL);
	kobj_put(&mod->kobj);
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
		name_tree_foreach(subsystems[bus], has_parent, &s);
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

int mdev_parent_add_silent(struct mdevfs_parent *parent)
{
	struct tree_events te = { 0 };
	int ret = -EEXIST;

	sysfs_write_lock();
	if ((parent->kobj.flags & PARENT_F_DEVICE) ||
	    parent_name_taken(parent->name))
		goto out;
	parent->dir = mdev_pathdir_attach(parent->path, &parent->kobj);
	if (!parent->dir)
		goto out;
	module_attach(parent);
	driver_attach(parent, &te);
	subsys_attach(parent, &te);
	bus_driver_attach(parent);
	sysfs_update_locked(&parent->kobj, PARENT_F_DEVICE, 0, NULL);
	/* Sent by mdev_parent_announce(), in this order. */
	for (unsigned int i = 0; i < te.n; i++)
		parent->plug_events[i] = te.ev[i];
	parent->nplug_events = te.n;
	ret = 0;
out:
	sysfs_write_unlock();
	if (ret)
		log_err("%s: cannot add %s: a device of that name or path "
			"is already there", parent->name, parent->path);
	return ret;
}

void mdev_parent_announce(struct mdevfs_parent *parent)
{
	struct tree_events te = { .n = parent->nplug_events };

	for (unsigned int i = 0; i < te.n; i++)
		te.ev[i] = parent->plug_events[i];
	parent->nplug_events = 0;
	tree_events_send(&te);
	/* In its class once the class is announced, then its own add. */
	sysfs_update(&parent->kobj, PARENT_F_SUBSYS_LINK, 0, NULL);
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_ADD, NULL, NULL);
}

int mdev_parent_add(struct mdevfs_parent *parent)
{
	int ret = mdev_parent_add_silent(parent);

	if (!ret)
		mdev_parent_announce(parent);
	return ret;
}

void mdev_parent_del(struct mdevfs_parent *parent)
{
	struct going going[4];
	struct mdev_pathdir *dir;
	unsigned int n = 0;

	sysfs_write_lock();
	if (!(parent->kobj.flags & PARENT_F_DEVICE)) {
		sysfs_write_unlock();
		return;
	}
	sysfs_update_locked(&parent->kobj, 0,
			    PARENT_F_DEVICE | PARENT_F_SUBSYS_LINK, NULL);
	/* The kernel's order of their removes after the parent's */
	n += driver_detach(parent, &going[n]);
	n += bus_driver_detach(parent, &going[n]);
	n += subsys_detach(parent, &going[n]);
	n += module_detach(parent, &going[n]);
	dir = move_ptr(parent->dir);
	mdev_pathdir_detach(dir, &parent->kobj);
	sysfs_write_unlock();
	kobj_put(&dir->kobj);
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_REMOVE, NULL,
			 NULL);
	for (unsigned int i = 0; i < n; i++)
		going_drop(&going[i]);
}
