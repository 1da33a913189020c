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
static GPtrArray *groups;     /* group -> device; sysfs_rwsem */
static GPtrArray *vfios;      /* vfio index -> device; sysfs_rwsem */
static unsigned long ngroups; /* sysfs_rwsem */

void mdev_vfio_init(void)
{
	ida_init(&group_ida);
	ida_init(&vfio_ida);
	groups = g_ptr_array_new();
	vfios = g_ptr_array_new();
}

void mdev_vfio_fini(void)
{
	g_ptr_array_free(vfios, TRUE);
	g_ptr_array_free(groups, TRUE);
	ida_destroy(&vfio_ida);
	ida_destroy(&group_ida);
}

static void slot_set(GPtrArray *array, int index, void *value)
{
	if ((guint)index >= array->len)
		g_ptr_array_set_size(array, index + 1);
	array->pdata[index] = value;
}

int mdev_vfio_register(struct mdevfs_device *mdev)
{
	int group, vfio;

	group = ida_alloc(&group_ida);
	if (group < 0)
		return group;
	vfio = ida_alloc(&vfio_ida);
	if (vfio < 0) {
		ida_free(&group_ida, group);
		return vfio;
	}
	sysfs_write_lock();
	mdev->group = group;
	mdev->vfio = vfio;
	slot_set(groups, group, mdev);
	slot_set(vfios, vfio, mdev);
	ngroups++;
	sysfs_update_locked(&mdev->kobj, DEV_F_VFIO, 0);
	sysfs_write_unlock();
	return 0;
}

void mdev_vfio_unregister(struct mdevfs_device *mdev)
{
	int group, vfio;

	sysfs_write_lock();
	if (!(mdev->kobj.flags & DEV_F_VFIO)) {
		sysfs_write_unlock();
		return;
	}
	/* Hidden while the numbers still name the entries. */
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_VFIO);
	group = mdev->group;
	vfio = mdev->vfio;
	groups->pdata[group] = NULL;
	vfios->pdata[vfio] = NULL;
	ngroups--;
	sysfs_write_unlock();
	ida_free(&vfio_ida, vfio);
	ida_free(&group_ida, group);
}

static struct mdevfs_device *slot_get(GPtrArray *array, int index)
{
	return index >= 0 && (guint)index < array->len ?
		       g_ptr_array_index(array, index) : NULL;
}

struct mdevfs_device *mdev_by_group(int group) { return slot_get(groups, group); }
struct mdevfs_device *mdev_by_vfio(int vfio) { return slot_get(vfios, vfio); }
unsigned long mdev_group_count(void) { return ngroups; }

static bool slot_next(GPtrArray *array, uint64_t *pos,
		      struct mdevfs_device **mdev)
{
	for (; *pos < array->len; (*pos)++) {
		*mdev = g_ptr_array_index(array, *pos);
		if (*mdev)
			return true;
	}
	return false;
}

bool mdev_next_group(uint64_t *pos, struct mdevfs_device **mdev)
{
	return slot_next(groups, pos, mdev);
}

bool mdev_next_vfio(uint64_t *pos, struct mdevfs_device **mdev)
{
	return slot_next(vfios, pos, mdev);
}
