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

#define POWER_NR 10 /* slots POWER_ENTRIES() takes: power/ and 9 files */
#define PCI_NR 8    /* slots PCI_ENTRIES() takes */

enum { PD_DIR, PD_NR };                         /* path directories */
enum { S_DIR, S_DEVICES, S_DRIVERS, S_NR };     /* class/<x>, bus/<x> */
enum {                                          /* bus/<x>/drivers/<d> */
	BD_DIR, BD_BIND, BD_NEW_ID, BD_REMOVE_ID, BD_UNBIND, BD_UEVENT, BD_NR
};
enum { VG_DIR, VG_NR };                         /* devices/virtual/vfio */
enum {                                          /* module/<name> */
	M_DIR, M_CORESIZE, M_DRIVERS, M_DRIVER_LINK, M_HOLDERS, M_INITSIZE,
	M_INITSTATE, M_PARAMS, M_REFCNT, M_SRCVERSION, M_TAINT, M_UEVENT,
	M_VERSION, M_NR,
	M_PARAM = 16 /* parameters: M_PARAM + index */
};
enum { DRV_DIR, DRV_BIND, DRV_UNBIND, DRV_UEVENT, DRV_MODULE, DRV_NR };

enum {                                          /* parents */
	P_DIR, P_UEVENT, P_SUBSYSTEM, P_POWER,
	P_TYPES = P_POWER + POWER_NR, P_CLASS_LINK, P_SUBSYS_LINK, P_DRIVER,
	P_DRV_LINK, P_PCI,
	P_NR = P_PCI + PCI_NR
};

enum {                                          /* types */
	T_DIR, T_CREATE, T_AVAILABLE, T_DEVICE_API, T_NAME, T_DESCRIPTION,
	T_DEVICES, T_NR
};

enum {                                          /* devices */
	D_DIR, D_UEVENT, D_REMOVE, D_SUBSYSTEM, D_POWER,
	D_DRIVER = D_POWER + POWER_NR, D_IOMMU_GROUP, D_MDEV_TYPE, D_VENDOR,
	D_VFIO_DEV, D_VFIO_DIR, D_VFIO_DEVICE, D_VFIO_SUBSYSTEM, D_VFIO_UEVENT,
	D_VFIO_POWER,
	D_BUS_LINK = D_VFIO_POWER + POWER_NR, D_DRV_LINK, D_TYPE_LINK, D_GROUP_DIR,
	D_GROUP_DEVICES, D_GROUP_LINK, D_GROUP_NAME, D_GROUP_RESV,
	D_GROUP_TYPE, D_VFIO_CLASS_LINK,
	D_VGROUP_DIR, D_VGROUP_DEV, D_VGROUP_UEVENT, D_VGROUP_SUBSYSTEM,
	D_VGROUP_POWER, D_VGROUP_CLASS_LINK = D_VGROUP_POWER + POWER_NR, D_NR,
	D_VATTR = 64 /* vendor attributes: D_VATTR + index */
};

/* power/ of a device without runtime PM, with the files of
 * CONFIG_PM_ADVANCED_DEBUG (Debian's kernels have it).  @pm_on and
 * @async_on are the kobj flag bits remembering "control" = on and
 * "async" = enabled. */
#define POWER_FILE(first, n, fname, fmode, need, ...)                        \
	[(first) + (n)] = { .name = (fname), .mode = (fmode), .dir = (first), \
			    .needs = (need), __VA_ARGS__ }
#define POWER_ENTRIES(first, parent_dir, need, pm_on, async_on)              \
	[(first)] = { .name = "power", .mode = DIR_MODE,                     \
		      .dir = (parent_dir), .needs = (need) },                \
	POWER_FILE(first, 1, "autosuspend_delay_ms", RW_MODE, need,          \
		   .show = power_autosuspend_show,                           \
		   .store = power_autosuspend_store),                        \
	POWER_FILE(first, 2, "control", RW_MODE, need,                       \
		   .show = power_control_show,                               \
		   .store = power_control_store, .priv = (pm_on)),           \
	POWER_FILE(first, 3, "runtime_active_time", RO_MODE, need,           \
		   .show = show_zero),                                       \
	POWER_FILE(first, 4, "runtime_status", RO_MODE, need,                \
		   .show = power_status_show),                               \
	POWER_FILE(first, 5, "runtime_suspended_time", RO_MODE, need,        \
		   .show = show_zero),                                       \
	POWER_FILE(first, 6, "async", RW_MODE, need,                         \
		   .show = power_async_show, .store = power_async_store,     \
		   .priv = (async_on)),                                      \
	POWER_FILE(first, 7, "runtime_active_kids", RO_MODE, need,           \
		   .show = show_zero),                                       \
	POWER_FILE(first, 8, "runtime_enabled", RO_MODE, need,               \
		   .show = power_enabled_show, .priv = (pm_on)),             \
	POWER_FILE(first, 9, "runtime_usage", RO_MODE, need,                 \
		   .show = power_usage_show, .priv = (pm_on))

/* A PCI parent's function files, in @dir of a parent (mdev_sysfs_pci.c). */
#define PCI_FILE(first, n, fname, fmode, need, ...)                          \
	[(first) + (n)] = { .name = (fname), .mode = (fmode), .dir = P_DIR,   \
			    .needs = (need), .is_visible = parent_is_pci,     \
			    __VA_ARGS__ }
#define PCI_ID_FILE(first, n, fname, need, field)                            \
	PCI_FILE(first, n, fname, RO_MODE, need, .show = pci_id_show,        \
		 .priv = offsetof(struct mdev_pci_info, field))
#define PCI_ENTRIES(first, need)                                             \
	PCI_FILE(first, 0, "class", RO_MODE, need, .show = pci_class_show),  \
	PCI_FILE(first, 1, "config", RW_MODE, need, .show = pci_config_show, \
		 .store = pci_config_store),                                 \
	PCI_ID_FILE(first, 2, "device", need, device),                       \
	PCI_FILE(first, 3, "numa_node", RW_MODE, need,                       \
		 .show = pci_numa_node_show, .store = pci_config_store),     \
	PCI_FILE(first, 4, "revision", RO_MODE, need,                        \
		 .show = pci_revision_show),                                 \
	PCI_ID_FILE(first, 5, "subsystem_device", need, subsys_device),      \
	PCI_ID_FILE(first, 6, "subsystem_vendor", need, subsys_vendor),      \
	PCI_ID_FILE(first, 7, "vendor", need, vendor)

typedef ssize_t sysfs_show_t(struct kobj *, const struct sysfs_entry *, char *);
typedef ssize_t sysfs_store_t(struct kobj *, const struct sysfs_entry *,
			      const char *, size_t, struct mdev_store_ctx *);

/* mdev_sysfs_common.c: attributes and helpers several tables use */
sysfs_show_t show_zero, show_empty, power_control_show, power_status_show,
	power_autosuspend_show, power_async_show, power_enabled_show,
	power_usage_show;
sysfs_store_t power_control_store, power_autosuspend_store, power_async_store;
/* mdev_sysfs_pci.c */
sysfs_show_t pci_class_show, pci_config_show, pci_id_show, pci_numa_node_show,
	pci_revision_show;
sysfs_store_t pci_config_store;
bool parent_is_pci(struct kobj *obj);
/* mdev_uevent.c: the store of every uevent file, which sends the event
 * @build makes for the file's object. */
sysfs_store_t uevent_store;
#define UEVENT_STORE(build) .store = uevent_store, .priv = (uintptr_t)(build)
ssize_t emit(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int uuid_name_lookup(const char *name, struct mdevfs_device **mdev);
/* mdev_sysfs_vfio.c: directories of devices by number, and a vfio group
 * device's entries.  Its major is the one the oracle kernel gave the
 * vfio char devices (a dynamic one, alloc_chrdev_region()). */
#define VFIO_GROUP_MAJOR 254
extern const struct sysfs_coll iommu_groups_coll, vfio_dev_class_coll,
	vfio_class_coll;
extern const struct sysfs_coll modules_coll; /* mdev_sysfs_module.c */
extern const struct sysfs_coll bus_drivers_coll; /* mdev_sysfs_busdrv.c */
sysfs_show_t vfio_group_dev_show, vfio_group_uevent_show;
int vfio_group_target(struct kobj *obj, char *buf, size_t size);
int vfio_group_class_target(struct kobj *obj, char *buf, size_t size);
void in_vfio_groups(struct kobj *obj, struct sysfs_node *dir);
void root_node(unsigned int slot, struct sysfs_node *dir);
void pathdir_or_root(struct mdev_pathdir *dir, struct sysfs_node *node);
int tree_lookup(struct name_tree *tree, const char *name, unsigned int slot,
		struct sysfs_node *child);
bool tree_next(struct name_tree *tree, const struct sysfs_key *after, unsigned int slot,
	       struct sysfs_node *child, const struct sysfs_key **key,
	       void **cursor);

#endif /* MDEVFS_MDEV_SYSFS_H */
