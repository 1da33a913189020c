/* SPDX-License-Identifier: MIT */
/* The mdev core's interface to the daemon, the configuration and tests. */
#ifndef MDEVFS_MDEV_H
#define MDEVFS_MDEV_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>
#include <uuid/uuid.h>
#include <json-glib/json-glib.h>
#include <mdevfs/backend.h>

#include "mdev_host.h"

/* @host (NULL: none cares) is copied: what the core asks of its host. */
void mdev_core_init(const struct mdev_host_ops *host);
void mdev_core_fini(void);

/* Objects.  A new parent is a device with no types; the configuration
 * adds types and backend data before it is added. */
struct mdevfs_parent *mdev_parent_new(const char *name, const char *path);
struct mdevfs_type *mdev_type_new(struct mdevfs_parent *parent,
				  const char *sysfs_name);
void mdev_parent_put(struct mdevfs_parent *parent);

/* Parent devices: add makes its directory appear (the parent's own
 * device_add()); register makes it an mdev parent. */
int mdev_parent_add(struct mdevfs_parent *parent);
/* The same in two steps, for a host that shows the parent elsewhere
 * (`mdevfs run`'s binds) before any of its events goes out: the tree
 * changes, then the events. */
int mdev_parent_add_silent(struct mdevfs_parent *parent);
void mdev_parent_announce(struct mdevfs_parent *parent);
void mdev_parent_del(struct mdevfs_parent *parent);
int mdev_register_parent(struct mdevfs_parent *parent);
void mdev_unregister_parent(struct mdevfs_parent *parent);
/* The same, calling @progress after each device it removed (@done of
 * @total); the parent's creates and removes fail meanwhile (ENODEV), the
 * tree's locks are free. */
typedef void (*mdev_progress_fn)(void *ctx, unsigned int done,
				 unsigned int total);
void mdev_unregister_parent_progress(struct mdevfs_parent *parent,
				     mdev_progress_fn progress, void *ctx);

/* Devices, for store @sc (NULL: no store; then a remove waits for users
 * uninterruptibly).  Both return 0 or the errno the kernel returns to the
 * writer. */
int mdev_device_create(struct mdevfs_type *type, const uuid_t uuid,
		       struct mdev_store_ctx *sc);
int mdev_device_remove(struct mdevfs_device *mdev, struct mdev_store_ctx *sc);
int mdev_device_unbind(struct mdevfs_device *mdev, struct mdev_store_ctx *sc);
/* A device recorded before a crash, back on @type with its iommu group
 * and vfio numbers (-EBUSY if one is taken), through the vendor's adopt()
 * rather than probe(): what a create of @uuid returns otherwise. */
int mdev_device_restore(struct mdevfs_type *type, const uuid_t uuid,
			int group, int vfio);

/* Holders: simulated VFIO users, as a VM with the device's group open.  A
 * device with a holder is in use: a remove waits, calling @request (count
 * 0, 1, ...) under a core lock, so it must not block.  -ENODEV unless the
 * device is created and not being removed; -EBUSY when it has a user
 * or a holder already (the vendor's user, another holder), as the kernel's
 * open of a vfio group that is open already.  By the device's UUID
 * (`mdevfs ctl hold`) or by its iommu group (an open of /dev/vfio/N in
 * `mdevfs run`; -ENOENT when the tree has no such group).  A group's
 * holder without @use only claims the group: the device has no user, a
 * remove does not wait (the kernel's waits for a VM's device fd, which a
 * group open alone is not). */
struct mdev_holder;
typedef void (*mdev_request_fn)(void *ctx, unsigned int count);
int mdev_hold(const uuid_t uuid, mdev_request_fn request, void *ctx,
	      struct mdev_holder **holder);
int mdev_hold_group(int group, bool use, mdev_request_fn request, void *ctx,
		    struct mdev_holder **holder);
void mdev_unhold(struct mdev_holder *holder);

/* The iommu groups in the tree now (what kernel/iommu_groups lists), in
 * ascending order: a GArray of int for the caller to free.  And whether
 * group @group is among them. */
GArray *mdev_vfio_groups(void);
bool mdev_vfio_group_live(int group);

/* devices/virtual/vfio there while it holds no group too (the kernel's
 * goes with its last group), for `mdevfs run`, which binds it at /sys
 * once: 0, or -EEXIST when a parent is in its place. */
int mdev_vfio_keep_groups_dir(void);

/* Devices in the tree now, of every parent. */
unsigned int mdev_device_count(void);
/* A parent as `mdevfs ctl list` shows it. */
const char *mdev_parent_path(const struct mdevfs_parent *parent);
/* Its subsystem ("mtty", "pci"); *@bus: under bus/, else under class/. */
const char *mdev_parent_subsystem(const struct mdevfs_parent *parent, bool *bus);
/* The module its driver comes from, or NULL. */
const char *mdev_parent_module(const struct mdevfs_parent *parent);
/* A bus parent's own driver (bus/<bus>/drivers/<it>), or NULL. */
const char *mdev_parent_device_driver(const struct mdevfs_parent *parent);
unsigned int mdev_parent_device_count(struct mdevfs_parent *parent);
/* What available_instances of @type shows. */
unsigned int mdev_type_available(struct mdevfs_type *type);
/* Adds "types" (id, name, device_api, available_instances, description)
 * and "devices" (uuid, type, state) to the JSON object @builder is in.
 * available_instances is read as a read of the file does, so the backend
 * may be asked: the caller holds no lock, and a reference on @parent
 * (mdev_parent_ref()); null for a type no longer shown. */
void mdev_parent_describe(struct mdevfs_parent *parent, JsonBuilder *builder);
/* Keeps @parent's memory (not its registration) until the unref. */
struct mdevfs_parent *mdev_parent_ref(struct mdevfs_parent *parent);
void mdev_parent_unref(struct mdevfs_parent *parent);
/* The backend's account of its resources ("" if it has none). */
ssize_t mdev_parent_status(struct mdevfs_parent *parent, char *buf,
			   size_t size);

/* The daemon serves the registered @parent now: its backend may start
 * threads (parent_start).  Once per parent. */
void mdev_parent_start(struct mdevfs_parent *parent);

/* Fault injection (mdev_fault.c).  Vanish: the parent's hardware is
 * gone, every vendor call from now on fails with ENODEV (its caller
 * unplugs the parent).  Fault: sets KEY=VALUE faults of the parent's types
 * whose directory name is @type ("*": all), then shows each in @out;
 * -ENOENT (no such type) or -EINVAL (logged). */
void mdev_parent_vanish(struct mdevfs_parent *parent);
int mdev_parent_fault(struct mdevfs_parent *parent, const char *type,
		      char *const *assignments, GString *out);

/* A referenced device by UUID, whatever its state, or NULL. */
struct mdevfs_device *mdev_get_by_uuid(const uuid_t uuid);
void mdev_put(struct mdevfs_device *mdev);

#endif /* MDEVFS_MDEV_H */
