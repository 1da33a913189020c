// SPDX-License-Identifier: MIT
/*
 * What the vfio core adds when a vendor driver registers an emulated-IOMMU
 * vfio device (vfio_register_emulated_iommu_dev()): a new iommu group named
 * vfio-noiommu, and a vfio-dev/vfioN child.  Both numbers come from IDAs,
 * so the lowest free number is taken and freed ones are reused.
 */
#include <errno.h>
#include <stdio.h>

#include "ida.h"
#include "mdev_private.h"

static struct ida group_ida, vfio_ida;
/* For each enum mdev_number: its name -> device, in kernfs order (the
 * directories list them by name hash); sysfs_rwsem */
static GTree *numbered[MDEV_NUMBERS];
static const char *const number_format[MDEV_NUMBERS] = { "%d", "vfio%d" };

void mdev_vfio_init(void)
{
	ida_init(&group_ida);
	ida_init(&vfio_ida);
	for (int i = 0; i < MDEV_NUMBERS; i++)
		numbered[i] = name_tree_new();
}

void mdev_vfio_fini(void)
{
	for (int i = 0; i < MDEV_NUMBERS; i++)
		g_tree_destroy(numbered[i]);
	ida_destroy(&vfio_ida);
	ida_destroy(&group_ida);
}

GTree *mdev_numbered(enum mdev_number kind)
{
	return numbered[kind];
}

/* Gives @mdev number @n of @kind: named, and listed under that name. */
static void number_add(struct mdevfs_device *mdev, enum mdev_number kind, int n)
{
	struct mdev_number_name *nn = &mdev->numbers[kind];

	snprintf(nn->name, sizeof(nn->name), number_format[kind], n);
	sysfs_key_init(&nn->key, nn->name);
	name_tree_insert(numbered[kind], &nn->key, mdev);
}

/* The lowest free number, or the device's own again when it is restored
 * after a crash (state.c), so clients that knew it find it unchanged. */
static int number_alloc(struct ida *ida, const struct mdevfs_device *mdev,
			int restore)
{
	return mdev->restored ? ida_alloc_exact(ida, restore) : ida_alloc(ida);
}

int mdev_vfio_register(struct mdevfs_device *mdev,
		       const struct mdev_store_ctx *sc)
{
	int group, vfio;

	group = number_alloc(&group_ida, mdev, mdev->restore_group);
	if (group < 0)
		return group;
	vfio = number_alloc(&vfio_ida, mdev, mdev->restore_vfio);
	if (vfio < 0) {
		ida_free(&group_ida, group);
		return vfio;
	}
	sysfs_write_lock();
	mdev->group = group;
	mdev->vfio = vfio;
	number_add(mdev, MDEV_GROUP, group);
	number_add(mdev, MDEV_VFIO, vfio);
	sysfs_update_locked(&mdev->kobj, DEV_F_VFIO, 0, sc);
	sysfs_write_unlock();
	mdev_send_uevent(&mdev->kobj, mdev_vfio_uevent, KOBJ_ADD, NULL, sc);
	return 0;
}

void mdev_vfio_unregister(struct mdevfs_device *mdev,
			  const struct mdev_store_ctx *sc)
{
	struct uevent *ev;
	int group, vfio;

	sysfs_write_lock();
	if (!(mdev->kobj.flags & DEV_F_VFIO)) {
		sysfs_write_unlock();
		return;
	}
	/* Named while its number is still its own; sent once it is gone. */
	ev = mdev_vfio_uevent(&mdev->kobj, KOBJ_REMOVE, NULL);
	/* Hidden while the numbers still name the entries. */
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_VFIO, sc);
	group = mdev->group;
	vfio = mdev->vfio;
	for (int i = 0; i < MDEV_NUMBERS; i++)
		name_tree_remove(numbered[i], &mdev->numbers[i].key);
	sysfs_write_unlock();
	mdev_emit_uevent(ev, sc);
	ida_free(&vfio_ida, vfio);
	ida_free(&group_ida, group);
}
