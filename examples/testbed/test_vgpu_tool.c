// SPDX-License-Identifier: MIT
/* A test of the vendor tool on a private tree: docs/testing.md. */
#include <mdevfs/testbed.h>

#include "vgpu_tool.h"

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new(NULL, &error);
	const char *uuid = "0b1c0e52-7d3c-4c1f-9f6a-4f0a1f9a3f21";
	g_autoptr(GHashTable) add = NULL, bind = NULL;

	g_assert_no_error(error);
	g_assert_true(vgpu_create(mdev_testbed_get_root(tb), "mtty", "mtty-2", uuid) == 0);
	add = mdev_testbed_wait_uevent(tb, "add", "mdev", NULL, 5000, &error);
	g_assert_no_error(error);
	bind = mdev_testbed_wait_uevent(tb, "bind", "mdev", "DRIVER=mtty", 5000, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(g_hash_table_lookup(add, "DEVPATH"), uuid));
	g_assert_true(g_str_equal(g_hash_table_lookup(bind, "DEVPATH"), g_hash_table_lookup(add, "DEVPATH")));
	g_assert_true(mdev_testbed_remove(tb, uuid, &error));
	return 0;
}
