// SPDX-License-Identifier: MIT
/*
 * A PCI parent's function, as its sysfs files and config space show it,
 * from the ids its uevent already carries (PCI_ID, PCI_SUBSYS_ID,
 * PCI_CLASS, as the kernel's pci_uevent() writes them) and two keys of
 * its own: `numa_node` and `pcie_link`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mdev.h"
#include "mdev_private.h"

static const char *env_value(char **env, const char *key)
{
	size_t len = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, len) && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* "VVVV:DDDD", four hex digits each, as pci_uevent() writes them. */
static bool parse_id_pair(const char *v, uint16_t *a, uint16_t *b)
{
	unsigned int x, y;
	int end = 0;

	if (!v || sscanf(v, "%4x:%4x%n", &x, &y, &end) != 2 ||
	    end != 9 || v[end])
		return false;
	*a = (uint16_t)x;
	*b = (uint16_t)y;
	return true;
}

/* PCI_CLASS: the 24-bit class code in hex, without leading zeros. */
static bool parse_class(const char *v, uint32_t *class)
{
	unsigned int c;
	int end = 0;

	if (!v || sscanf(v, "%6x%n", &c, &end) != 1 || v[end])
		return false;
	*class = c;
	return true;
}

/* `pcie_link = 8GT/s x16`: the link's speed and width, capable and
 * negotiated alike. */
static int parse_link(struct mdevfs_settings *s, struct mdev_pci_info *pci)
{
	static const char *const speeds[] = { "2.5", "5", "8", "16", "32", "64" };
	char speed[8], rest;
	unsigned int width;
	const char *v;

	if (mdevfs_settings_string(s, "pcie_link", &v))
		return 0; /* an integrated endpoint: no link */
	if (sscanf(v, "%7[0-9.]GT/s x%u%c", speed, &width, &rest) != 2 ||
	    width == 0 || width > 32 || (width & (width - 1) && width != 12))
		goto bad;
	for (size_t i = 0; i < G_N_ELEMENTS(speeds); i++) {
		if (!strcmp(speed, speeds[i])) {
			pci->link_speed = (uint8_t)(i + 1);
			pci->link_width = (uint8_t)width;
			return 0;
		}
	}
bad:
	return mdevfs_settings_error(s, "pcie_link", "'%s' is not a speed and "
		"width such as '8GT/s x16'", v);
}

/* `numa_node`: the node the function sits on, -1 (the default) for
 * none, as on a machine of one node. */
static int parse_numa_node(struct mdevfs_settings *s, struct mdev_pci_info *pci)
{
	const char *v;
	int node, end = 0;

	pci->numa_node = -1;
	if (mdevfs_settings_string(s, "numa_node", &v))
		return 0;
	if (sscanf(v, "%d%n", &node, &end) != 1 || v[end] || node < -1 ||
	    node > 1023)
		return mdevfs_settings_error(s, "numa_node", "expected -1 or a "
			"node from 0 to 1023, got '%s'", v);
	pci->numa_node = node;
	return 0;
}

int config_parse_pci(struct mdevfs_settings *s, struct mdevfs_parent *parent)
{
	char **env = parent->uevent_env;
	struct mdev_pci_info pci = { 0 };
	const char *subsys = env_value(env, "PCI_SUBSYS_ID");

	if (!parent->subsys_bus || strcmp(parent->subsys_name, "pci") != 0)
		return 0;
	/* Both, so that each bad one is reported. */
	if ((parse_numa_node(s, &pci) | parse_link(s, &pci)) != 0)
		return -EINVAL;
	if (!env_value(env, "PCI_ID") && !env_value(env, "PCI_CLASS"))
		return 0; /* no function files: docs/configuration.md */
	if (!parse_id_pair(env_value(env, "PCI_ID"), &pci.vendor, &pci.device) ||
	    !parse_class(env_value(env, "PCI_CLASS"), &pci.class) ||
	    (subsys && !parse_id_pair(subsys, &pci.subsys_vendor,
				      &pci.subsys_device)))
		return mdevfs_settings_error(s, "uevent", "a pci parent's PCI_ID "
			"and PCI_SUBSYS_ID are VVVV:DDDD and its PCI_CLASS up "
			"to 6 hex digits, both PCI_ID and PCI_CLASS or neither");
	parent->pci = g_memdup2(&pci, sizeof(pci));
	return 0;
}
