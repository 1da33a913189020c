// SPDX-License-Identifier: MIT
/*
 * A parent device's directory and its mdev_supported_types/<type>/ files
 * (the kernel's mdev_sysfs.c): tiny show/store functions and two tables.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"
#include "parse.h"

/* mdev_supported_types/<type>/ */

static ssize_t create_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	uuid_t uuid = { 0 };
	int ret;

	(void)ent;
	if (parse_create_uuid(buf, count, uuid))
		return -EINVAL;
	ret = mdev_device_create(to_type(obj), uuid, sc);
	return ret ? ret : (ssize_t)count;
}

static ssize_t available_instances_show(struct kobj *obj,
					const struct sysfs_entry *ent, char *buf)
{
	(void)ent;
	return emit(buf, "%u\n", mdev_type_available(to_type(obj)));
}

static ssize_t device_api_show(struct kobj *obj, const struct sysfs_entry *ent,
			       char *buf)
{
	(void)ent;
	return emit(buf, "%s\n", to_type(obj)->device_api);
}

static ssize_t name_show(struct kobj *obj, const struct sysfs_entry *ent,
			 char *buf)
{
	(void)ent;
	return emit(buf, "%s\n", to_type(obj)->name);
}

static ssize_t description_show(struct kobj *obj, const struct sysfs_entry *ent,
				char *buf)
{
	struct mdevfs_type *type = to_type(obj);

	(void)ent;
	if (mdev_vendor_has_show_description(type->parent))
		return mdev_vendor_show_description(type, buf, PAGE_SIZE);
	return emit(buf, "%s\n", type->description);
}

static bool has_description(struct kobj *obj)
{
	struct mdevfs_type *type = to_type(obj);

	return type->description || mdev_vendor_has_show_description(type->parent);
}

static int type_name(struct kobj *obj, const struct sysfs_entry *ent,
		     char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_type(obj)->id);
}

static void type_container(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_type(obj)->parent->kobj, P_TYPES };
}

/* <type>/devices/<uuid> */
static int type_devices_lookup(struct kobj *d, const char *name,
			       struct sysfs_node *c)
{
	struct mdevfs_device *mdev;

	if (uuid_name_lookup(name, &mdev) || mdev->type != to_type(d))
		return -ENOENT;
	*c = (struct sysfs_node){ &mdev->kobj, D_TYPE_LINK };
	return 0;
}

static bool type_devices_next(struct kobj *d, const struct sysfs_key *after,
			      struct sysfs_node *c, const struct sysfs_key **key,
			      void **cursor)
{
	return tree_next(to_type(d)->devices, after, D_TYPE_LINK, c, key,
			 cursor);
}

static const struct sysfs_coll type_devices_coll = {
	type_devices_lookup, type_devices_next, NULL,
};

static const struct sysfs_entry type_entries[T_NR] = {
	[T_DIR] = { .get_name = type_name, .mode = DIR_MODE,
		    .dir = SYSFS_NO_DIR, .container = type_container,
		    .needs = OBJ_F_VISIBLE },
	[T_CREATE] = { .name = "create", .mode = WO_MODE, .dir = T_DIR,
		       .needs = OBJ_F_VISIBLE, .store = create_store },
	[T_AVAILABLE] = { .name = "available_instances", .mode = RO_MODE,
			  .dir = T_DIR, .needs = OBJ_F_VISIBLE,
			  .flags = SYSFS_ACTIVE,
			  .show = available_instances_show },
	[T_DEVICE_API] = { .name = "device_api", .mode = RO_MODE, .dir = T_DIR,
			   .needs = OBJ_F_VISIBLE, .show = device_api_show },
	[T_NAME] = { .name = "name", .mode = RO_MODE, .dir = T_DIR,
		     .needs = OBJ_F_VISIBLE, .show = name_show },
	[T_DESCRIPTION] = { .name = "description", .mode = RO_MODE,
			    .dir = T_DIR, .needs = OBJ_F_VISIBLE,
			    .flags = SYSFS_ACTIVE, .is_visible = has_description,
			    .show = description_show },
	[T_DEVICES] = { .name = "devices", .mode = DIR_MODE, .dir = T_DIR,
			.needs = OBJ_F_VISIBLE, .coll = &type_devices_coll },
};

/* The parent device's directory */

static ssize_t parent_uevent_show(struct kobj *obj,
				  const struct sysfs_entry *ent, char *buf)
{
	char **env = to_parent(obj)->uevent_env;
	size_t len = 0;

	(void)ent;
	buf[0] = '\0';
	for (; env && *env; env++) {
		g_strlcat(buf, *env, PAGE_SIZE);
		len = g_strlcat(buf, "\n", PAGE_SIZE);
	}
	return MIN(len, PAGE_SIZE - 1);
}

static int parent_name(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_parent(obj)->name);
}

static void parent_container(struct kobj *obj, struct sysfs_node *dir)
{
	pathdir_or_root(to_parent(obj)->dir, dir);
}

static int parent_target(struct kobj *obj, char *buf, size_t size)
{
	return name_copy(buf, size, to_parent(obj)->path);
}

static int parent_subsystem_target(struct kobj *obj, char *buf, size_t size)
{
	struct mdevfs_parent *parent = to_parent(obj);

	return link_path(buf, size, "%s/%s", parent->subsys_bus ? "bus" : "class",
			 parent->subsys_name);
}

static void class_link_container(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_MDEV_BUS, dir);
}

static void subsys_link_container(struct kobj *obj, struct sysfs_node *dir)
{
	struct mdev_subsys *subsys = to_parent(obj)->subsys;

	*dir = (struct sysfs_node){ &subsys->kobj, subsys->bus ? S_DEVICES : S_DIR };
}

/* mdev_supported_types/: the parent's types, by index */
static int types_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	struct mdevfs_parent *parent = to_parent(d);

	for (unsigned int i = 0; i < parent->ntypes; i++) {
		if (!strcmp(parent->types[i]->id, name)) {
			*c = (struct sysfs_node){ &parent->types[i]->kobj, T_DIR };
			return 0;
		}
	}
	return -ENOENT;
}

static const struct sysfs_key *type_key(const void *parent, unsigned int i)
{
	return &((const struct mdevfs_parent *)parent)->types[i]->kobj.key;
}

/* A parent has a few types, fixed while it is registered: a scan. */
static bool types_next(struct kobj *d, const struct sysfs_key *after,
		       struct sysfs_node *c, const struct sysfs_key **key,
		       void **cursor)
{
	struct mdevfs_parent *parent = to_parent(d);
	int i = sysfs_key_scan(type_key, parent, parent->ntypes, after);

	(void)cursor;
	if (i < 0)
		return false;
	*c = (struct sysfs_node){ &parent->types[i]->kobj, T_DIR };
	*key = type_key(parent, (unsigned int)i);
	return true;
}

static unsigned long types_nsubdirs(struct kobj *d)
{
	return to_parent(d)->ntypes;
}

static const struct sysfs_coll types_coll = {
	types_lookup, types_next, types_nsubdirs,
};

/* <parent>/<uuid>: its mdev devices */
static int parent_devices_lookup(struct kobj *d, const char *name,
				 struct sysfs_node *c)
{
	struct mdevfs_device *mdev;

	if (uuid_name_lookup(name, &mdev) || mdev->parent != to_parent(d))
		return -ENOENT;
	*c = (struct sysfs_node){ &mdev->kobj, D_DIR };
	return 0;
}

static bool parent_devices_next(struct kobj *d, const struct sysfs_key *after,
				struct sysfs_node *c, const struct sysfs_key **key,
				void **cursor)
{
	return tree_next(to_parent(d)->devices, after, D_DIR, c, key, cursor);
}

static unsigned long parent_devices_nsubdirs(struct kobj *d)
{
	return name_tree_size(to_parent(d)->devices);
}

static const struct sysfs_coll parent_devices_coll = {
	parent_devices_lookup, parent_devices_next, parent_devices_nsubdirs,
};

/* driver -> bus/<bus>/drivers/<device_driver>, and its link back */
static bool has_device_driver(struct kobj *obj)
{
	return to_parent(obj)->device_driver != NULL;
}

static int parent_driver_target(struct kobj *obj, char *buf, size_t size)
{
	struct mdevfs_parent *parent = to_parent(obj);

	return link_path(buf, size, "bus/%s/drivers/%s", parent->subsys_name,
			 parent->device_driver);
}

static void driven_link_container(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_parent(obj)->bus_driver->kobj, BD_DIR };
}

#define PARENT_DEV PARENT_F_DEVICE

static const struct sysfs_entry parent_entries[P_NR] = {
	[P_DIR] = { .get_name = parent_name, .mode = DIR_MODE,
		    .dir = SYSFS_NO_DIR, .container = parent_container,
		    .needs = PARENT_DEV, .coll = &parent_devices_coll },
	[P_UEVENT] = { .name = "uevent", .mode = RW_MODE, .dir = P_DIR,
		       .needs = PARENT_DEV, .show = parent_uevent_show,
		       UEVENT_STORE(mdev_parent_uevent) },
	[P_SUBSYSTEM] = { .name = "subsystem", .mode = LNK_MODE, .dir = P_DIR,
			  .needs = PARENT_DEV, .target = parent_subsystem_target },
	POWER_ENTRIES(P_POWER, P_DIR, PARENT_DEV, KOBJ_F_PM_ON, KOBJ_F_ASYNC),
	[P_TYPES] = { .name = "mdev_supported_types", .mode = DIR_MODE,
		      .dir = P_DIR, .needs = PARENT_DEV | PARENT_F_TYPES,
		      .coll = &types_coll },
	[P_CLASS_LINK] = { .get_name = parent_name, .mode = LNK_MODE,
			   .dir = SYSFS_NO_DIR, .container = class_link_container,
			   .needs = PARENT_DEV | PARENT_F_CLASS_LINK,
			   .target = parent_target },
	[P_SUBSYS_LINK] = { .get_name = parent_name, .mode = LNK_MODE,
			    .dir = SYSFS_NO_DIR,
			    .container = subsys_link_container,
			    .needs = PARENT_DEV | PARENT_F_SUBSYS_LINK,
			    .target = parent_target },
	[P_DRIVER] = { .name = "driver", .mode = LNK_MODE, .dir = P_DIR,
		       .needs = PARENT_DEV, .is_visible = has_device_driver,
		       .target = parent_driver_target },
	[P_DRV_LINK] = { .get_name = parent_name, .mode = LNK_MODE,
			 .dir = SYSFS_NO_DIR, .container = driven_link_container,
			 .needs = PARENT_DEV, .is_visible = has_device_driver,
			 .target = parent_target },
	PCI_ENTRIES(P_PCI, PARENT_DEV),
};

const struct kobj_type parent_ktype = {
	.name = "parent",
	.entries = parent_entries,
	.nentries = P_NR,
	.active_sem = parent_active_sem,
	.release = parent_release,
};

const struct kobj_type type_ktype = {
	.name = "type",
	.entries = type_entries,
	.nentries = T_NR,
	.active_sem = type_active_sem,
	.release = type_release,
};
