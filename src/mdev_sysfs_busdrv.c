// SPDX-License-Identifier: MIT
/*
 * bus/<bus>/drivers/<name>: the driver a bus parent is bound to (the
 * kernel's drivers/base/bus.c driver attributes), with a link to each
 * parent it drives, and the parent's `driver` link back.
 *
 * bind and unbind answer as the kernel's would for a device this driver
 * cannot take (ENODEV) or already has (EBUSY), except that an unbind of
 * a parent is refused with EBUSY: on a host it would unregister the
 * parent, which `mdevfs ctl unregister` does here.  A pci driver also
 * has new_id and remove_id (pci-driver.c), which keep the ids written:
 * every parent is bound already, so a new id makes no difference.
 * tests/oracle/pci.txt has what the oracle kernel's pci drivers show.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"

/* Whether the device a bind or unbind write names (its newline
 * stripped, as bus_find_device_by_name() compares with sysfs_streq) is
 * one this driver drives. */
static bool drives(struct mdev_bus_driver *drv, const char *buf)
{
	g_autofree char *name = g_strndup(buf, strcspn(buf, "\n"));
	bool found;

	sysfs_read_lock();
	found = name_tree_find(drv->parents, name) != NULL;
	sysfs_read_unlock();
	return found;
}

/* A device with a driver is busy (__driver_probe_device()); any other is
 * not one this driver can take. */
static ssize_t bind_store(struct kobj *obj, const struct sysfs_entry *ent,
			  const char *buf, size_t count,
			  struct mdev_store_ctx *sc)
{
	(void)ent, (void)count, (void)sc;
	return drives(to_bus_driver(obj), buf) ? -EBUSY : -ENODEV;
}

/* Unbinding a parent would unregister it: `mdevfs ctl unregister`. */
static ssize_t unbind_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	(void)ent, (void)count, (void)sc;
	return drives(to_bus_driver(obj), buf) ? -EBUSY : -ENODEV;
}

/* "vendor device [subvendor subdevice [class class_mask]]" in hex, the
 * subsystem ids any (PCI_ANY_ID) and the class 0 by default. */
#define PCI_ANY_ID 0xffffffffu
struct pci_dynid { unsigned int id[6]; };

static int parse_dynid(const char *buf, struct pci_dynid *d)
{
	*d = (struct pci_dynid){ { 0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0 } };
	return sscanf(buf, "%x %x %x %x %x %x", &d->id[0], &d->id[1],
		      &d->id[2], &d->id[3], &d->id[4], &d->id[5]) < 2 ?
		-EINVAL : 0;
}

static ssize_t new_id_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	struct mdev_bus_driver *drv = to_bus_driver(obj);
	struct pci_dynid d;

	(void)ent, (void)sc;
	if (parse_dynid(buf, &d))
		return -EINVAL;
	sysfs_write_lock();
	if (!drv->dynids)
		drv->dynids = g_array_new(FALSE, FALSE, sizeof(d));
	g_array_append_val(drv->dynids, d);
	sysfs_write_unlock();
	return (ssize_t)count;
}

/* The first id written alike goes; none such is ENODEV. */
static ssize_t remove_id_store(struct kobj *obj, const struct sysfs_entry *ent,
			       const char *buf, size_t count,
			       struct mdev_store_ctx *sc)
{
	struct mdev_bus_driver *drv = to_bus_driver(obj);
	struct pci_dynid d;
	ssize_t ret = -ENODEV;

	(void)ent, (void)sc;
	if (parse_dynid(buf, &d))
		return -EINVAL;
	sysfs_write_lock();
	for (guint i = 0; drv->dynids && i < drv->dynids->len && ret < 0; i++) {
		if (!memcmp(&g_array_index(drv->dynids, struct pci_dynid, i),
			    &d, sizeof(d))) {
			g_array_remove_index(drv->dynids, i);
			ret = (ssize_t)count;
		}
	}
	sysfs_write_unlock();
	return ret;
}

static bool is_pci_driver(struct kobj *obj)
{
	return !strcmp(to_bus_driver(obj)->bus->name, "pci");
}

static int bus_driver_name(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_bus_driver(obj)->name);
}

static void bus_driver_container(struct kobj *obj, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ &to_bus_driver(obj)->bus->kobj, S_DRIVERS };
}

/* bus/<bus>/drivers/<name>/<parent> */
static int driven_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	return tree_lookup(to_bus_driver(d)->parents, name, P_DRV_LINK, c);
}

static bool driven_next(struct kobj *d, const struct sysfs_key *after,
			struct sysfs_node *c, const struct sysfs_key **key,
			void **cursor)
{
	return tree_next(to_bus_driver(d)->parents, after, P_DRV_LINK, c, key,
			 cursor);
}

static const struct sysfs_coll driven_coll = {
	driven_lookup, driven_next, NULL,
};

/* bus/<bus>/drivers/ */
static int bus_drivers_lookup(struct kobj *d, const char *name,
			      struct sysfs_node *c)
{
	return tree_lookup(to_subsys(d)->drivers, name, BD_DIR, c);
}

static bool bus_drivers_next(struct kobj *d, const struct sysfs_key *after,
			     struct sysfs_node *c, const struct sysfs_key **key,
			     void **cursor)
{
	return tree_next(to_subsys(d)->drivers, after, BD_DIR, c, key, cursor);
}

static unsigned long bus_drivers_nsubdirs(struct kobj *d)
{
	return name_tree_size(to_subsys(d)->drivers);
}

const struct sysfs_coll bus_drivers_coll = {
	bus_drivers_lookup, bus_drivers_next, bus_drivers_nsubdirs,
};

static const struct sysfs_entry bus_driver_entries[BD_NR] = {
	[BD_DIR] = { .get_name = bus_driver_name, .mode = DIR_MODE,
		     .dir = SYSFS_NO_DIR, .container = bus_driver_container,
		     .needs = OBJ_F_VISIBLE, .coll = &driven_coll },
	[BD_BIND] = { .name = "bind", .mode = WO_MODE, .dir = BD_DIR,
		      .needs = OBJ_F_ALL, .store = bind_store },
	[BD_NEW_ID] = { .name = "new_id", .mode = WO_MODE, .dir = BD_DIR,
			.needs = OBJ_F_ALL, .is_visible = is_pci_driver,
			.store = new_id_store },
	[BD_REMOVE_ID] = { .name = "remove_id", .mode = WO_MODE, .dir = BD_DIR,
			   .needs = OBJ_F_ALL, .is_visible = is_pci_driver,
			   .store = remove_id_store },
	[BD_UNBIND] = { .name = "unbind", .mode = WO_MODE, .dir = BD_DIR,
			.needs = OBJ_F_ALL, .store = unbind_store },
	[BD_UEVENT] = { .name = "uevent", .mode = WO_MODE, .dir = BD_DIR,
			.needs = OBJ_F_ALL, UEVENT_STORE(mdev_bus_driver_uevent) },
};

void bus_driver_release(struct kobj *kobj)
{
	struct mdev_bus_driver *drv = to_bus_driver(kobj);

	name_tree_free(drv->parents);
	if (drv->dynids)
		g_array_free(drv->dynids, TRUE);
	kobj_put(&drv->bus->kobj);
	g_free(drv->name);
	g_free(drv);
}

const struct kobj_type bus_driver_ktype = {
	.name = "bus_driver",
	.entries = bus_driver_entries,
	.nentries = BD_NR,
	.release = bus_driver_release,
};
