// SPDX-License-Identifier: MIT
/*
 * The uevents of the tree's objects: DEVPATH, SUBSYSTEM and variables in
 * the kernel's order (ACTION, DEVPATH, SUBSYSTEM, the caller's variables,
 * then the subsystem's: DRIVER for a bound device, a parent's own), and
 * the uevent files that synthesise them.
 */
#include <errno.h>

#include "mdev_private.h"
#include "mdev_sysfs.h"
#include "uevent.h"

static struct uevent *new_event(enum kobject_action action,
				const char *subsystem, const char *const *extra,
				const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct uevent *new_event(enum kobject_action action,
				const char *subsystem, const char *const *extra,
				const char *fmt, ...)
{
	g_autofree char *devpath = NULL;
	struct uevent *ev;
	va_list ap;

	va_start(ap, fmt);
	devpath = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ev = uevent_new(action, devpath, subsystem);
	for (; extra && *extra; extra++)
		uevent_add_var(ev, "%s", *extra);
	return ev;
}

/* The mdev bus has no uevent callback: only the driver core's DRIVER. */
struct uevent *mdev_device_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra)
{
	struct mdevfs_device *mdev = to_mdev(obj);
	struct uevent *ev = new_event(action, "mdev", extra, "/%s/%s",
				      mdev->parent->path, mdev->name);
	bool bound;

	sysfs_read_lock();
	bound = obj->flags & DEV_F_DRIVER;
	sysfs_read_unlock();
	if (bound)
		uevent_add_var(ev, "DRIVER=%s", mdev->parent->driver_name);
	return ev;
}

/* vfio-dev/vfioN: no MAJOR/MINOR, since there is no /dev/vfio/devices. */
struct uevent *mdev_vfio_uevent(struct kobj *obj, enum kobject_action action,
				const char *const *extra)
{
	struct mdevfs_device *mdev = to_mdev(obj);

	return new_event(action, "vfio-dev", extra, "/%s/%s/vfio-dev/vfio%d",
			 mdev->parent->path, mdev->name, mdev->vfio);
}

/* The vfio group device of the device's iommu group: /dev/vfio/N. */
struct uevent *mdev_vfio_group_uevent(struct kobj *obj,
				      enum kobject_action action,
				      const char *const *extra)
{
	int group = to_mdev(obj)->group;
	struct uevent *ev = new_event(action, "vfio", extra,
				      "/devices/virtual/vfio/%d", group);

	uevent_add_var(ev, "MAJOR=%d", VFIO_GROUP_MAJOR);
	uevent_add_var(ev, "MINOR=%d", group);
	uevent_add_var(ev, "DEVNAME=vfio/%d", group);
	return ev;
}

struct uevent *mdev_parent_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra)
{
	struct mdevfs_parent *parent = to_parent(obj);
	struct uevent *ev = new_event(action, parent->subsys_name, extra, "/%s",
				      parent->path);

	for (char **e = parent->uevent_env; e && *e; e++)
		uevent_add_var(ev, "%s", *e);
	return ev;
}

struct uevent *mdev_driver_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra)
{
	return new_event(action, "drivers", extra, "/bus/mdev/drivers/%s",
			 to_driver(obj)->name);
}

/* bus/<bus>/drivers/<name>: only its uevent file sends one. */
struct uevent *mdev_bus_driver_uevent(struct kobj *obj,
				      enum kobject_action action,
				      const char *const *extra)
{
	struct mdev_bus_driver *drv = to_bus_driver(obj);

	return new_event(action, "drivers", extra, "/bus/%s/drivers/%s",
			 drv->bus->name, drv->name);
}

/* class/<name> of a class parent (class_register()'s kobject). */
struct uevent *mdev_class_uevent(struct kobj *obj, enum kobject_action action,
				 const char *const *extra)
{
	return new_event(action, "class", extra, "/class/%s",
			 to_subsys(obj)->name);
}

struct uevent *mdev_module_uevent(struct kobj *obj, enum kobject_action action,
				  const char *const *extra)
{
	return new_event(action, "module", extra, "/module/%s",
			 to_module(obj)->info.name);
}

struct uevent *mdev_bus_uevent(struct kobj *obj, enum kobject_action action,
			       const char *const *extra)
{
	(void)obj;
	return new_event(action, "bus", extra, "/bus/mdev");
}

void mdev_emit_uevent(struct uevent *ev, const struct mdev_store_ctx *sc)
{
	const struct mdev_host_ops *host = mdev_host();

	if (host->uevent)
		host->uevent(host->ctx, sc, ev);
	else
		uevent_free(ev);
}

void mdev_send_uevent(struct kobj *obj, uevent_build_t build,
		      enum kobject_action action, const char *const *extra,
		      const struct mdev_store_ctx *sc)
{
	mdev_emit_uevent(build(obj, action, extra), sc);
}

/* The uevent files: writing an action sends it.  One store for all of
 * them: the entry's priv is the builder of its object's event
 * (UEVENT_STORE() in mdev_sysfs.h). */
ssize_t uevent_store(struct kobj *obj, const struct sysfs_entry *ent,
		     const char *buf, size_t count, struct mdev_store_ctx *sc)
{
	struct uevent *ev = uevent_synth(obj, (uevent_build_t)ent->priv, buf,
					 count);

	if (!ev)
		return -EINVAL;
	mdev_emit_uevent(ev, sc);
	return (ssize_t)count;
}
