// SPDX-License-Identifier: MIT
/*
 * A PCI parent's function files (the kernel's pci-sysfs.c): what libvirt,
 * lspci and udev read of a PCI device before they believe in it.  The
 * config space is the function's header and a capability list of power
 * management, MSI and PCI Express, from the ids of its uevent
 * (config_pci.c); the BARs are empty, as nothing here is mapped.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"

#define CONFIG_SIZE 4096 /* PCI Express: extended config space */
#define CAP_PM      0x60
#define CAP_MSI     0x68
#define CAP_EXP     0x78

static void put16(uint8_t *cfg, unsigned int at, unsigned int v)
{
	cfg[at] = (uint8_t)v;
	cfg[at + 1] = (uint8_t)(v >> 8);
}

static void put_header(uint8_t *cfg, const struct mdev_pci_info *pci)
{
	put16(cfg, 0x00, pci->vendor);
	put16(cfg, 0x02, pci->device);
	put16(cfg, 0x04, 0x0006);       /* memory space, bus master */
	put16(cfg, 0x06, 0x0010);       /* status: a capability list */
	cfg[0x09] = (uint8_t)pci->class; /* prog-if; revision 0x08 is 0 */
	put16(cfg, 0x0a, pci->class >> 8);
	cfg[0x0e] = 0x00;               /* header type 0: an endpoint */
	put16(cfg, 0x2c, pci->subsys_vendor);
	put16(cfg, 0x2e, pci->subsys_device);
	cfg[0x34] = CAP_PM;
	cfg[0x3c] = 0xff;               /* no interrupt line routed */
	cfg[0x3d] = 0x01;               /* INTA# */
}

/* PM (D0, no soft reset), 64-bit MSI (off), and PCI Express: an endpoint
 * with the configured link, else an integrated endpoint (no link). */
static void put_capabilities(uint8_t *cfg, const struct mdev_pci_info *pci)
{
	unsigned int link = pci->link_speed | pci->link_width << 4;

	cfg[CAP_PM] = 0x01;
	cfg[CAP_PM + 1] = CAP_MSI;
	put16(cfg, CAP_PM + 2, 0x0003);
	put16(cfg, CAP_PM + 4, 0x0008);
	cfg[CAP_MSI] = 0x05;
	cfg[CAP_MSI + 1] = CAP_EXP;
	put16(cfg, CAP_MSI + 2, 0x0080);
	cfg[CAP_EXP] = 0x10;
	put16(cfg, CAP_EXP + 2, 0x0002 | (pci->link_speed ? 0x0u : 0x9u) << 4);
	put16(cfg, CAP_EXP + 0x0c, link);  /* link capabilities */
	put16(cfg, CAP_EXP + 0x12, link);  /* link status */
}

static const struct mdev_pci_info *pci_of(struct kobj *obj)
{
	return to_parent(obj)->pci;
}

ssize_t pci_config_show(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf)
{
	uint8_t *cfg = (uint8_t *)buf;

	(void)ent;
	memset(cfg, 0, CONFIG_SIZE);
	put_header(cfg, pci_of(obj));
	put_capabilities(cfg, pci_of(obj));
	return CONFIG_SIZE;
}

/* Root may write a real function's config space (and override its
 * numa_node); this one has no hardware or firmware behind it to take the
 * write. */
ssize_t pci_config_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	(void)obj, (void)ent, (void)buf, (void)count, (void)sc;
	return -EPERM;
}

/* vendor, device, subsystem_*: the id at ->priv's offset in the info */
ssize_t pci_id_show(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf)
{
	const uint8_t *info = (const uint8_t *)pci_of(obj);
	uint16_t id;

	memcpy(&id, info + ent->priv, sizeof(id));
	return emit(buf, "0x%04x\n", id);
}

ssize_t pci_class_show(struct kobj *obj, const struct sysfs_entry *ent,
			  char *buf)
{
	(void)ent;
	return emit(buf, "0x%06x\n", (unsigned int)pci_of(obj)->class);
}

ssize_t pci_numa_node_show(struct kobj *obj, const struct sysfs_entry *ent,
			      char *buf)
{
	(void)ent;
	return emit(buf, "%d\n", pci_of(obj)->numa_node);
}

ssize_t pci_revision_show(struct kobj *obj, const struct sysfs_entry *ent,
			     char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "0x00\n");
}

bool parent_is_pci(struct kobj *obj)
{
	return pci_of(obj) != NULL;
}
