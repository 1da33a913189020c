// SPDX-License-Identifier: MIT
/*
 * A write to mdev_supported_types/<type>/create: the first byte picks one
 * of the built-in samples' types, the rest is what is written.  It goes
 * through the real store (parse_create_uuid(), then the core's create) on
 * a real tree, which holds one resident device all along.
 *
 * Invariants: the store accepts exactly the kernel's shapes (36 or 37
 * bytes, an 8-4-4-4-12 GUID in any case first); a valid UUID creates
 * exactly that device (its lower-case name appears under bus/mdev/devices)
 * or, for the resident's, fails with EEXIST; anything else fails with
 * EINVAL and changes nothing.  After the device made here is removed, the
 * tree and every count are as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "fuzz.h"
#include "macro.h"
#include "parse.h"

#define RESIDENT "8a5d4a5e-7c36-4b43-9e4e-00000000feed"
#define DEVICES "bus/mdev/devices"

static const struct {
	const char *parent, *type;
} types[] = {
	{ "mtty", "mtty-1" }, { "mtty", "mtty-2" },
	{ "mdpy", "mdpy-vga" }, { "mdpy", "mdpy-xga" }, { "mdpy", "mdpy-hd" },
	{ "mbochs", "mbochs-small" }, { "mbochs", "mbochs-medium" },
	{ "mbochs", "mbochs-large" },
};

static GPtrArray *parents;

static void setup_once(void)
{
	g_autofree char *create = fuzz_create_path("mtty", "mtty-1");

	if (parents)
		return;
	parents = fuzz_tree_setup(NULL);
	FUZZ_CHECK(fuzz_store(create, RESIDENT "\n", 37) == 37,
		   "cannot create the resident device");
}

/* The kernel's rule, written out again: the first 36 bytes (up to a NUL)
 * are hex digits with dashes at 8, 13, 18 and 23. */
static bool uuid_shape(const char *buf, size_t len)
{
	if (len != 36 && len != 37)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? buf[i] != '-' : !g_ascii_isxdigit(buf[i]))
			return false;
	}
	return true;
}

static unsigned int available(const char *parent, const char *type)
{
	g_autofree char *path = g_strdup_printf(
		"devices/virtual/%s/%s/mdev_supported_types/%s/available_instances",
		parent, parent, type);
	struct sysfs_node n;
	char page[PAGE_SIZE + 1];
	ssize_t len;

	FUZZ_CHECK(fuzz_node(path, &n) == 0, "no %s", path);
	len = sysfs_show(n, page);
	FUZZ_CHECK(len > 0, "cannot read %s", path);
	page[len] = '\0';
	return (unsigned int)strtoul(page, NULL, 10);
}

/* The device made from a valid write: there, then removed. */
static void check_created(const char *parent, const char *name)
{
	g_autofree char *link = g_strdup_printf(DEVICES "/%s", name);
	g_autofree char *remove = g_strdup_printf("devices/virtual/%s/%s/%s/remove",
						  parent, parent, name);
	struct sysfs_node n;

	FUZZ_CHECK(fuzz_node(link, &n) == 0, "%s missing after create", link);
	FUZZ_CHECK(fuzz_store(remove, "1\n", 2) == 2, "cannot remove %s", name);
	FUZZ_CHECK(fuzz_node(link, &n) == -ENOENT, "%s still there", link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len, i;
	g_autofree char *create = NULL;
	unsigned int devices, avail;
	ssize_t ret;

	if (size < 2) /* a zero-length write never reaches the store */
		return 0;
	setup_once();
	i = data[0] % G_N_ELEMENTS(types);
	len = MIN(size - 1, (size_t)PAGE_SIZE); /* as mdevfs_write() cuts */
	create = fuzz_create_path(types[i].parent, types[i].type);
	devices = fuzz_count(DEVICES);
	avail = available(types[i].parent, types[i].type);
	FUZZ_CHECK(devices == 1, "%u devices before the write", devices);

	ret = fuzz_store(create, buf, len);
	if (!uuid_shape(buf, len)) {
		FUZZ_CHECK(ret == -EINVAL, "bad UUID accepted: %zd", ret);
	} else {
		g_autofree char *text = g_strndup(buf, 36);
		char name[UUID_STR_LEN];
		uuid_t uuid;

		FUZZ_CHECK(uuid_parse(text, uuid) == 0, "libuuid refuses %s", text);
		uuid_unparse_lower(uuid, name);
		if (!strcmp(name, RESIDENT)) {
			FUZZ_CHECK(ret == -EEXIST, "resident UUID: %zd", ret);
		} else {
			FUZZ_CHECK(ret == (ssize_t)len, "valid UUID %s: %zd", name, ret);
			FUZZ_CHECK(fuzz_count(DEVICES) == devices + 1, "no new device");
			check_created(types[i].parent, name);
		}
	}
	FUZZ_CHECK(fuzz_count(DEVICES) == devices, "device count changed");
	FUZZ_CHECK(available(types[i].parent, types[i].type) == avail,
		   "available_instances changed");
	return 0;
}
