/* SPDX-License-Identifier: MIT */
/* Slots and shorthands shared by the attribute tables (mdev_sysfs_*.c). */
#ifndef MDEVFS_MDEV_SYSFS_H
#define MDEVFS_MDEV_SYSFS_H

#include "mdev_private.h"

#define DIR_MODE (S_IFDIR | 0755)
#define LNK_MODE (S_IFLNK | 0777)
#define RO_MODE  (S_IFREG | 0444)
#define WO_MODE  (S_IFREG | 0200)
#define RW_MODE  (S_IFREG | 0644)

enum { PD_DIR, PD_NR };                         /* path directories */
enum { S_DIR, S_DEVICES, S_NR };                /* class/<x>, bus/<x> */
enum { DRV_DIR, DRV_BIND, DRV_UNBIND, DRV_UEVENT, DRV_NR };

enum {                                          /* parents */
	P_DIR, P_UEVENT, P_SUBSYSTEM, P_POWER,
	P_TYPES = P_POWER + 6, P_CLASS_LINK, P_SUBSYS_LINK, P_NR
};

enum {                                          /* types */
	T_DIR, T_CREATE, T_AVAILABLE, T_DEVICE_API, T_NAME, T_DESCRIPTION,
	T_DEVICES, T_NR
};

enum {                                          /* devices */
	D_DIR, D_UEVENT, D_REMOVE, D_SUBSYSTEM, D_POWER,
	D_DRIVER = D_POWER + 6, D_IOMMU_GROUP, D_MDEV_TYPE, D_VENDOR,
	D_VFIO_DEV, D_VFIO_DIR, D_VFIO_DEVICE, D_VFIO_SUBSYSTEM, D_VFIO_UEVENT,
	D_VFIO_POWER,
	D_BUS_LINK = D_VFIO_POWER + 6, D_DRV_LINK, D_TYPE_LINK, D_GROUP_DIR,
	D_GROUP_DEVICES, D_GROUP_LINK, D_GROUP_NAME, D_GROUP_RESV,
	D_GROUP_TYPE, D_VFIO_CLASS_LINK, D_NR,
	D_VATTR = 64 /* vendor attributes: D_VATTR + index */
};

/* power/ with the runtime-PM files a device without runtime PM shows.
 * @pm_on is the kobj flag bit remembering "control" = on. */
#define POWER_ENTRIES(first, parent_dir, need, pm_on)                        \
	[(first)] = { .name = "power", .mode = DIR_MODE,                     \
		      .dir = (parent_dir), .needs = (need) },                \
	[(first) + 1] = { .name = "autosuspend_delay_ms", .mode = RW_MODE,   \
			  .dir = (first), .needs = (need),                   \
			  .show = power_autosuspend_show,                    \
			  .store = power_autosuspend_store },                \
	[(first) + 2] = { .name = "control", .mode = RW_MODE,                \
			  .dir = (first), .needs = (need),                   \
			  .show = power_control_show,                        \
			  .store = power_control_store, .priv = (pm_on) },   \
	[(first) + 3] = { .name = "runtime_active_time", .mode = RO_MODE,    \
			  .dir = (first), .needs = (need), .show = show_zero }, \
	[(first) + 4] = { .name = "runtime_status", .mode = RO_MODE,         \
			  .dir = (first), .needs = (need),                   \
			  .show = power_status_show },                       \
	[(first) + 5] = { .name = "runtime_suspended_time", .mode = RO_MODE, \
			  .dir = (first), .needs = (need), .show = show_zero }

typedef ssize_t sysfs_show_t(struct kobj *, const struct sysfs_entry *, char *);
typedef ssize_t sysfs_store_t(struct kobj *, const struct sysfs_entry *,
			      const char *, size_t, struct mdev_store_ctx *);

/* mdev_sysfs_common.c: attributes and helpers several tables use */
sysfs_show_t show_zero, show_empty, power_control_show, power_status_show,
	power_autosuspend_show;
sysfs_store_t power_control_store, power_autosuspend_store;
/* mdev_uevent.c: the store of every uevent file, which sends the event
 * @build makes for the file's object. */
sysfs_store_t uevent_store;
#define UEVENT_STORE(build) .store = uevent_store, .priv = (uintptr_t)(build)
ssize_t emit(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int uuid_name_lookup(const char *name, struct mdevfs_device **mdev);
void root_node(unsigned int slot, struct sysfs_node *dir);
void pathdir_or_root(struct mdev_pathdir *dir, struct sysfs_node *node);
bool tree_next(GTree *tree, const struct sysfs_key *after, unsigned int slot,
	       struct sysfs_node *child, const struct sysfs_key **key);

#endif /* MDEVFS_MDEV_SYSFS_H */
