// SPDX-License-Identifier: MIT
/*
 * What the vfio core adds when a vendor driver registers an emulated-IOMMU
 * vfio device (vfio_register_emulated_iommu_dev()): a new iommu group named
 * vfio-noiommu with its vfio group device (devices/virtual/vfio/N, the
 * char device /dev/vfio/N), then the device in the group and a
 * vfio-dev/vfioN child.  Both numbers come from IDAs, so the lowest free
 * number is taken and freed ones are reused.
 */
#include <errno.h>
#include <stdio.h>

#include "ida.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mdev_private.h"

#define GROUPS_DIR_PATH "devices/virtual/vfio"

static struct ida group_ida, vfio_ida;
/* devices/virtual/vfio (the vfio class's glue directory) and the path
 * directory holding it while it is there; sysfs_rwsem */
static struct kobj groups_dir;
static struct mdev_pathdir *groups_dir_in;
static bool groups_dir_kept; /* there while empty too; sysfs_rwsem */
/* For each enum mdev_number: its name -> device, in kernfs order (the
 * directories list them by name hash); sysfs_rwsem */
static struct name_tree *numbered[MDEV_NUMBERS];
static const char *const number_format[MDEV_NUMBERS] = { "%d", "vfio%d" };

void mdev_vfio_init(void)
{
	ida_init(&group_ida);
	ida_init(&vfio_ida);
	for (int i = 0; i < MDEV_NUMBERS; i++)
		numbered[i] = name_tree_new();
	kobj_init(&groups_dir, &vfio_groups_ktype);
	sysfs_key_init(&groups_dir.key, "vfio");
}

static struct mdev_pathdir *groups_dir_hide_locked(const struct mdev_store_ctx *sc);

void mdev_vfio_fini(void)
{
	struct mdev_pathdir *dir;

	sysfs_write_lock();
	groups_dir_kept = false;
	dir = groups_dir_hide_locked(NULL);
	sysfs_write_unlock();
	if (dir)
		kobj_put(&dir->kobj);
	for (int i = 0; i < MDEV_NUMBERS; i++)
		name_tree_free(numbered[i]);
	ida_destroy(&vfio_ida);
	ida_destroy(&group_ida);
}

struct name_tree *mdev_numbered(enum mdev_number kind)
{
	return numbered[kind];
}

struct kobj *mdev_vfio_groups_dir(void) { return &groups_dir; }
struct mdev_pathdir *mdev_vfio_groups_dir_in(void) { return groups_dir_in; }

/* devices/virtual/vfio comes with the first group, as the kernel's glue
 * directory of a class (get_device_parent()).  sysfs_rwsem exclusive. */
static int groups_dir_show_locked(const struct mdev_store_ctx *sc)
{
	if (groups_dir_in)
		return 0;
	groups_dir_in = mdev_pathdir_attach(GROUPS_DIR_PATH, &groups_dir);
	if (!groups_dir_in)
		return -EEXIST;
	sysfs_update_locked(&groups_dir, OBJ_F_VISIBLE, 0, sc);
	return 0;
}

/* ... and goes with the last (cleanup_glue_dir()), unless kept.  Returns
 * the directory it was in, for the caller to put once unlocked. */
static struct mdev_pathdir *groups_dir_hide_locked(const struct mdev_store_ctx *sc)
{
	struct mdev_pathdir *dir;

	if (!groups_dir_in || groups_dir_kept ||
	    name_tree_size(numbered[MDEV_GROUP]))
		return NULL;
	sysfs_update_locked(&groups_dir, 0, OBJ_F_VISIBLE, sc);
	dir = move_ptr(groups_dir_in);
	mdev_pathdir_detach(dir, &groups_dir);
	return dir;
}

static gboolean collect_group(gpointer key, gpointer value, gpointer groups)
{
	const struct mdevfs_device *mdev = value;

	(void)key;
	g_array_append_val(groups, mdev->group);
	return FALSE;
}

static gint by_number(gconstpointer a, gconstpointer b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

GArray *mdev_vfio_groups(void)
{
	GArray *groups = g_array_new(FALSE, FALSE, sizeof(int));

	sysfs_read_lock();
	name_tree_foreach(numbered[MDEV_GROUP], collect_group, groups);
	sysfs_read_unlock();
	g_array_sort(groups, by_number);
	return groups;
}

struct mdevfs_device *mdev_vfio_group_device(int group)
{
	struct mdevfs_device *mdev;
	char name[16];

	snprintf(name, sizeof(name), number_format[MDEV_GROUP], group);
	sysfs_read_lock();
	mdev = name_tree_find(numbered[MDEV_GROUP], name);
	if (mdev)
		kobj_get(&mdev->kobj);
	sysfs_read_unlock();
	return mdev;
}

bool mdev_vfio_group_live(int group)
{
	struct mdevfs_device *mdev = mdev_vfio_group_device(group);

	if (mdev)
		mdev_put(mdev);
	return mdev != NULL;
}

int mdev_vfio_keep_groups_dir(void)
{
	int ret;

	sysfs_write_lock();
	ret = groups_dir_show_locked(NULL);
	groups_dir_kept = !ret;
	sysfs_write_unlock();
	return ret;
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

/* The iommu group and its vfio group device, then its add event. */
static int group_add(struct mdevfs_device *mdev, int group, int vfio,
		     const struct mdev_store_ctx *sc)
{
	int ret;

	sysfs_write_lock();
	ret = groups_dir_show_locked(sc);
	if (!ret) {
		mdev->group = group;
		mdev->vfio = vfio;
		number_add(mdev, MDEV_GROUP, group);
		number_add(mdev, MDEV_VFIO, vfio);
		sysfs_update_locked(&mdev->kobj, DEV_F_GROUP_DIR | DEV_F_GROUP,
				    0, sc);
	}
	sysfs_write_unlock();
	if (ret)
		log_err("%s: cannot add %s: a parent is in the way", mdev->name,
			GROUPS_DIR_PATH);
	else
		mdev_send_uevent(&mdev->kobj, mdev_vfio_group_uevent, KOBJ_ADD,
				 NULL, sc);
	return ret;
}

int mdev_vfio_register(struct mdevfs_device *mdev,
		       const struct mdev_store_ctx *sc)
{
	int group, vfio, ret;

	group = number_alloc(&group_ida, mdev, mdev->restore_group);
	if (group < 0)
		return group;
	vfio = number_alloc(&vfio_ida, mdev, mdev->restore_vfio);
	if (vfio < 0) {
		ret = vfio;
		goto out_group;
	}
	ret = group_add(mdev, group, vfio, sc);
	if (ret)
		goto out_vfio;
	/* The device in its group, and vfio-dev/vfioN. */
	sysfs_update(&mdev->kobj, DEV_F_VFIO_DIR | DEV_F_VFIO, 0, sc);
	mdev_send_uevent(&mdev->kobj, mdev_vfio_uevent, KOBJ_ADD, NULL, sc);
	return 0;

out_vfio:
	ida_free(&vfio_ida, vfio);
out_group:
	ida_free(&group_ida, group);
	return ret;
}

/* vfio-dev/vfioN and the device's place in its group go, then the group
 * with its vfio group device; each remove event goes out while its
 * directory is still there, empty, as device_del() sends it. */
void mdev_vfio_unregister(struct mdevfs_device *mdev,
			  const struct mdev_store_ctx *sc)
{
	struct mdev_pathdir *dir;
	int group, vfio;

	sysfs_write_lock();
	if (!(mdev->kobj.flags & DEV_F_GROUP_DIR)) {
		sysfs_write_unlock();
		return;
	}
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_VFIO, sc);
	sysfs_write_unlock();
	mdev_send_uevent(&mdev->kobj, mdev_vfio_uevent, KOBJ_REMOVE, NULL, sc);
	sysfs_update(&mdev->kobj, 0, DEV_F_VFIO_DIR | DEV_F_GROUP, sc);
	mdev_send_uevent(&mdev->kobj, mdev_vfio_group_uevent, KOBJ_REMOVE,
			 NULL, sc);

	sysfs_write_lock();
	/* Hidden while the numbers still name the entries. */
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_GROUP_DIR, sc);
	group = mdev->group;
	vfio = mdev->vfio;
	for (int i = 0; i < MDEV_NUMBERS; i++)
		name_tree_remove(numbered[i], &mdev->numbers[i].key);
	dir = groups_dir_hide_locked(sc);
	sysfs_write_unlock();
	if (dir)
		kobj_put(&dir->kobj);
	ida_free(&vfio_ida, vfio);
	ida_free(&group_ida, group);
}
