// SPDX-License-Identifier: MIT
/*
 * What the vfio core adds when a vendor driver registers an emulated-IOMMU
 * vfio device (vfio_register_emulated_iommu_dev()): a new iommu group named
 * vfio-noiommu, and a vfio-dev/vfioN child.  Both numbers come from IDAs,
 * so the lowest free number is taken and freed ones are reused.
 */
#include <errno.h>

#include "ida.h"
#include "mdev_private.h"

static struct ida group_ida, vfio_ida;
/* number -> device, for each enum mdev_number; sysfs_rwsem */
static GPtrArray *numbered[MDEV_NUMBERS];
static unsigned long ngroups; /* sysfs_rwsem */

void mdev_vfio_init(void)
{
	ida_init(&group_ida);
	ida_init(&vfio_ida);
	for (int i = 0; i < MDEV_NUMBERS; i++)
		numbered[i] = g_ptr_array_new();
}

void mdev_vfio_fini(void)
{
	for (int i = 0; i < MDEV_NUMBERS; i++)
		g_ptr_array_free(numbered[i], TRUE);
	ida_destroy(&vfio_ida);
	ida_destroy(&group_ida);
}

static void slot_set(GPtrArray *array, int index, void *value)
{
	if ((guint)index >= array->len)
		g_ptr_array_set_size(array, index + 1);
	array->pdata[index] = value;
}

/* The lowest free number, or the device's own again when it is restored
 * after a crash (state.c), so clients that knew it find it unchanged. */
static int number_alloc(struct ida *ida, const struct mdevfs_device *mdev,
			int restore)
{
	return mdev->restored ? ida_alloc_exact(ida, restore) : ida_alloc(ida);
}

int mdev_vfio_register(struct mdevfs_device *mdev)
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
	slot_set(numbered[MDEV_GROUP], group, mdev);
	slot_set(numbered[MDEV_VFIO], vfio, mdev);
	ngroups++;
	sysfs_update_locked(&mdev->kobj, DEV_F_VFIO, 0);
	sysfs_write_unlock();
	mdev_send_uevent(&mdev->kobj, mdev_vfio_uevent, KOBJ_ADD, NULL);
	return 0;
}

void mdev_vfio_unregister(struct mdevfs_device *mdev)
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
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_VFIO);
	group = mdev->group;
	vfio = mdev->vfio;
	numbered[MDEV_GROUP]->pdata[group] = NULL;
	numbered[MDEV_VFIO]->pdata[vfio] = NULL;
	ngroups--;
	sysfs_write_unlock();
	uevent_emit(ev);
	ida_free(&vfio_ida, vfio);
	ida_free(&group_ida, group);
}

struct mdevfs_device *mdev_by_number(enum mdev_number kind, int n)
{
	GPtrArray *array = numbered[kind];

	return n >= 0 && (guint)n < array->len ? g_ptr_array_index(array, n) : NULL;
}

bool mdev_next_number(enum mdev_number kind, uint64_t *pos,
		      struct mdevfs_device **mdev)
{
	GPtrArray *array = numbered[kind];

	for (; *pos < array->len; (*pos)++) {
		*mdev = g_ptr_array_index(array, *pos);
		if (*mdev)
			return true;
	}
	return false;
}

unsigned long mdev_group_count(void)
{
	return ngroups;
}
