// SPDX-License-Identifier: MIT
/*
 * An mdev device's entries: its directory and what the driver core, vfio
 * and the vendor put in it, its links elsewhere (bus, driver, type,
 * iommu group, class/vfio-dev), its iommu group and vfio group device.  Each is visible while the device flags it
 * needs are set; mdev_core.c sets them in the kernel's order.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"
#include "parse.h"

static ssize_t remove_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	unsigned long val;
	int ret;

	(void)ent;
	if (parse_kstrtoul(buf, &val))
		return -EINVAL;
	if (!val)
		return (ssize_t)count;
	/* Only the writer that deletes the file removes the device; a
	 * concurrent one succeeds without doing anything.  Run again after
	 * it would have waited (mdev_host.h), it deleted the file already. */
	if (!(sc && sc->waiter.again) && !sysfs_remove_self(obj, DEV_F_REMOVE, sc))
		return (ssize_t)count;
	ret = mdev_device_remove(to_mdev(obj), sc);
	if (sc && sc->waiter.would_wait)
		return ret; /* the file stays deleted for the run again */
	if (ret == -EAGAIN || ret == -EINTR) {
		/* Still being created, or in use and the writer interrupted:
		 * put the file back so the device stays removable (kernels
		 * >= 5.2 leave it deleted after EAGAIN; see docs). */
		sysfs_write_lock();
		if ((obj->flags & (DEV_F_DIR | DEV_F_CORE)) ==
		    (DEV_F_DIR | DEV_F_CORE))
			sysfs_update_locked(obj, DEV_F_REMOVE, 0, sc);
		sysfs_write_unlock();
	}
	return ret ? ret : (ssize_t)count;
}

static ssize_t uevent_show(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf)
{
	struct mdevfs_device *mdev = to_mdev(obj);
	bool bound;

	(void)ent;
	sysfs_read_lock();
	bound = obj->flags & DEV_F_DRIVER;
	sysfs_read_unlock();
	return bound ? emit(buf, "DRIVER=%s\n", mdev->parent->driver_name) : 0;
}

static ssize_t group_name_show(struct kobj *obj, const struct sysfs_entry *ent,
			       char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "vfio-noiommu\n");
}

static ssize_t group_type_show(struct kobj *obj, const struct sysfs_entry *ent,
			       char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "unknown\n"); /* no default domain */
}

static ssize_t group_type_store(struct kobj *obj, const struct sysfs_entry *ent,
				const char *buf, size_t count,
				struct mdev_store_ctx *sc)
{
	(void)obj, (void)ent, (void)buf, (void)count, (void)sc;
	return -EINVAL;
}

static ssize_t vendor_attr_show(struct kobj *obj, const struct sysfs_entry *ent,
				char *buf)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return mdev_vendor_attr_show(mdev, ent->priv, buf, PAGE_SIZE);
}

static ssize_t vendor_attr_store(struct kobj *obj, const struct sysfs_entry *ent,
				 const char *buf, size_t count,
				 struct mdev_store_ctx *sc)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	(void)sc; /* the vendor's API has no store context */
	return mdev_vendor_attr_store(mdev, ent->priv, buf, count);
}

/* Names */

static int uuid_name(struct kobj *obj, const struct sysfs_entry *ent,
		     char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_mdev(obj)->name);
}

static int group_name(struct kobj *obj, const struct sysfs_entry *ent,
		      char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_mdev(obj)->numbers[MDEV_GROUP].name);
}

static int vfio_name(struct kobj *obj, const struct sysfs_entry *ent,
		     char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_mdev(obj)->numbers[MDEV_VFIO].name);
}

static int vendor_name(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_mdev(obj)->parent->vendor_group);
}

/* The vendor's attributes get a directory of their own when the parent
 * names one (the samples' vendor/), else they sit in the device's. */
static bool has_vendor_dir(struct kobj *obj)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return mdev->parent->vendor_group && mdev->type->nvattrs > 0;
}

/* Where the links outside the device directory live */

static void in_parent(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_mdev(obj)->parent->kobj, P_DIR };
}

static void in_bus_devices(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_BUS_DEVICES, dir);
}

static void in_driver(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_mdev(obj)->parent->driver->kobj, DRV_DIR };
}

static void in_type_devices(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_mdev(obj)->type->kobj, T_DEVICES };
}

static void in_iommu_groups(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_IOMMU_GROUPS, dir);
}

static void in_vfio_class(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_VFIO_CLASS, dir);
}

static void in_vfio_group_class(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_VFIO_GROUP_CLASS, dir);
}

/* Link targets, from the root */

static int device_target(struct kobj *obj, char *buf, size_t size)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return link_path(buf, size, "%s/%s", mdev->parent->path, mdev->name);
}

static int bus_target(struct kobj *obj, char *buf, size_t size)
{
	(void)obj;
	return name_copy(buf, size, "bus/mdev");
}

static int driver_target(struct kobj *obj, char *buf, size_t size)
{
	return link_path(buf, size, "bus/mdev/drivers/%s",
			 to_mdev(obj)->parent->driver_name);
}

static int group_target(struct kobj *obj, char *buf, size_t size)
{
	return link_path(buf, size, "kernel/iommu_groups/%d", to_mdev(obj)->group);
}

static int type_target(struct kobj *obj, char *buf, size_t size)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return link_path(buf, size, "%s/mdev_supported_types/%s",
			 mdev->parent->path, mdev->type->id);
}

static int vfio_class_target(struct kobj *obj, char *buf, size_t size)
{
	(void)obj;
	return name_copy(buf, size, "class/vfio-dev");
}

static int vfio_dir_target(struct kobj *obj, char *buf, size_t size)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return link_path(buf, size, "%s/%s/vfio-dev/vfio%d", mdev->parent->path,
			 mdev->name, mdev->vfio);
}

/* The backend's attributes, one slot each, in <uuid>/vendor/ or in <uuid>/
 * (@in_dev). */
static int vattr_lookup(struct kobj *d, const char *name, struct sysfs_node *c,
			bool in_dev)
{
	struct mdevfs_type *type = to_mdev(d)->type;

	if (in_dev != !to_mdev(d)->parent->vendor_group)
		return -ENOENT;
	for (unsigned int i = 0; i < type->nvattrs; i++) {
		if (!strcmp(type->vattrs[i].name, name)) {
			*c = (struct sysfs_node){ d, D_VATTR + i };
			return 0;
		}
	}
	return -ENOENT;
}

static const struct sysfs_key *vattr_key(const void *type, unsigned int i)
{
	return &((const struct mdevfs_type *)type)->vattr_keys[i];
}

/* A type has a few attributes, fixed before its devices come: a scan. */
static bool vattr_next(struct kobj *d, const struct sysfs_key *after,
		       struct sysfs_node *c, const struct sysfs_key **key,
		       bool in_dev, void **cursor)
{
	const struct mdevfs_type *type = to_mdev(d)->type;
	int i;

	(void)cursor;
	if (in_dev != !to_mdev(d)->parent->vendor_group)
		return false;
	i = sysfs_key_scan(vattr_key, type, type->nvattrs, after);
	if (i < 0)
		return false;
	*c = (struct sysfs_node){ d, D_VATTR + (unsigned int)i };
	*key = vattr_key(type, (unsigned int)i);
	return true;
}

static int vendor_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	return vattr_lookup(d, name, c, false);
}

static bool vendor_next(struct kobj *d, const struct sysfs_key *after,
			struct sysfs_node *c, const struct sysfs_key **key,
			void **cursor)
{
	return vattr_next(d, after, c, key, false, cursor);
}

static int dev_attr_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	return vattr_lookup(d, name, c, true);
}

static bool dev_attr_next(struct kobj *d, const struct sysfs_key *after,
			  struct sysfs_node *c, const struct sysfs_key **key,
			  void **cursor)
{
	return vattr_next(d, after, c, key, true, cursor);
}

static const struct sysfs_coll vendor_coll = { vendor_lookup, vendor_next, NULL };
static const struct sysfs_coll dev_attr_coll = { dev_attr_lookup, dev_attr_next, NULL };

static const struct sysfs_entry *mdev_extra_entry(struct kobj *obj,
						  unsigned int slot)
{
	struct mdevfs_type *type = to_mdev(obj)->type;

	if (slot < D_VATTR || slot - D_VATTR >= type->nvattrs)
		return NULL;
	return &type->vattrs[slot - D_VATTR];
}

static const struct sysfs_entry mdev_entries[D_NR];

bool mdev_dir_core_name(const char *name)
{
	for (unsigned int s = 0; s < D_NR; s++)
		if (mdev_entries[s].dir == D_DIR && mdev_entries[s].name &&
		    !strcmp(mdev_entries[s].name, name))
			return true;
	return false;
}

/* Is @name taken in the directory the type's attributes go to? */
static bool attr_name_taken(const struct mdevfs_type *type, const char *name)
{
	for (unsigned int i = 0; i < type->nvattrs; i++)
		if (!strcmp(type->vattrs[i].name, name))
			return true;
	return !type->parent->vendor_group && mdev_dir_core_name(name);
}

int mdevfs_type_add_attr(struct mdevfs_type *type, const char *name,
			 mode_t mode)
{
	struct sysfs_entry *ent;

	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..") || strlen(name) > NAME_MAX || (mode & ~0777))
		return -EINVAL;
	if (D_VATTR + type->nvattrs >= SYSFS_MAX_SLOTS)
		return -ENOSPC;
	if (attr_name_taken(type, name))
		return -EEXIST;
	type->vattrs = g_renew(struct sysfs_entry, type->vattrs,
			       type->nvattrs + 1);
	type->vattr_keys = g_renew(struct sysfs_key, type->vattr_keys,
				   type->nvattrs + 1);
	ent = &type->vattrs[type->nvattrs];
	*ent = (struct sysfs_entry){
		.name = g_strdup(name),
		.mode = S_IFREG | mode,
		.dir = type->parent->vendor_group ? D_VENDOR : D_DIR,
		.needs = DEV_F_DIR | DEV_F_VENDOR,
		.flags = SYSFS_ACTIVE,
		.show = (mode & 0444) ? vendor_attr_show : NULL,
		.store = (mode & 0222) ? vendor_attr_store : NULL,
		.priv = type->nvattrs,
	};
	sysfs_key_init(&type->vattr_keys[type->nvattrs], ent->name);
	return (int)type->nvattrs++;
}

_Static_assert(D_NR <= D_VATTR, "device slots overlap vendor attributes");

#define IN_DIR   (DEV_F_DIR | DEV_F_CORE)
#define IN_VFIO  (DEV_F_DIR | DEV_F_VFIO_DIR | DEV_F_VFIO)
#define VFIO_DIR (DEV_F_DIR | DEV_F_VFIO_DIR)
#define IN_GROUP (DEV_F_GROUP_DIR | DEV_F_VFIO) /* the device in its group */
#define IN_VGROUP (DEV_F_GROUP_DIR | DEV_F_GROUP)

static const struct sysfs_entry mdev_entries[D_NR] = {
	[D_DIR] = { .get_name = uuid_name, .mode = DIR_MODE,
		    .dir = SYSFS_NO_DIR, .container = in_parent,
		    .needs = DEV_F_DIR, .coll = &dev_attr_coll },
	[D_UEVENT] = { .name = "uevent", .mode = RW_MODE, .dir = D_DIR,
		       .needs = IN_DIR, .show = uevent_show,
		       UEVENT_STORE(mdev_device_uevent) },
	[D_REMOVE] = { .name = "remove", .mode = WO_MODE, .dir = D_DIR,
		       .needs = DEV_F_DIR | DEV_F_REMOVE, .store = remove_store },
	[D_SUBSYSTEM] = { .name = "subsystem", .mode = LNK_MODE, .dir = D_DIR,
			  .needs = IN_DIR, .target = bus_target },
	POWER_ENTRIES(D_POWER, D_DIR, IN_DIR, KOBJ_F_PM_ON, KOBJ_F_ASYNC),
	[D_DRIVER] = { .name = "driver", .mode = LNK_MODE, .dir = D_DIR,
		       .needs = DEV_F_DIR | DEV_F_DRIVER, .target = driver_target },
	[D_IOMMU_GROUP] = { .name = "iommu_group", .mode = LNK_MODE,
			    .dir = D_DIR, .needs = DEV_F_DIR | DEV_F_VFIO,
			    .target = group_target },
	[D_MDEV_TYPE] = { .name = "mdev_type", .mode = LNK_MODE, .dir = D_DIR,
			  .needs = DEV_F_DIR | DEV_F_MDEV_TYPE,
			  .target = type_target },
	[D_VENDOR] = { .get_name = vendor_name, .mode = DIR_MODE, .dir = D_DIR,
		       .needs = DEV_F_DIR | DEV_F_VENDOR,
		       .is_visible = has_vendor_dir, .coll = &vendor_coll },
	[D_VFIO_DEV] = { .name = "vfio-dev", .mode = DIR_MODE, .dir = D_DIR,
			 .needs = VFIO_DIR },
	[D_VFIO_DIR] = { .get_name = vfio_name, .mode = DIR_MODE,
			 .dir = D_VFIO_DEV, .needs = VFIO_DIR },
	[D_VFIO_DEVICE] = { .name = "device", .mode = LNK_MODE,
			    .dir = D_VFIO_DIR, .needs = IN_VFIO,
			    .target = device_target },
	[D_VFIO_SUBSYSTEM] = { .name = "subsystem", .mode = LNK_MODE,
			       .dir = D_VFIO_DIR, .needs = IN_VFIO,
			       .target = vfio_class_target },
	[D_VFIO_UEVENT] = { .name = "uevent", .mode = RW_MODE,
			    .dir = D_VFIO_DIR, .needs = IN_VFIO,
			    .show = show_empty, UEVENT_STORE(mdev_vfio_uevent) },
	POWER_ENTRIES(D_VFIO_POWER, D_VFIO_DIR, IN_VFIO, KOBJ_F_VFIO_PM_ON,
		      KOBJ_F_VFIO_ASYNC),
	[D_BUS_LINK] = { .get_name = uuid_name, .mode = LNK_MODE,
			 .dir = SYSFS_NO_DIR, .container = in_bus_devices,
			 .needs = DEV_F_CORE, .target = device_target },
	[D_DRV_LINK] = { .get_name = uuid_name, .mode = LNK_MODE,
			 .dir = SYSFS_NO_DIR, .container = in_driver,
			 .needs = DEV_F_DRIVER, .target = device_target },
	[D_TYPE_LINK] = { .get_name = uuid_name, .mode = LNK_MODE,
			  .dir = SYSFS_NO_DIR, .container = in_type_devices,
			  .needs = DEV_F_TYPE_LINK, .target = device_target },
	[D_GROUP_DIR] = { .get_name = group_name, .mode = DIR_MODE,
			  .dir = SYSFS_NO_DIR, .container = in_iommu_groups,
			  .needs = DEV_F_GROUP_DIR },
	[D_GROUP_DEVICES] = { .name = "devices", .mode = DIR_MODE,
			      .dir = D_GROUP_DIR, .needs = DEV_F_GROUP_DIR },
	[D_GROUP_LINK] = { .get_name = uuid_name, .mode = LNK_MODE,
			   .dir = D_GROUP_DEVICES, .needs = IN_GROUP,
			   .target = device_target },
	[D_GROUP_NAME] = { .name = "name", .mode = RO_MODE, .dir = D_GROUP_DIR,
			   .needs = DEV_F_GROUP_DIR, .show = group_name_show },
	[D_GROUP_RESV] = { .name = "reserved_regions", .mode = RO_MODE,
			   .dir = D_GROUP_DIR, .needs = DEV_F_GROUP_DIR,
			   .show = show_empty },
	[D_GROUP_TYPE] = { .name = "type", .mode = RW_MODE, .dir = D_GROUP_DIR,
			   .needs = DEV_F_GROUP_DIR, .show = group_type_show,
			   .store = group_type_store },
	[D_VFIO_CLASS_LINK] = { .get_name = vfio_name, .mode = LNK_MODE,
				.dir = SYSFS_NO_DIR, .container = in_vfio_class,
				.needs = DEV_F_VFIO, .target = vfio_dir_target },
	[D_VGROUP_DIR] = { .get_name = group_name, .mode = DIR_MODE,
			   .dir = SYSFS_NO_DIR, .container = in_vfio_groups,
			   .needs = DEV_F_GROUP_DIR },
	[D_VGROUP_DEV] = { .name = "dev", .mode = RO_MODE, .dir = D_VGROUP_DIR,
			   .needs = IN_VGROUP, .show = vfio_group_dev_show },
	[D_VGROUP_UEVENT] = { .name = "uevent", .mode = RW_MODE,
			      .dir = D_VGROUP_DIR, .needs = IN_VGROUP,
			      .show = vfio_group_uevent_show,
			      UEVENT_STORE(mdev_vfio_group_uevent) },
	[D_VGROUP_SUBSYSTEM] = { .name = "subsystem", .mode = LNK_MODE,
				 .dir = D_VGROUP_DIR, .needs = IN_VGROUP,
				 .target = vfio_group_class_target },
	POWER_ENTRIES(D_VGROUP_POWER, D_VGROUP_DIR, IN_VGROUP,
		      KOBJ_F_GROUP_PM_ON, KOBJ_F_GROUP_ASYNC),
	[D_VGROUP_CLASS_LINK] = { .get_name = group_name, .mode = LNK_MODE,
				  .dir = SYSFS_NO_DIR,
				  .container = in_vfio_group_class,
				  .needs = DEV_F_GROUP,
				  .target = vfio_group_target },
};

const struct kobj_type mdev_ktype = {
	.name = "mdev",
	.entries = mdev_entries,
	.nentries = D_NR,
	.extra_entry = mdev_extra_entry,
	.extra_first = D_VATTR,
	.active_sem = mdev_active_sem,
	.release = mdev_release,
};
