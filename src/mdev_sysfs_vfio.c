// SPDX-License-Identifier: MIT
/*
 * What vfio shows of a device by its numbers: kernel/iommu_groups/N,
 * class/vfio-dev/vfioN and the vfio group devices (the kernel's
 * vfio_group, one per emulated iommu group): devices/virtual/vfio/N, with
 * its dev and uevent (/dev/vfio/N, major VFIO_GROUP_MAJOR), and
 * class/vfio/N.  The entries are the device's own slots (the device
 * table, mdev_sysfs_device.c); the directories here list the devices by
 * the names of their numbers (mdev_vfio.c).
 */
#include <errno.h>

#include "mdev_sysfs.h"

/* Devices by number, listed by the names of their numbers, as entry
 * @slot of each. */
static int numbered_lookup(enum mdev_number kind, unsigned int slot,
			   const char *name, struct sysfs_node *c)
{
	struct mdevfs_device *mdev = name_tree_find(mdev_numbered(kind), name);

	if (!mdev)
		return -ENOENT;
	*c = (struct sysfs_node){ &mdev->kobj, slot };
	return 0;
}

static bool numbered_next(enum mdev_number kind, unsigned int slot,
			  const struct sysfs_key *after, struct sysfs_node *c,
			  const struct sysfs_key **key, void **cursor)
{
	struct mdevfs_device *mdev = name_tree_next(mdev_numbered(kind), after,
						    key, cursor);

	if (!mdev)
		return false;
	*c = (struct sysfs_node){ &mdev->kobj, slot };
	return true;
}

/* One collection per directory: its kind of number and its entry. */
#define NUMBERED_COLL(coll, kind, slot, nsubdirs)                             \
	static int coll##_lookup(struct kobj *d, const char *name,           \
				 struct sysfs_node *c)                       \
	{                                                                    \
		(void)d;                                                     \
		return numbered_lookup(kind, slot, name, c);                 \
	}                                                                    \
	static bool coll##_next(struct kobj *d, const struct sysfs_key *after, \
				struct sysfs_node *c,                        \
				const struct sysfs_key **key, void **cursor) \
	{                                                                    \
		(void)d;                                                     \
		return numbered_next(kind, slot, after, c, key, cursor);     \
	}                                                                    \
	const struct sysfs_coll coll = { coll##_lookup, coll##_next, nsubdirs }

/* For directories of directories: every numbered device shows one, since
 * a number and its entries come and go together under sysfs_rwsem. */
static unsigned long groups_nsubdirs(struct kobj *d)
{
	(void)d;
	return name_tree_size(mdev_numbered(MDEV_GROUP));
}

NUMBERED_COLL(iommu_groups_coll, MDEV_GROUP, D_GROUP_DIR, groups_nsubdirs);
NUMBERED_COLL(vfio_dev_class_coll, MDEV_VFIO, D_VFIO_CLASS_LINK, NULL);
NUMBERED_COLL(vfio_class_coll, MDEV_GROUP, D_VGROUP_CLASS_LINK, NULL);
NUMBERED_COLL(vfio_groups_coll, MDEV_GROUP, D_VGROUP_DIR, groups_nsubdirs);

/* A vfio group device's attributes */

ssize_t vfio_group_dev_show(struct kobj *obj, const struct sysfs_entry *ent,
			    char *buf)
{
	(void)ent;
	return emit(buf, "%d:%d\n", VFIO_GROUP_MAJOR, to_mdev(obj)->group);
}

ssize_t vfio_group_uevent_show(struct kobj *obj, const struct sysfs_entry *ent,
			       char *buf)
{
	int group = to_mdev(obj)->group;

	(void)ent;
	return emit(buf, "MAJOR=%d\nMINOR=%d\nDEVNAME=vfio/%d\n",
		    VFIO_GROUP_MAJOR, group, group);
}

int vfio_group_target(struct kobj *obj, char *buf, size_t size)
{
	return link_path(buf, size, "devices/virtual/vfio/%d", to_mdev(obj)->group);
}

int vfio_group_class_target(struct kobj *obj, char *buf, size_t size)
{
	(void)obj;
	return name_copy(buf, size, "class/vfio");
}

void in_vfio_groups(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	*dir = (struct sysfs_node){ mdev_vfio_groups_dir(), VG_DIR };
}

/* devices/virtual/vfio, the vfio class's directory under virtual/ */

static int groups_dir_name(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf, size_t size)
{
	(void)obj, (void)ent;
	return name_copy(buf, size, "vfio");
}

static void groups_dir_container(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	pathdir_or_root(mdev_vfio_groups_dir_in(), dir);
}

static const struct sysfs_entry vfio_groups_entries[VG_NR] = {
	[VG_DIR] = { .get_name = groups_dir_name, .mode = DIR_MODE,
		     .dir = SYSFS_NO_DIR, .container = groups_dir_container,
		     .needs = OBJ_F_VISIBLE, .coll = &vfio_groups_coll },
};

const struct kobj_type vfio_groups_ktype = {
	.name = "vfio-groups",
	.entries = vfio_groups_entries,
	.nentries = VG_NR,
};
