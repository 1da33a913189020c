// SPDX-License-Identifier: MIT
/*
 * The skeleton of the tree (class/, bus/mdev, devices/, kernel/) and the
 * directories around parents (path directories, class/bus directories,
 * bus/mdev/drivers/<drv>).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"
#include "parse.h"

int tree_lookup(struct name_tree *tree, const char *name, unsigned int slot,
		struct sysfs_node *child)
{
	struct kobj *obj = name_tree_find(tree, name);

	if (!obj)
		return -ENOENT;
	*child = (struct sysfs_node){ obj, slot };
	return 0;
}

/* devices/ and the path directories below it, which hold path
 * directories, parents and the vfio groups' class directory: each of
 * them is listed as its slot PD_DIR. */
_Static_assert((int)PD_DIR == (int)P_DIR && (int)PD_DIR == (int)VG_DIR,
	       "an object under devices/ has its directory at slot PD_DIR");

static int pathdir_lookup(struct mdev_pathdir *dir, const char *name,
			  struct sysfs_node *child)
{
	struct kobj *obj = name_tree_find(dir->children, name);

	if (!obj)
		return -ENOENT;
	*child = (struct sysfs_node){ obj, PD_DIR };
	return 0;
}

static bool pathdir_next(struct mdev_pathdir *dir, const struct sysfs_key *after,
			 struct sysfs_node *child, const struct sysfs_key **key,
			 void **cursor)
{
	struct kobj *obj = name_tree_next(dir->children, after, key, cursor);

	if (!obj)
		return false;
	*child = (struct sysfs_node){ obj, PD_DIR };
	return true;
}

static unsigned long pathdir_nsubdirs(struct mdev_pathdir *dir)
{
	return name_tree_size(dir->children);
}

static int devices_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	(void)d;
	return pathdir_lookup(mdev_devices_dir(), name, c);
}

static bool devices_next(struct kobj *d, const struct sysfs_key *after,
			 struct sysfs_node *c, const struct sysfs_key **key,
			 void **cursor)
{
	(void)d;
	return pathdir_next(mdev_devices_dir(), after, c, key, cursor);
}

static unsigned long devices_nsubdirs(struct kobj *d)
{
	(void)d;
	return pathdir_nsubdirs(mdev_devices_dir());
}

static const struct sysfs_coll devices_coll = {
	devices_lookup, devices_next, devices_nsubdirs,
};

static int pd_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	return pathdir_lookup(to_pathdir(d), name, c);
}

static bool pd_next(struct kobj *d, const struct sysfs_key *after,
		    struct sysfs_node *c, const struct sysfs_key **key,
		    void **cursor)
{
	return pathdir_next(to_pathdir(d), after, c, key, cursor);
}

static unsigned long pd_nsubdirs(struct kobj *d)
{
	return pathdir_nsubdirs(to_pathdir(d));
}

static const struct sysfs_coll pathdir_coll = { pd_lookup, pd_next, pd_nsubdirs };

/* class/ and bus/: subsystem directories of parents */
static int class_lookup(struct kobj *d, const char *n, struct sysfs_node *c)
{
	(void)d;
	return tree_lookup(mdev_subsystems(false), n, S_DIR, c);
}

static bool class_next(struct kobj *d, const struct sysfs_key *after,
		       struct sysfs_node *c, const struct sysfs_key **key,
		       void **cursor)
{
	(void)d;
	return tree_next(mdev_subsystems(false), after, S_DIR, c, key, cursor);
}

static int bus_lookup(struct kobj *d, const char *n, struct sysfs_node *c)
{
	(void)d;
	return tree_lookup(mdev_subsystems(true), n, S_DIR, c);
}

static bool bus_next(struct kobj *d, const struct sysfs_key *after,
		     struct sysfs_node *c, const struct sysfs_key **key,
		     void **cursor)
{
	(void)d;
	return tree_next(mdev_subsystems(true), after, S_DIR, c, key, cursor);
}

static unsigned long class_nsubdirs(struct kobj *d)
{
	(void)d;
	return name_tree_size(mdev_subsystems(false));
}

static unsigned long bus_nsubdirs(struct kobj *d)
{
	(void)d;
	return name_tree_size(mdev_subsystems(true));
}

static const struct sysfs_coll class_coll = {
	class_lookup, class_next, class_nsubdirs,
};
static const struct sysfs_coll bus_coll = { bus_lookup, bus_next, bus_nsubdirs };

/* class/<x>/<parent> and bus/<x>/devices/<parent> */
static int subsys_parents_lookup(struct kobj *d, const char *name,
				 struct sysfs_node *c)
{
	return tree_lookup(to_subsys(d)->parents, name, P_SUBSYS_LINK, c);
}

static bool subsys_parents_next(struct kobj *d, const struct sysfs_key *after,
				struct sysfs_node *c, const struct sysfs_key **key,
				void **cursor)
{
	return tree_next(to_subsys(d)->parents, after, P_SUBSYS_LINK, c, key,
			 cursor);
}

static const struct sysfs_coll subsys_parents_coll = {
	subsys_parents_lookup, subsys_parents_next, NULL,
};

/* A class lists its devices directly, a bus in its devices/. */
static int class_parents_lookup(struct kobj *d, const char *name,
				struct sysfs_node *c)
{
	if (to_subsys(d)->bus)
		return -ENOENT;
	return subsys_parents_lookup(d, name, c);
}

static bool class_parents_next(struct kobj *d, const struct sysfs_key *after,
			       struct sysfs_node *c, const struct sysfs_key **key,
			       void **cursor)
{
	return !to_subsys(d)->bus &&
	       subsys_parents_next(d, after, c, key, cursor);
}

static const struct sysfs_coll class_parents_coll = {
	class_parents_lookup, class_parents_next, NULL,
};

/* class/mdev_bus/<parent> */
static int mdev_bus_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	(void)d;
	return tree_lookup(mdev_all_parents(), name, P_CLASS_LINK, c);
}

static bool mdev_bus_next(struct kobj *d, const struct sysfs_key *after,
			  struct sysfs_node *c, const struct sysfs_key **key,
			  void **cursor)
{
	(void)d;
	return tree_next(mdev_all_parents(), after, P_CLASS_LINK, c, key,
			 cursor);
}

static const struct sysfs_coll mdev_bus_coll = { mdev_bus_lookup, mdev_bus_next, NULL };

/* bus/mdev/devices/<uuid> */
static int bus_devices_lookup(struct kobj *d, const char *name,
			      struct sysfs_node *c)
{
	struct mdevfs_device *mdev;

	(void)d;
	if (uuid_name_lookup(name, &mdev))
		return -ENOENT;
	*c = (struct sysfs_node){ &mdev->kobj, D_BUS_LINK };
	return 0;
}

static bool bus_devices_next(struct kobj *d, const struct sysfs_key *after,
			     struct sysfs_node *c, const struct sysfs_key **key,
			     void **cursor)
{
	(void)d;
	return tree_next(mdev_all_devices(), after, D_BUS_LINK, c, key, cursor);
}

static const struct sysfs_coll bus_devices_coll = {
	bus_devices_lookup, bus_devices_next, NULL,
};

/* bus/mdev/drivers/<drv> */
static int drivers_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	(void)d;
	return tree_lookup(mdev_drivers(), name, DRV_DIR, c);
}

static bool drivers_next(struct kobj *d, const struct sysfs_key *after,
			 struct sysfs_node *c, const struct sysfs_key **key,
			 void **cursor)
{
	(void)d;
	return tree_next(mdev_drivers(), after, DRV_DIR, c, key, cursor);
}

static unsigned long drivers_nsubdirs(struct kobj *d)
{
	(void)d;
	return name_tree_size(mdev_drivers());
}

static const struct sysfs_coll drivers_coll = {
	drivers_lookup, drivers_next, drivers_nsubdirs,
};

/* bus/mdev/drivers/<drv>/<uuid> */
static int drv_devices_lookup(struct kobj *d, const char *name,
			      struct sysfs_node *c)
{
	struct mdevfs_device *mdev;

	if (uuid_name_lookup(name, &mdev) || mdev->parent->driver != to_driver(d))
		return -ENOENT;
	*c = (struct sysfs_node){ &mdev->kobj, D_DRV_LINK };
	return 0;
}

static bool drv_devices_next(struct kobj *d, const struct sysfs_key *after,
			     struct sysfs_node *c, const struct sysfs_key **key,
			     void **cursor)
{
	return tree_next(to_driver(d)->devices, after, D_DRV_LINK, c, key,
			 cursor);
}

static const struct sysfs_coll drv_devices_coll = {
	drv_devices_lookup, drv_devices_next, NULL,
};

/* bus/mdev attributes */
static atomic_bool drivers_autoprobe = true;

static ssize_t autoprobe_show(struct kobj *obj, const struct sysfs_entry *ent,
			      char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "%d\n", atomic_load(&drivers_autoprobe));
}

/* drivers/base/bus.c drivers_autoprobe_store(): "0..." is 0, anything
 * else 1; never an error. */
static ssize_t autoprobe_store(struct kobj *obj, const struct sysfs_entry *ent,
			       const char *buf, size_t count,
			       struct mdev_store_ctx *sc)
{
	(void)obj, (void)ent, (void)sc;
	atomic_store(&drivers_autoprobe, buf[0] != '0');
	return (ssize_t)count;
}

/* bus_find_device_by_name(): a device on the bus, referenced. */
static struct mdevfs_device *bus_find_device(const char *buf)
{
	char name[UUID_STR_LEN + 1];
	struct mdevfs_device *mdev = NULL;

	if (g_strlcpy(name, buf, sizeof(name)) >= sizeof(name) &&
	    !sysfs_streq(buf, name))
		return NULL;
	name[strcspn(name, "\n")] = '\0';
	sysfs_read_lock();
	if (!uuid_name_lookup(name, &mdev) && (mdev->kobj.flags & DEV_F_CORE))
		kobj_get(&mdev->kobj);
	else
		mdev = NULL;
	sysfs_read_unlock();
	return mdev;
}

/* The mdev bus matches no driver, so a probe binds nothing. */
static ssize_t drivers_probe_store(struct kobj *obj,
				   const struct sysfs_entry *ent,
				   const char *buf, size_t count,
				   struct mdev_store_ctx *sc)
{
	struct mdevfs_device *mdev = bus_find_device(buf);

	(void)obj, (void)ent, (void)sc;
	if (!mdev)
		return -ENODEV;
	mdev_put(mdev);
	return (ssize_t)count;
}

static ssize_t bind_store(struct kobj *obj, const struct sysfs_entry *ent,
			  const char *buf, size_t count,
			  struct mdev_store_ctx *sc)
{
	struct mdevfs_device *mdev = bus_find_device(buf);

	(void)obj, (void)ent, (void)count, (void)sc;
	if (mdev)
		mdev_put(mdev);
	return -ENODEV; /* driver_match_device() is always 0 on mdev */
}

static ssize_t unbind_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	struct mdevfs_device *mdev = bus_find_device(buf);
	int ret = -ENODEV;

	(void)ent;
	if (!mdev)
		return -ENODEV;
	if (mdev->parent->driver == to_driver(obj))
		ret = mdev_device_unbind(mdev, sc);
	mdev_put(mdev);
	return ret ? ret : (ssize_t)count;
}

static int subsys_name(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_subsys(obj)->name);
}

static void subsys_container(struct kobj *obj, struct sysfs_node *dir)
{
	root_node(to_subsys(obj)->bus ? R_BUS : R_CLASS, dir);
}

static bool subsys_is_bus(struct kobj *obj)
{
	return to_subsys(obj)->bus;
}

static int pathdir_name(struct kobj *obj, const struct sysfs_entry *ent,
			char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_pathdir(obj)->name);
}

static void pathdir_container(struct kobj *obj, struct sysfs_node *dir)
{
	pathdir_or_root(to_pathdir(obj)->up, dir);
}

static int driver_name(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_driver(obj)->name);
}

static bool driver_has_module(struct kobj *obj)
{
	return to_driver(obj)->module_name != NULL;
}

static int driver_module_target(struct kobj *obj, char *buf, size_t size)
{
	return link_path(buf, size, "module/%s", to_driver(obj)->module_name);
}

static void driver_container(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_BUS_DRIVERS, dir);
}

static const struct sysfs_entry root_entries[R_NR] = {
	[R_ROOT] = { .name = "", .mode = DIR_MODE, .dir = SYSFS_NO_DIR },
	[R_CLASS] = { .name = "class", .mode = DIR_MODE, .dir = R_ROOT,
		      .coll = &class_coll },
	[R_MDEV_BUS] = { .name = "mdev_bus", .mode = DIR_MODE, .dir = R_CLASS,
			 .coll = &mdev_bus_coll },
	[R_VFIO_CLASS] = { .name = "vfio-dev", .mode = DIR_MODE,
			   .dir = R_CLASS, .coll = &vfio_dev_class_coll },
	[R_VFIO_GROUP_CLASS] = { .name = "vfio", .mode = DIR_MODE,
				 .dir = R_CLASS, .coll = &vfio_class_coll },
	[R_BUS] = { .name = "bus", .mode = DIR_MODE, .dir = R_ROOT,
		    .coll = &bus_coll },
	[R_BUS_MDEV] = { .name = "mdev", .mode = DIR_MODE, .dir = R_BUS },
	[R_BUS_DEVICES] = { .name = "devices", .mode = DIR_MODE,
			    .dir = R_BUS_MDEV, .coll = &bus_devices_coll },
	[R_BUS_DRIVERS] = { .name = "drivers", .mode = DIR_MODE,
			    .dir = R_BUS_MDEV, .coll = &drivers_coll },
	[R_BUS_AUTOPROBE] = { .name = "drivers_autoprobe", .mode = RW_MODE,
			      .dir = R_BUS_MDEV, .show = autoprobe_show,
			      .store = autoprobe_store },
	[R_BUS_PROBE] = { .name = "drivers_probe", .mode = WO_MODE,
			  .dir = R_BUS_MDEV, .store = drivers_probe_store },
	[R_BUS_UEVENT] = { .name = "uevent", .mode = WO_MODE,
			   .dir = R_BUS_MDEV, UEVENT_STORE(mdev_bus_uevent) },
	[R_DEVICES] = { .name = "devices", .mode = DIR_MODE, .dir = R_ROOT,
			.coll = &devices_coll },
	[R_KERNEL] = { .name = "kernel", .mode = DIR_MODE, .dir = R_ROOT },
	[R_IOMMU_GROUPS] = { .name = "iommu_groups", .mode = DIR_MODE,
			     .dir = R_KERNEL, .coll = &iommu_groups_coll },
	[R_MODULE] = { .name = "module", .mode = DIR_MODE, .dir = R_ROOT,
		       .coll = &modules_coll },
};

static const struct sysfs_entry pathdir_entries[PD_NR] = {
	[PD_DIR] = { .get_name = pathdir_name, .mode = DIR_MODE,
		     .dir = SYSFS_NO_DIR, .container = pathdir_container,
		     .needs = OBJ_F_VISIBLE, .coll = &pathdir_coll },
};

static const struct sysfs_entry subsys_entries[S_NR] = {
	[S_DIR] = { .get_name = subsys_name, .mode = DIR_MODE,
		    .dir = SYSFS_NO_DIR, .container = subsys_container,
		    .needs = OBJ_F_VISIBLE, .coll = &class_parents_coll },
	[S_DEVICES] = { .name = "devices", .mode = DIR_MODE, .dir = S_DIR,
			.needs = OBJ_F_VISIBLE, .is_visible = subsys_is_bus,
			.coll = &subsys_parents_coll },
	[S_DRIVERS] = { .name = "drivers", .mode = DIR_MODE, .dir = S_DIR,
			.needs = OBJ_F_VISIBLE, .is_visible = subsys_is_bus,
			.coll = &bus_drivers_coll },
};

static const struct sysfs_entry driver_entries[DRV_NR] = {
	[DRV_DIR] = { .get_name = driver_name, .mode = DIR_MODE,
		      .dir = SYSFS_NO_DIR, .container = driver_container,
		      .needs = OBJ_F_VISIBLE, .coll = &drv_devices_coll },
	[DRV_BIND] = { .name = "bind", .mode = WO_MODE, .dir = DRV_DIR,
		       .needs = OBJ_F_ALL, .store = bind_store },
	[DRV_UNBIND] = { .name = "unbind", .mode = WO_MODE, .dir = DRV_DIR,
			 .needs = OBJ_F_ALL, .store = unbind_store },
	[DRV_UEVENT] = { .name = "uevent", .mode = WO_MODE, .dir = DRV_DIR,
			 .needs = OBJ_F_ALL, UEVENT_STORE(mdev_driver_uevent) },
	[DRV_MODULE] = { .name = "module", .mode = LNK_MODE, .dir = DRV_DIR,
			 .needs = OBJ_F_ALL, .is_visible = driver_has_module,
			 .target = driver_module_target },
};

const struct kobj_type root_ktype = {
	.name = "root",
	.entries = root_entries,
	.nentries = R_NR,
};

const struct kobj_type pathdir_ktype = {
	.name = "pathdir",
	.entries = pathdir_entries,
	.nentries = PD_NR,
	.release = pathdir_release,
};

const struct kobj_type subsys_ktype = {
	.name = "subsys",
	.entries = subsys_entries,
	.nentries = S_NR,
	.release = subsys_release,
};

const struct kobj_type driver_ktype = {
	.name = "driver",
	.entries = driver_entries,
	.nentries = DRV_NR,
	.release = driver_release,
};
