// SPDX-License-Identifier: MIT
/*
 * The mdev core through its sysfs tables, with the built-in sample vendors:
 * every errno row of create and remove, the accounting rules of mtty, mdpy
 * and mbochs, the links a device gets and loses.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "run_suite.h"
#include "tree_helpers.h"

#define MTTY "devices/virtual/mtty/mtty"
#define MDPY "devices/virtual/mdpy/mdpy"
#define MBOCHS "devices/virtual/mbochs/mbochs"
#define TYPES "/mdev_supported_types/"

static GPtrArray *parents;

static void setup(void)
{
	parents = tree_setup(NULL);
}

static void teardown(void)
{
	tree_teardown(parents);
}

static long avail(const char *parent_dir, const char *type)
{
	g_autofree char *p = g_strdup_printf("%s" TYPES "%s/available_instances",
					     parent_dir, type);
	return tree_read_long(p);
}

static void assert_read(const char *path, const char *want)
{
	g_autofree char *v = tree_read(path);

	ck_assert_msg(v != NULL, "cannot read %s: %s", path, strerror(errno));
	ck_assert_str_eq(v, want);
}

static void assert_link(const char *path, const char *want)
{
	g_autofree char *v = tree_readlink(path);

	ck_assert_msg(v != NULL, "no link %s", path);
	ck_assert_str_eq(v, want);
}

START_TEST(skeleton)
{
	g_autofree char *mtty1 = tree_ls(MTTY TYPES "mtty-1");
	g_autofree char *vga = tree_ls(MDPY TYPES "mdpy-vga");
	g_autofree char *types = tree_ls(MBOCHS "/mdev_supported_types");
	g_autofree char *bus = tree_ls("bus/mdev");

	assert_link("class/mdev_bus/mtty", "../../devices/virtual/mtty/mtty");
	assert_link("class/mtty/mtty", "../../devices/virtual/mtty/mtty");
	assert_link(MTTY "/subsystem", "../../../../class/mtty");
	ck_assert_str_eq(mtty1, "available_instances create device_api devices name");
	ck_assert_str_eq(vga, "available_instances create description device_api "
			      "devices name");
	ck_assert_str_eq(types, "mbochs-large mbochs-medium mbochs-small");
	ck_assert_str_eq(bus, "devices drivers drivers_autoprobe drivers_probe uevent");
	assert_read(MTTY TYPES "mtty-1/device_api", "vfio-pci");
	assert_read(MTTY TYPES "mtty-2/name", "Dual port serial");
	assert_read(MDPY TYPES "mdpy-vga/name", "mdpy-vga");
	assert_read(MBOCHS TYPES "mbochs-small/description",
		    "virtual display, 4 MB video memory");
	assert_read(MDPY TYPES "mdpy-hd/description",
		    "virtual display, 1920x1080 framebuffer");
	ck_assert(!tree_exists(MTTY TYPES "mtty-1/description"));
	assert_read("bus/mdev/drivers_autoprobe", "1");
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
}
END_TEST

START_TEST(initial_counts)
{
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 24);
	ck_assert_int_eq(avail(MTTY, "mtty-2"), 12);
	ck_assert_int_eq(avail(MDPY, "mdpy-vga"), 4);
	ck_assert_int_eq(avail(MDPY, "mdpy-hd"), 4);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-small"), 64);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-medium"), 16);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-large"), 4);
}
END_TEST

/* @path_fmt and @want_fmt may name the device's UUID once with %1$s. */
static void link_is(const char *u, const char *path_fmt, const char *want_fmt)
{
	g_autofree char *path = g_strdup_printf(path_fmt, u);
	g_autofree char *want = g_strdup_printf(want_fmt, u);

	assert_link(path, want);
}

static void value_is(const char *u, const char *path_fmt, const char *want_fmt)
{
	g_autofree char *path = g_strdup_printf(path_fmt, u);
	g_autofree char *want = g_strdup_printf(want_fmt, u);

	assert_read(path, want);
}

START_TEST(create_links)
{
	g_autofree char *u = new_uuid();

	ck_assert_int_eq(tree_create("mtty", "mtty-2", u), 0);
	link_is(u, "bus/mdev/devices/%1$s", "../../../" MTTY "/%1$s");
	link_is(u, "bus/mdev/drivers/mtty/%1$s", "../../../../" MTTY "/%1$s");
	link_is(u, MTTY TYPES "mtty-2/devices/%1$s", "../../../%1$s");
	link_is(u, MTTY "/%1$s/mdev_type", "../mdev_supported_types/mtty-2");
	link_is(u, MTTY "/%1$s/driver", "../../../../../bus/mdev/drivers/mtty");
	link_is(u, MTTY "/%1$s/subsystem", "../../../../../bus/mdev");
	link_is(u, MTTY "/%1$s/iommu_group", "../../../../../kernel/iommu_groups/0");
	link_is(u, "kernel/iommu_groups/0/devices/%1$s", "../../../../" MTTY "/%1$s");
	link_is(u, MTTY "/%1$s/vfio-dev/vfio0/device", "../../../%1$s");
	link_is(u, MTTY "/%1$s/vfio-dev/vfio0/subsystem",
		"../../../../../../../class/vfio-dev");
	link_is(u, "class/vfio-dev/vfio0", "../../" MTTY "/%1$s/vfio-dev/vfio0");
	value_is(u, "kernel/iommu_groups/0/name", "vfio-noiommu");
	value_is(u, MTTY "/%1$s/uevent", "DRIVER=mtty");
	value_is(u, MTTY "/%1$s/vendor/sample_mdev_dev", "This is MDEV %1$s");
	value_is(u, MTTY "/%1$s/power/runtime_status", "unsupported");
}
END_TEST

START_TEST(create_einval)
{
	static const char *const bad[] = {
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3",
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a\r\n",
		"{5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a}",
		"5e8d5a4c0f9b4e5e9a548b7c1d0e2f3a",
		" 5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a",
		"5e8d5a4g-0f9b-4e5e-9a54-8b7c1d0e2f3a",
	};
	char big[5000];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		ck_assert_int_eq(tree_puts(MTTY TYPES "mtty-1/create", bad[i]), -EINVAL);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(tree_write(MTTY TYPES "mtty-1/create", big, sizeof(big)),
			 -EINVAL);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 24);
}
END_TEST

START_TEST(create_forms)
{
	const char *u = "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a";
	const char *upper = "AB8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A";

	ck_assert_int_eq(tree_write(MTTY TYPES "mtty-1/create",
				    "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3ax", 37), 37);
	ck_assert(tree_exists("bus/mdev/devices/5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a"));
	/* the uppercase form of an existing UUID is the same UUID */
	ck_assert_int_eq(tree_create("mtty", "mtty-1",
				     "5E8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A"), EEXIST);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", upper), 0);
	ck_assert(tree_exists("bus/mdev/devices/ab8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a"));
	ck_assert(!tree_exists("bus/mdev/devices/AB8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A"));
	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga",
				     "00000000-0000-0000-0000-000000000000"), 0);
	(void)u;
}
END_TEST

START_TEST(eexist_across_parents)
{
	g_autofree char *u = new_uuid();
	g_autofree char *dir = g_strdup_printf(MTTY "/%s", u);

	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", u), EEXIST);
	ck_assert_int_eq(tree_create("mbochs", "mbochs-small", u), EEXIST);
	ck_assert_int_eq(tree_create("mtty", "mtty-2", u), EEXIST);
	ck_assert(tree_exists(dir));
	ck_assert_int_eq(avail(MDPY, "mdpy-vga"), 4);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-small"), 64);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 23);
}
END_TEST

START_TEST(mdpy_eusers)
{
	const char *types[] = { "mdpy-vga", "mdpy-xga", "mdpy-hd", "mdpy-vga" };
	g_autofree char *last = new_uuid();

	for (int i = 0; i < 4; i++) {
		g_autofree char *u = new_uuid();

		ck_assert_int_eq(tree_create("mdpy", types[i], u), 0);
		ck_assert_int_eq(avail(MDPY, "mdpy-vga"), 3 - i);
		ck_assert_int_eq(avail(MDPY, "mdpy-xga"), 3 - i);
		ck_assert_int_eq(avail(MDPY, "mdpy-hd"), 3 - i);
	}
	ck_assert_int_eq(tree_create("mdpy", "mdpy-hd", last), EUSERS);
	ck_assert_uint_eq(tree_count(MDPY), 4 + 4); /* 4 devices + uevent,
						      subsystem, power, types */
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 4);
}
END_TEST

START_TEST(mtty_ports)
{
	g_autofree char *a = new_uuid(), *b = new_uuid(), *c = new_uuid();

	ck_assert_int_eq(tree_create("mtty", "mtty-2", a), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 22);
	ck_assert_int_eq(avail(MTTY, "mtty-2"), 11);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", b), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 21);
	ck_assert_int_eq(avail(MTTY, "mtty-2"), 10);
	for (int i = 0; i < 20; i++) {
		g_autofree char *u = new_uuid();

		ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	}
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 1);
	ck_assert_int_eq(avail(MTTY, "mtty-2"), 0);
	/* refused by the vendor's probe: nothing stays, the UUID is free */
	ck_assert_int_eq(tree_create("mtty", "mtty-2", c), ENOSPC);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 22);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 1);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", c), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 0);
	ck_assert_int_eq(tree_remove(a), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 2);
	ck_assert_int_eq(avail(MTTY, "mtty-2"), 1);
}
END_TEST

START_TEST(mbochs_memory)
{
	g_autofree char *a = new_uuid();
	g_autofree char *attr = g_strdup_printf(MBOCHS "/%s/vendor/memory", a);

	ck_assert_int_eq(tree_create("mbochs", "mbochs-large", a), 0);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-small"), 48);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-medium"), 12);
	ck_assert_int_eq(avail(MBOCHS, "mbochs-large"), 3);
	assert_read(attr, "64 MB");
	for (int i = 0; i < 3; i++) {
		g_autofree char *u = new_uuid();

		ck_assert_int_eq(tree_create("mbochs", "mbochs-large", u), 0);
	}
	{
		g_autofree char *u = new_uuid();

		ck_assert_int_eq(tree_create("mbochs", "mbochs-small", u), ENOSPC);
	}
	ck_assert_int_eq(avail(MBOCHS, "mbochs-small"), 0);
}
END_TEST

START_TEST(remove_values)
{
	static const char *const noop[] = { "0", "00", "0x0", "+0", "0\n" };
	static const char *const bad[] = {
		"abc", "-1", " 1", "1 ", "\n", "08", "0x", "1\n\n",
	};
	static const char *const removes[] = { "1", "2", "0x1", "01", "+1", "1\n",
					       "18446744073709551615" };

	for (size_t i = 0; i < G_N_ELEMENTS(removes); i++) {
		g_autofree char *u = new_uuid();
		g_autofree char *rm = g_strdup_printf(MDPY "/%s/remove", u);
		g_autofree char *dir = g_strdup_printf(MDPY "/%s", u);

		ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", u), 0);
		for (size_t j = 0; j < G_N_ELEMENTS(noop); j++)
			ck_assert_int_eq(tree_puts(rm, noop[j]), (ssize_t)strlen(noop[j]));
		for (size_t j = 0; j < G_N_ELEMENTS(bad); j++)
			ck_assert_int_eq(tree_puts(rm, bad[j]), -EINVAL);
		ck_assert(tree_exists(rm));
		ck_assert_int_eq(avail(MDPY, "mdpy-vga"), 3);
		ck_assert_int_eq(tree_puts(rm, removes[i]), (ssize_t)strlen(removes[i]));
		ck_assert(!tree_exists(dir));
		ck_assert_int_eq(avail(MDPY, "mdpy-vga"), 4);
		/* a removed UUID is free again at once */
		ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
		ck_assert_int_eq(tree_remove(u), 0);
	}
}
END_TEST

START_TEST(remove_cleans_everything)
{
	g_autofree char *u = new_uuid();
	struct sysfs_node remove_file;
	g_autofree char *rm = g_strdup_printf(MTTY "/%s/remove", u);

	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	ck_assert_int_eq(tree_node(rm, &remove_file), 0);
	kobj_get(remove_file.obj); /* as an open file's inode does */
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	ck_assert_uint_eq(tree_count("bus/mdev/drivers/mtty"), 4); /* bind unbind uevent module */
	ck_assert_uint_eq(tree_count(MTTY TYPES "mtty-1/devices"), 0);
	ck_assert_uint_eq(tree_count("kernel/iommu_groups"), 0);
	ck_assert_uint_eq(tree_count("class/vfio-dev"), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 24);
	/* through a file of the removed device: ENODEV, as kernfs */
	ck_assert_int_eq(sysfs_store(remove_file, "1", 1, NULL), -ENODEV);
	kobj_put(remove_file.obj);
	ck_assert(!tree_exists(rm));
}
END_TEST

START_TEST(lowest_free_numbers)
{
	g_autofree char *a = new_uuid(), *b = new_uuid(), *c = new_uuid();
	g_autofree char *cdir = NULL;

	ck_assert_int_eq(tree_create("mtty", "mtty-1", a), 0);
	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", b), 0);
	ck_assert(tree_exists("class/vfio-dev/vfio1"));
	ck_assert(tree_exists("kernel/iommu_groups/1"));
	ck_assert_int_eq(tree_remove(a), 0);
	ck_assert_int_eq(tree_create("mbochs", "mbochs-small", c), 0);
	cdir = g_strdup_printf(MBOCHS "/%s/vfio-dev/vfio0", c);
	ck_assert(tree_exists(cdir));
	g_free(cdir);
	cdir = g_strdup_printf(MBOCHS "/%s/iommu_group", c);
	g_autofree char *g = tree_readlink(cdir);
	ck_assert_str_eq(g, "../../../../../kernel/iommu_groups/0");
}
END_TEST

START_TEST(unregister_removes_children)
{
	struct mdevfs_parent *mtty = tree_parent(parents, "mtty");
	struct sysfs_node create;
	g_autofree char *kept = new_uuid();

	ck_assert_int_eq(tree_node(MTTY TYPES "mtty-1/create", &create), 0);
	for (int i = 0; i < 3; i++) {
		g_autofree char *u = new_uuid();

		ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	}
	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", kept), 0);
	mdev_unregister_parent(mtty);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 1);
	ck_assert(!tree_exists("class/mdev_bus/mtty"));
	ck_assert(!tree_exists(MTTY "/mdev_supported_types"));
	ck_assert(tree_exists(MTTY "/uevent"));
	/* a create through a file opened before: the type is gone */
	ck_assert_int_eq(sysfs_store(create, kept, 36, NULL), -ENODEV);
	ck_assert_int_eq(mdev_register_parent(mtty), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 24);
	mdev_unregister_parent(mtty);
	mdev_parent_del(mtty);
	ck_assert(!tree_exists("devices/virtual/mtty"));
	ck_assert(tree_exists("class/mdev_bus"));
	ck_assert(!tree_exists("class/mtty"));
}
END_TEST

START_TEST(empty_mdev_bus_stays)
{
	for (guint i = 0; i < parents->len; i++)
		mdev_unregister_parent(g_ptr_array_index(parents, i));
	ck_assert(tree_exists("class/mdev_bus"));
	ck_assert_uint_eq(tree_count("class/mdev_bus"), 0);
	ck_assert(tree_exists("bus/mdev/devices"));
}
END_TEST

START_TEST(unbind_then_remove)
{
	g_autofree char *u = new_uuid();
	g_autofree char *dir = g_strdup_printf(MTTY "/%s", u);
	g_autofree char *drv = g_strdup_printf("%s/driver", dir);
	g_autofree char *uev = g_strdup_printf("%s/uevent", dir);

	ck_assert_int_eq(tree_create("mtty", "mtty-2", u), 0);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers/mtty/bind", u), -ENODEV);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers/mdpy/unbind", u), -ENODEV);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers/mtty/unbind", u), 36);
	ck_assert(tree_exists(dir));
	ck_assert(!tree_exists(drv));
	assert_read(uev, "");
	ck_assert_uint_eq(tree_count("kernel/iommu_groups"), 0);
	ck_assert_int_eq(avail(MTTY, "mtty-1"), 24); /* the vendor let go */
	ck_assert_int_eq(tree_puts("bus/mdev/drivers/mtty/unbind", u), -ENODEV);
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert(!tree_exists(dir));
}
END_TEST

START_TEST(bus_attributes)
{
	g_autofree char *u = new_uuid();
	g_autofree char *ctl = NULL;

	ck_assert_int_eq(tree_puts("bus/mdev/drivers_probe", u), -ENODEV);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers_probe", u), 36);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers_autoprobe", "0"), 1);
	assert_read("bus/mdev/drivers_autoprobe", "0");
	/* the kernel takes anything but "0..." as 1 */
	ck_assert_int_eq(tree_puts("bus/mdev/drivers_autoprobe", "x"), 1);
	assert_read("bus/mdev/drivers_autoprobe", "1");
	ck_assert_int_eq(tree_puts("bus/mdev/uevent", "add"), 3);
	ck_assert_int_eq(tree_puts("bus/mdev/uevent", "bogus"), -EINVAL);
	ctl = g_strdup_printf(MTTY "/%s/power/control", u);
	assert_read(ctl, "auto");
	ck_assert_int_eq(tree_puts(ctl, "on\n"), 3);
	assert_read(ctl, "on");
	ck_assert_int_eq(tree_puts(ctl, "off"), -EINVAL);
	g_free(ctl);
	ctl = g_strdup_printf(MTTY "/%s/power/autosuspend_delay_ms", u);
	ck_assert_ptr_null(tree_read(ctl));
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(tree_puts("kernel/iommu_groups/0/type", "DMA"), -EINVAL);
	assert_read("kernel/iommu_groups/0/type", "unknown");
}
END_TEST

START_TEST(parent_add_conflicts)
{
	struct mdevfs_parent *mtty = tree_parent(parents, "mtty");

	ck_assert_int_eq(mdev_parent_add(mtty), -EEXIST);
	ck_assert_int_eq(mdev_register_parent(mtty), -EEXIST);
}
END_TEST

/* The sample vendor's fault injection: the errno by name or number, a
 * share of failures, the same sequence for the same seed. */
#define FLAKY(n, keys) \
	"[parent " n "]\nclass = flaky\ndriver = flaky\nbackend = sample\n" \
	"device_api = vfio-pci\npool = 1000\n[type " n " a]\n" keys

START_TEST(vendor_fault_injection)
{
	GPtrArray *flaky = tree_setup(
		FLAKY("busy", "probe_fail_percent = 100\nprobe_fail_errno = EBUSY\n")
		FLAKY("full", "probe_fail_percent = 100\nprobe_fail_errno = 28\n")
		FLAKY("half1", "probe_fail_percent = 50\nprobe_fail_seed = 7\n")
		FLAKY("half2", "probe_fail_percent = 50\nprobe_fail_seed = 7\n"));
	g_autofree char *u = new_uuid();
	int fails = 0;

	ck_assert_int_eq(tree_create("busy", "flaky-a", u), EBUSY);
	ck_assert_int_eq(tree_create("full", "flaky-a", u), ENOSPC);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	for (int i = 0; i < 200; i++) {
		g_autofree char *u1 = new_uuid(), *u2 = new_uuid();
		int r1 = tree_create("half1", "flaky-a", u1);
		int r2 = tree_create("half2", "flaky-a", u2);

		ck_assert_int_eq(r1, r2);
		ck_assert(r1 == 0 || r1 == EIO);
		fails += r1 == EIO;
	}
	ck_assert_int_gt(fails, 70);
	ck_assert_int_lt(fails, 130);
	ck_assert_int_eq((int)tree_count("bus/mdev/devices"), 400 - 2 * fails);
	tree_teardown(flaky);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("samples");
	TCase *faults = tcase_create("faults");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, skeleton);
	tcase_add_test(tc, initial_counts);
	tcase_add_test(tc, create_links);
	tcase_add_test(tc, create_einval);
	tcase_add_test(tc, create_forms);
	tcase_add_test(tc, eexist_across_parents);
	tcase_add_test(tc, mdpy_eusers);
	tcase_add_test(tc, mtty_ports);
	tcase_add_test(tc, mbochs_memory);
	tcase_add_test(tc, remove_values);
	tcase_add_test(tc, remove_cleans_everything);
	tcase_add_test(tc, lowest_free_numbers);
	tcase_add_test(tc, unregister_removes_children);
	tcase_add_test(tc, empty_mdev_bus_stays);
	tcase_add_test(tc, unbind_then_remove);
	tcase_add_test(tc, bus_attributes);
	tcase_add_test(tc, parent_add_conflicts);
	tcase_add_test(faults, vendor_fault_injection);
	suite_add_tcase(s, faults);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
