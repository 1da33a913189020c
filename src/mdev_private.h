/* SPDX-License-Identifier: MIT */
/*
 * The mdev core's objects (the kernel's mdev_private.h).
 *
 * Their locks (unreg_sem, active_sem, sysfs_rwsem, mdev_list_lock), the
 * order they nest in and what each guards are the lock table's,
 * src/include/lock.h; a field's comment names the lock it is under.
 * Which of them a backend hook runs under: mdev_vendor.h, per hook.
 */
#ifndef MDEVFS_MDEV_PRIVATE_H
#define MDEVFS_MDEV_PRIVATE_H

#include <stdbool.h>
#include <uuid/uuid.h>

#include <glib.h>
#include <mdevfs/backend.h>

#include "kobj.h"
#include "lock.h"
#include "mdev_fault.h"
#include "mdev_vendor.h"
#include "macro.h"
#include "mdev_host.h"
#include "sysfs.h"

/* Visibility flags (kobj.flags).  Simple objects have one; a driver and
 * a module also OBJ_F_FILES, what is in their directory, which goes
 * before the remove event while the directory stays for it. */
#define OBJ_F_VISIBLE       (1u << 0)
#define OBJ_F_FILES         (1u << 1)
#define OBJ_F_ALL           (OBJ_F_VISIBLE | OBJ_F_FILES)

#define MDEV_PLUG_EVENTS 2 /* before a parent's add: its driver's, class's */

/* Parents, in the order mdev_register_parent() creates them. */
#define PARENT_F_DEVICE     (1u << 0) /* its dir, uevent, subsystem, power/ */
#define PARENT_F_TYPES      (1u << 1) /* mdev_supported_types/ */
#define PARENT_F_CLASS_LINK (1u << 2) /* class/mdev_bus/<name> */
#define PARENT_F_SUBSYS_LINK (1u << 3) /* class/<class>/<name>: after the
					* driver's and the class's add */

/* Devices, in the order mdev_device_create() creates them. */
#define DEV_F_DIR       (1u << 0) /* <uuid>/ in the parent's directory */
#define DEV_F_CORE      (1u << 1) /* uevent, power/, subsystem, bus link */
#define DEV_F_REMOVE    (1u << 2) /* remove (it can delete itself) */
#define DEV_F_DRIVER    (1u << 3) /* driver, drivers/<drv>/<uuid> */
#define DEV_F_VFIO      (1u << 4) /* iommu_group link, vfio-dev/vfioN */
#define DEV_F_VENDOR    (1u << 5) /* the vendor's attribute directory */
#define DEV_F_TYPE_LINK (1u << 6) /* <type>/devices/<uuid> */
#define DEV_F_MDEV_TYPE (1u << 7) /* mdev_type */
#define DEV_F_GROUP     (1u << 8) /* the vfio group device's files and links */
/* The directories of the iommu group, the vfio group device and
 * vfio-dev/vfioN: each stays until its remove event is out, as kernfs
 * removes a device's directory after device_del()'s uevent. */
#define DEV_F_GROUP_DIR (1u << 9)
#define DEV_F_VFIO_DIR  (1u << 10)

/* The numbers vfio gives a device: its iommu group, its vfio-dev index. */
enum mdev_number { MDEV_GROUP, MDEV_VFIO, MDEV_NUMBERS };

/* Not visibility: state shown by power/control ("on" instead of "auto")
 * and power/async ("enabled"), of the object's own power/ and of the
 * vfio-dev and vfio group devices a device has. */
#define KOBJ_F_PM_ON        (1u << 30)
#define KOBJ_F_VFIO_PM_ON   (1u << 29)
#define KOBJ_F_GROUP_PM_ON  (1u << 28)
#define KOBJ_F_ASYNC        (1u << 27)
#define KOBJ_F_VFIO_ASYNC   (1u << 26)
#define KOBJ_F_GROUP_ASYNC  (1u << 25)

/* A directory under devices/ that leads to parents (virtual, virtual/mtty,
 * pci0000:00, ...).  It goes away with its last child. */
struct mdev_pathdir {
	struct kobj kobj;
	char *name;
	struct mdev_pathdir *up;  /* NULL for devices/ itself */
	struct name_tree *children;          /* name -> kobj (pathdirs, parents); sysfs_rwsem */
};

/* class/<name> or bus/<name>: the subsystem of parent devices. */
struct mdev_subsys {
	struct kobj kobj;
	char *name;
	bool bus;
	struct name_tree *parents;           /* name -> parent; sysfs_rwsem */
	struct name_tree *drivers;           /* a bus's: name -> bus driver; sysfs_rwsem */
};

/* bus/<bus>/drivers/<name>: the driver a bus parent is bound to (its
 * device_driver), there from its first parent to its last. */
struct mdev_bus_driver {
	struct kobj kobj;
	char *name;
	struct mdev_subsys *bus;  /* referenced */
	struct name_tree *parents;           /* name -> parent; sysfs_rwsem */
	GArray *dynids;           /* a pci driver's new_id ids, or NULL;
				   * sysfs_rwsem */
};

/* A kernel module as module/<name> shows it, from the configuration. */
struct mdev_module_info {
	char *name;
	unsigned long coresize;
	char *version;            /* NULL: no version file */
	char *srcversion;         /* NULL: no srcversion file */
	char **param_names;       /* parameters/<name> = value; NULL-terminated */
	char **param_values;
};

/* module/<name>: the module that brings parents' mdev drivers. */
struct mdev_module {
	struct kobj kobj;
	struct mdev_module_info info; /* its own copy */
	struct sysfs_key *param_keys; /* their names, in kernfs order */
	struct sysfs_entry *param_entries; /* their files: slot M_PARAM + i */
	unsigned int nparams;
	char *driver_name;        /* drivers/mdev:<driver>: the first parent's */
	unsigned int users;       /* parents using it; sysfs_rwsem */
	bool announced;           /* its add uevent sent; sysfs_rwsem */
};

/* bus/mdev/drivers/<name>: the mdev driver that parents name. */
struct mdev_driver {
	struct kobj kobj;
	char *name;
	char *module_name;        /* its module/<name>, or NULL (built in) */
	unsigned int users;       /* parents using it; sysfs_rwsem */
	struct name_tree *devices;           /* name -> device with DEV_F_DRIVER; sysfs_rwsem */
};

/* A PCI parent's function (config_pci.c), for its sysfs files and config
 * space (mdev_sysfs_pci.c). */
struct mdev_pci_info {
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint32_t class;           /* base, sub-class, prog-if */
	int numa_node;            /* -1: none */
	uint8_t link_speed;       /* PCI_EXP_LNKCAP_SLS_*; 0: integrated, no link */
	uint8_t link_width;
};

/* Reads a PCI parent's function from its uevent and keys; -EINVAL after
 * reporting a bad value. */
int config_parse_pci(struct mdevfs_settings *s, struct mdevfs_parent *parent);

struct mdevfs_parent {
	struct kobj kobj;         /* its device directory */
	char *name;               /* device name: "mtty", "0000:00:02.0" */
	char *path;               /* from the root: "devices/virtual/mtty/mtty" */
	char *type_prefix;        /* the kernel's driver string: "mtty", "i915" */
	char *device_driver;      /* a bus parent's own driver, or NULL */
	char *subsys_name;        /* "mtty", "pci" */
	bool subsys_bus;          /* bus/<subsys>, else class/<subsys> */
	char *driver_name;        /* its mdev driver */
	struct mdev_module_info *module_info; /* the driver's module, or NULL */
	char *vendor_group;       /* directory of vendor device attributes;
				   * NULL: the device's own directory */
	char **uevent_env;        /* its own uevent variables, KEY=VALUE */
	struct mdev_pci_info *pci; /* a PCI function's files, or NULL */
	const struct mdevfs_backend *backend;
	void *drvdata;
	struct mdevfs_type **types;
	unsigned int ntypes;
	bool initialized;         /* the backend's parent_init succeeded */
	bool core_counts;         /* max_instances set: the core counts */
	atomic_bool vanished;     /* mdev_parent_vanish(): vendor calls stop */
	atomic_bool started;      /* mdev_parent_start() */
	unsigned int max_instances;

	struct mdev_pathdir *dir; /* holding directory, while added */
	struct mdev_subsys *subsys;
	struct mdev_driver *driver;
	struct mdev_bus_driver *bus_driver; /* while added, if device_driver */
	struct mdev_module *module; /* while added, if it has module_info */
	/* The events of mdev_parent_add_silent() (driver, class, its own
	 * add), until mdev_parent_announce() sends them. */
	struct uevent *plug_events[MDEV_PLUG_EVENTS];
	unsigned int nplug_events;
	unsigned int available;   /* core counter; mdev_list_lock */
	struct lock_rw unreg_sem; /* create/remove: try shared; unregister */
	struct lock_rw active_sem; /* backend calls from type attributes */
	struct name_tree *devices;           /* name -> device with DEV_F_DIR; sysfs_rwsem */
};

struct mdevfs_type {
	struct kobj kobj;
	struct mdevfs_parent *parent;
	char *sysfs_name;         /* "2" */
	char *id;                 /* "mtty-2": the directory name */
	char *name;               /* the name attribute */
	char *description;        /* NULL: no description file */
	char *device_api;
	void *drvdata;
	struct sysfs_entry *vattrs; /* vendor device attributes */
	struct sysfs_key *vattr_keys; /* their names, in kernfs order */
	unsigned int nvattrs;
	struct mdev_fault fault;
	struct name_tree *devices;           /* name -> device with DEV_F_TYPE_LINK; sysfs_rwsem */
};

struct mdevfs_device {
	struct kobj kobj;
	/* lowercase; next to kobj.key, which names it: a listing of many
	 * devices reads both */
	char name[UUID_STR_LEN];
	struct mdevfs_type *type;
	struct mdevfs_parent *parent;
	uuid_t uuid;
	bool active;              /* created and not being removed; mdev_list_lock */
	bool adopt;               /* created by mdevfs_type_adopt_device() */
	bool inited;              /* the vendor's init() succeeded: release() due */
	bool restored;            /* brought back from its record after a crash */
	int restore_group;        /* restored: the numbers to take back */
	int restore_vfio;
	int group;                /* iommu group, with DEV_F_VFIO; sysfs_rwsem */
	int vfio;                 /* vfio-dev index, with DEV_F_VFIO; sysfs_rwsem */
	/* Those numbers as the names of its iommu_groups/ and vfio-dev/
	 * entries, by enum mdev_number; with DEV_F_VFIO; sysfs_rwsem */
	struct mdev_number_name {
		struct sysfs_key key;
		char name[16];    /* "7", "vfio7" */
	} numbers[MDEV_NUMBERS];
	void *drvdata;
	struct lock_rw active_sem; /* vendor attribute show/store */
	unsigned int users;       /* vendor's and holders'; mdev_list_lock */
	GList *holders;           /* struct mdev_holder *; mdev_list_lock */
};

#define to_parent(k) container_of(k, struct mdevfs_parent, kobj)
#define to_type(k)   container_of(k, struct mdevfs_type, kobj)
#define to_mdev(k)   container_of(k, struct mdevfs_device, kobj)
#define to_pathdir(k) container_of(k, struct mdev_pathdir, kobj)
#define to_subsys(k) container_of(k, struct mdev_subsys, kobj)
#define to_driver(k) container_of(k, struct mdev_driver, kobj)
#define to_module(k) container_of(k, struct mdev_module, kobj)
#define to_bus_driver(k) container_of(k, struct mdev_bus_driver, kobj)

extern const struct kobj_type root_ktype, pathdir_ktype, subsys_ktype,
	driver_ktype, parent_ktype, type_ktype, mdev_ktype, vfio_groups_ktype,
	module_ktype, bus_driver_ktype;

/* Slots of the root object: the fixed skeleton. */
enum {
	R_ROOT, R_CLASS, R_MDEV_BUS, R_VFIO_CLASS, R_VFIO_GROUP_CLASS, R_BUS, R_BUS_MDEV,
	R_BUS_DEVICES, R_BUS_DRIVERS, R_BUS_AUTOPROBE, R_BUS_PROBE,
	R_BUS_UEVENT, R_DEVICES, R_KERNEL, R_IOMMU_GROUPS, R_MODULE, R_NR
};

/* mdev_sysfs_device.c: is @name one of the core's entries in a device's
 * own directory (uevent, remove, power, vfio-dev, ...)?  Read from the
 * device table itself, so what a vendor may not be called cannot drift
 * from what the tree holds.  The vendor's group directory and attributes
 * are not among them. */
bool mdev_dir_core_name(const char *name);

/* With -v (log_verbose()), one line of what happened to the device of
 * @uuid (a string) of @type, "created" or "remove", with its errno's name
 * when @err (negative) says it failed; the journal gets the fields. */
void mdev_log_device(const char *uuid, const struct mdevfs_type *type,
		     const char *what, int err);
/* A parent's registration and unregistration, -v or not. */
void mdev_log_parent(const struct mdevfs_parent *parent, const char *what);

/* mdev_objects.c and mdev_tree.c: allocation and release; the kobj types
 * themselves are defined next to their tables (mdev_sysfs_*.c). */
struct mdevfs_device *mdev_device_alloc(struct mdevfs_type *type,
					const uuid_t uuid);
void parent_release(struct kobj *kobj);
void type_release(struct kobj *kobj);
void mdev_release(struct kobj *kobj);
void pathdir_release(struct kobj *kobj);
void subsys_release(struct kobj *kobj);
void driver_release(struct kobj *kobj);
void module_release(struct kobj *kobj);
void bus_driver_release(struct kobj *kobj);
/* mdev_sysfs_module.c: a module made from @info (copied), for @driver. */
struct mdev_module *mdev_module_new(const struct mdev_module_info *info,
				    const char *driver);
void mdev_module_info_free(struct mdev_module_info *info);
struct lock_rw *parent_active_sem(struct kobj *kobj);
struct lock_rw *type_active_sem(struct kobj *kobj);
struct lock_rw *mdev_active_sem(struct kobj *kobj);

/* mdev_core.c: the global state and the life cycle */
extern struct lock_mutex mdev_list_lock;
struct mdevfs_device *mdev_find_locked(const uuid_t uuid); /* list lock */
struct kobj *mdev_root(void);
const struct mdev_host_ops *mdev_host(void); /* never NULL */
struct name_tree *mdev_all_devices(void);     /* name -> device with DEV_F_CORE */
struct name_tree *mdev_all_parents(void);     /* name -> parent with PARENT_F_CLASS_LINK */

/* mdev_users.c: who has a device open and waiting for them to let go */
void mdev_users_init(void);
/* Waits until @mdev has no users, asking them to release it at once and
 * then every 10 seconds.  For a store (@sc not NULL) the wait is its
 * waiter's: -EINTR when it is interrupted while the device is still in
 * use, -EWOULDBLOCK at once if it must not wait. */
int mdev_wait_unused(struct mdevfs_device *mdev, struct mdev_store_ctx *sc);

/* mdev_tree.c: pathdirs, subsystems and drivers around parent devices */
struct mdev_pathdir *mdev_devices_dir(void);
struct name_tree *mdev_subsystems(bool bus);  /* name -> class or bus subsys */
struct name_tree *mdev_drivers(void);         /* name -> driver */
struct name_tree *mdev_modules(void);         /* name -> module */
/* Puts @obj (its key the last part of @path, "devices/a/b/name") in the
 * directory @path leads to, making the directories up to it; returns
 * that directory, referenced, or NULL when the name is taken or a
 * parent is in the way.  Detaching drops the directories it leaves
 * empty (the caller puts its reference after).  sysfs_rwsem exclusive. */
struct mdev_pathdir *mdev_pathdir_attach(const char *path, struct kobj *obj);
void mdev_pathdir_detach(struct mdev_pathdir *dir, struct kobj *obj);
/* Sends the add event of the parent's module once, after its first
 * parent registered, as a module's comes after its init. */
void mdev_parent_announce_module(struct mdevfs_parent *parent);
void mdev_tree_init(void);
void mdev_tree_fini(void);

/* mdev_vfio.c: iommu groups and vfio-dev numbers */
void mdev_vfio_init(void);
void mdev_vfio_fini(void);
int mdev_vfio_register(struct mdevfs_device *mdev,
		       const struct mdev_store_ctx *sc);
void mdev_vfio_unregister(struct mdevfs_device *mdev,
			  const struct mdev_store_ctx *sc);
/* name ("7", "vfio7") -> device with DEV_F_GROUP; sysfs_rwsem */
struct name_tree *mdev_numbered(enum mdev_number kind);
/* The device of iommu group @group, referenced (mdev_put()), or NULL
 * when the tree has no such group.  Each device has a group of its own. */
struct mdevfs_device *mdev_vfio_group_device(int group);
/* devices/virtual/vfio, and the directory it is in while it is there;
 * sysfs_rwsem */
struct kobj *mdev_vfio_groups_dir(void);
struct mdev_pathdir *mdev_vfio_groups_dir_in(void);

/* mdev_uevent.c: the events objects send (see uevent.h) */
#include "uevent.h"
struct uevent *mdev_device_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra);
struct uevent *mdev_vfio_uevent(struct kobj *obj, enum kobject_action action,
				const char *const *extra);
struct uevent *mdev_vfio_group_uevent(struct kobj *obj,
				      enum kobject_action action,
				      const char *const *extra);
struct uevent *mdev_parent_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra);
struct uevent *mdev_driver_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra);
struct uevent *mdev_bus_uevent(struct kobj *obj, enum kobject_action action,
			       const char *const *extra);
struct uevent *mdev_class_uevent(struct kobj *obj, enum kobject_action action,
				 const char *const *extra);
struct uevent *mdev_module_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra);
struct uevent *mdev_bus_driver_uevent(struct kobj *obj,
				      enum kobject_action action,
				      const char *const *extra);
/* To the host, for store @sc (NULL: none); @ev is the host's to free. */
void mdev_emit_uevent(struct uevent *ev, const struct mdev_store_ctx *sc);
void mdev_send_uevent(struct kobj *obj, uevent_build_t build,
		      enum kobject_action action, const char *const *extra,
		      const struct mdev_store_ctx *sc);

/* Collections of objects: name trees (sysfs_key.h) keyed by kobj.key. */
void kobj_tree_insert(struct name_tree *tree, struct kobj *obj);
void kobj_tree_remove(struct name_tree *tree, struct kobj *obj);

/* Entry name helper shared by tables. */
int name_copy(char *buf, size_t size, const char *name);
int link_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* MDEVFS_MDEV_PRIVATE_H */
