// SPDX-License-Identifier: MIT
/*
 * Which uevents the core sends, in which order, with which variables, and
 * what the tree shows at the moment each is sent (the kernel's order for
 * create, a refused probe, remove, parent registration and
 * unregistration, and synthetic events from uevent files).
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "run_suite.h"
#include "tree_helpers.h"
#include "uevent.h"
#include "uevent_netlink.h"

static GPtrArray *parents;

/* Checks what the tree shows when each event is sent (the recording host
 * records the event itself). */
static void check_event(const struct uevent *ev)
{
	const char *path = ev->devpath + 1;

	if (!strcmp(ev->subsystem, "mdev")) {
		g_autofree char *bus = g_strdup_printf("bus/mdev/devices/%s",
						       strrchr(path, '/') + 1);
		g_autofree char *rm = g_strdup_printf("%s/remove", path);
		bool there = tree_exists(path) && tree_exists(bus) && tree_exists(rm);

		/* add: visible with its core files; remove: the directory
		 * there and empty, the bus link gone (the kernel's device_del()
		 * sends it before kobject_del()) */
		if (ev->action == KOBJ_ADD)
			ck_assert_msg(there, "add sent before %s was visible", path);
		if (ev->action == KOBJ_REMOVE) {
			ck_assert_msg(tree_exists(path), "remove sent after %s went",
				      path);
			ck_assert_msg(!tree_count(path) && !tree_exists(bus),
				      "remove sent while %s had entries", path);
		}
	}
}

static void setup(void)
{
	parents = tree_setup_with(NULL, check_event);
}

/* The uevents the host got since call @from, one a line:
 * "action devpath subsystem [VAR ...]". */
static char *since(guint from)
{
	return host_record_since(from, "uevent ", false);
}

/* No uevent since call @from. */
static void assert_none_since(guint from)
{
	g_autofree char *got = since(from);

	ck_assert_str_eq(got, "");
}

#define MTTY "/devices/virtual/mtty/mtty"
#define MTTY_DIR "devices/virtual/mtty/mtty"
#define VFIO "/devices/virtual/vfio" /* the vfio group devices */

START_TEST(registration)
{
	g_autofree char *all = since(0);

	/* as each sample module's loading: its driver, its class, the
	 * parent, registered, then the module */
	ck_assert_str_eq(all,
		"add /bus/mdev/drivers/mtty drivers\n"
		"add /class/mtty class\n"
		"add " MTTY " mtty\n"
		"change " MTTY " mtty MDEV_STATE=registered\n"
		"add /module/mtty module\n"
		"add /bus/mdev/drivers/mdpy drivers\n"
		"add /class/mdpy class\n"
		"add /devices/virtual/mdpy/mdpy mdpy\n"
		"change /devices/virtual/mdpy/mdpy mdpy MDEV_STATE=registered\n"
		"add /module/mdpy module\n"
		"add /bus/mdev/drivers/mbochs drivers\n"
		"add /class/mbochs class\n"
		"add /devices/virtual/mbochs/mbochs mbochs\n"
		"change /devices/virtual/mbochs/mbochs mbochs MDEV_STATE=registered\n"
		"add /module/mbochs module\n");
	tree_teardown(parents);
}
END_TEST

START_TEST(create_and_remove)
{
	g_autofree char *u = new_uuid();
	g_autofree char *want = NULL, *got = NULL;
	guint mark = host_record_count();

	ck_assert_int_eq(tree_create("mtty", "mtty-2", u), 0);
	want = g_strdup_printf(
		"add " MTTY "/%1$s mdev\n"
		"add " VFIO "/0 vfio MAJOR=254 MINOR=0 DEVNAME=vfio/0\n"
		"add " MTTY "/%1$s/vfio-dev/vfio0 vfio-dev\n"
		"bind " MTTY "/%1$s mdev DRIVER=mtty\n", u);
	got = since(mark);
	ck_assert_str_eq(got, want);
	mark = host_record_count();
	ck_assert_int_eq(tree_remove(u), 0);
	g_free(want), g_free(got);
	want = g_strdup_printf(
		"remove " MTTY "/%1$s/vfio-dev/vfio0 vfio-dev\n"
		"remove " VFIO "/0 vfio MAJOR=254 MINOR=0 DEVNAME=vfio/0\n"
		"unbind " MTTY "/%1$s mdev\n"
		"remove " MTTY "/%1$s mdev\n", u);
	got = since(mark);
	ck_assert_str_eq(got, want);
	tree_teardown(parents);
}
END_TEST

START_TEST(refusals_send_nothing)
{
	g_autofree char *u = new_uuid();
	guint mark;

	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", u), 0);
	mark = host_record_count();
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), EEXIST);
	ck_assert_int_eq(tree_puts("devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create",
				   "not-a-uuid"), -EINVAL);
	assert_none_since(mark);
	for (int i = 0; i < 3; i++) {
		g_autofree char *v = new_uuid();

		ck_assert_int_eq(tree_create("mdpy", "mdpy-xga", v), 0);
	}
	mark = host_record_count();
	{
		g_autofree char *v = new_uuid();

		ck_assert_int_eq(tree_create("mdpy", "mdpy-xga", v), EUSERS);
	}
	assert_none_since(mark);
	tree_teardown(parents);
}
END_TEST

START_TEST(vendor_refusal_adds_and_removes)
{
	g_autofree char *u = new_uuid(), *want = NULL, *got = NULL;
	guint mark;

	for (int i = 0; i < 12; i++) {
		g_autofree char *v = new_uuid();

		ck_assert_int_eq(tree_create("mtty", "mtty-2", v), 0);
	}
	mark = host_record_count();
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), ENOSPC);
	want = g_strdup_printf("add " MTTY "/%1$s mdev\nremove " MTTY "/%1$s mdev\n", u);
	got = since(mark);
	ck_assert_str_eq(got, want);
	tree_teardown(parents);
}
END_TEST

START_TEST(unregistration_order)
{
	g_autofree char *a = new_uuid(), *b = new_uuid(), *want = NULL, *got = NULL;
	struct mdevfs_parent *mtty = tree_parent(parents, "mtty");
	guint mark;

	ck_assert_int_eq(tree_create("mtty", "mtty-1", a), 0);
	ck_assert_int_eq(tree_create("mtty", "mtty-2", b), 0);
	mark = host_record_count();
	mdev_unregister_parent(mtty);
	mdev_parent_del(mtty);
	want = g_strdup_printf(
		"remove " MTTY "/%1$s/vfio-dev/vfio0 vfio-dev\n"
		"remove " VFIO "/0 vfio MAJOR=254 MINOR=0 DEVNAME=vfio/0\n"
		"unbind " MTTY "/%1$s mdev\n"
		"remove " MTTY "/%1$s mdev\n"
		"remove " MTTY "/%2$s/vfio-dev/vfio1 vfio-dev\n"
		"remove " VFIO "/1 vfio MAJOR=254 MINOR=1 DEVNAME=vfio/1\n"
		"unbind " MTTY "/%2$s mdev\n"
		"remove " MTTY "/%2$s mdev\n"
		"change " MTTY " mtty MDEV_STATE=unregistered\n"
		"remove " MTTY " mtty\n"
		"remove /bus/mdev/drivers/mtty drivers\n"
		"remove /class/mtty class\n"
		"remove /module/mtty module\n", a, b);
	got = since(mark);
	ck_assert_str_eq(got, want);
	tree_teardown(parents);
}
END_TEST

START_TEST(synthetic_events)
{
	g_autofree char *u = new_uuid(), *uev = NULL, *want = NULL, *got = NULL;
	guint mark;

	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	uev = g_strdup_printf(MTTY "/%s/uevent", u + 0);
	mark = host_record_count();
	ck_assert_int_eq(tree_puts(uev + 1, "change\n"), 7);
	ck_assert_int_eq(tree_puts(uev + 1, "add 5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a A=1 Bb=x"), 49);
	ck_assert_int_eq(tree_puts(uev + 1, "bogus"), -EINVAL);
	ck_assert_int_eq(tree_puts("devices/virtual/mdpy/mdpy/uevent", "change"), 6);
	want = g_strdup_printf(
		"change " MTTY "/%1$s mdev SYNTH_UUID=0 DRIVER=mtty\n"
		"add " MTTY "/%1$s mdev SYNTH_UUID=5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a "
		"SYNTH_ARG_A=1 SYNTH_ARG_Bb=x DRIVER=mtty\n"
		"change /devices/virtual/mdpy/mdpy mdpy SYNTH_UUID=0\n", u);
	got = since(mark);
	ck_assert_str_eq(got, want);
	tree_teardown(parents);
}
END_TEST

/* Every call since @from came with store context @sc. */
static void assert_all_for(guint from, const struct mdev_store_ctx *sc)
{
	for (guint i = from; i < host_record_count(); i++)
		ck_assert_ptr_eq(host_record_store(i), sc);
}

/* What the daemon's host gets for a create and a remove written to the
 * tree: every invalidation before the uevent that reports its change
 * (the notifier sends them in this order), the device's directory after
 * its remove, all for the writer's store. */
START_TEST(host_sees_store_changes_in_order)
{
	struct mdev_store_ctx sc = { 0 };
	const char *create = MTTY_DIR "/mdev_supported_types/mtty-2/create";
	g_autofree char *u = new_uuid(), *path = NULL, *want = NULL, *got = NULL;
	guint mark = host_record_count();

	ck_assert_int_eq(tree_write_for(create, u, 36, &sc), 36);
	want = g_strdup_printf(
		"uevent add " MTTY "/%1$s mdev\n"
		"uevent add " VFIO "/0 vfio MAJOR=254 MINOR=0 DEVNAME=vfio/0\n"
		"uevent add " MTTY "/%1$s/vfio-dev/vfio0 vfio-dev\n"
		"uevent bind " MTTY "/%1$s mdev DRIVER=mtty\n", u);
	got = host_record_since(mark, "", false);
	ck_assert_str_eq(got, want);
	assert_all_for(mark, &sc);

	mark = host_record_count();
	path = g_strdup_printf(MTTY_DIR "/%s/remove", u);
	ck_assert_int_eq(tree_write_for(path, "1", 1, &sc), 1);
	g_free(want), g_free(got);
	want = g_strdup_printf(
		"gone " MTTY_DIR "/%1$s/remove\n"
		"gone " MTTY_DIR "/%1$s/mdev_type\n"
		"gone " MTTY_DIR "/mdev_supported_types/mtty-2/devices/%1$s\n"
		"gone " MTTY_DIR "/%1$s/uevent\n"
		"gone " MTTY_DIR "/%1$s/subsystem\n"
		"gone " MTTY_DIR "/%1$s/power\n"
		"gone bus/mdev/devices/%1$s\n"
		"gone " MTTY_DIR "/%1$s/driver\n"
		"gone " MTTY_DIR "/%1$s/vendor\n"
		"gone bus/mdev/drivers/mtty/%1$s\n"
		"gone " MTTY_DIR "/%1$s/iommu_group\n"
		"gone " MTTY_DIR "/%1$s/vfio-dev/vfio0/device\n"
		"gone " MTTY_DIR "/%1$s/vfio-dev/vfio0/subsystem\n"
		"gone " MTTY_DIR "/%1$s/vfio-dev/vfio0/uevent\n"
		"gone " MTTY_DIR "/%1$s/vfio-dev/vfio0/power\n"
		"gone kernel/iommu_groups/0/devices/%1$s\n"
		"gone class/vfio-dev/vfio0\n"
		/* each directory stays, empty, until its remove is out */
		"uevent remove " MTTY "/%1$s/vfio-dev/vfio0 vfio-dev\n"
		"gone " MTTY_DIR "/%1$s/vfio-dev\n"
		"gone devices/virtual/vfio/0/dev\n"
		"gone devices/virtual/vfio/0/uevent\n"
		"gone devices/virtual/vfio/0/subsystem\n"
		"gone devices/virtual/vfio/0/power\n"
		"gone class/vfio/0\n"
		"uevent remove " VFIO "/0 vfio MAJOR=254 MINOR=0 DEVNAME=vfio/0\n"
		"gone kernel/iommu_groups/0\n"
		"gone devices/virtual/vfio/0\n"
		"gone devices/virtual/vfio\n"
		"uevent unbind " MTTY "/%1$s mdev\n"
		"uevent remove " MTTY "/%1$s mdev\n"
		"gone " MTTY_DIR "/%1$s\n", u);
	got = host_record_since(mark, "", false);
	ck_assert_str_eq(got, want);
	assert_all_for(mark, &sc);
	tree_teardown(parents);
}
END_TEST

/* What no store makes comes with no store context: a backend's gone
 * parent, an unregistration. */
START_TEST(host_sees_parent_changes_without_store)
{
	struct mdevfs_parent *mtty = tree_parent(parents, "mtty");
	g_autofree char *got = NULL;
	guint mark = host_record_count();

	mdevfs_parent_gone(mtty);
	got = host_record_since(mark, "", true);
	ck_assert_str_eq(got, "parent_gone mtty\n");
	mdev_unregister_parent(mtty);
	g_free(got);
	got = host_record_since(mark, "", true);
	ck_assert_ptr_null(strstr(got, "(store)"));
	ck_assert_ptr_nonnull(strstr(got, "uevent change " MTTY
				     " mtty MDEV_STATE=unregistered\n"));
	tree_teardown(parents);
}
END_TEST

START_TEST(routes_and_hash)
{
	unsigned int r;

	ck_assert_int_eq(uevent_routes_parse("kernel,udev", &r), 0);
	ck_assert_uint_eq(r, UEVENT_ROUTE_KERNEL | UEVENT_ROUTE_UDEV);
	ck_assert_int_eq(uevent_routes_parse("udev", &r), 0);
	ck_assert_uint_eq(r, UEVENT_ROUTE_UDEV);
	ck_assert_int_eq(uevent_routes_parse("none", &r), 0);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(uevent_routes_parse("kernel,bogus", &r), -EINVAL);
	ck_assert_int_eq(uevent_routes_parse("", &r), -EINVAL);
	/* MurmurHash2 reference values (seed 0) */
	ck_assert_uint_eq(uevent_subsystem_hash(""), 0);
	ck_assert_uint_eq(uevent_subsystem_hash("a"), 0x92685f5e);
	ck_assert_uint_eq(uevent_subsystem_hash("abcd"), 0x26873021);
	tree_teardown(parents);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uevent");
	TCase *tc = tcase_create("order");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, registration);
	tcase_add_test(tc, create_and_remove);
	tcase_add_test(tc, refusals_send_nothing);
	tcase_add_test(tc, vendor_refusal_adds_and_removes);
	tcase_add_test(tc, unregistration_order);
	tcase_add_test(tc, synthetic_events);
	tcase_add_test(tc, host_sees_store_changes_in_order);
	tcase_add_test(tc, host_sees_parent_changes_without_store);
	tcase_add_test(tc, routes_and_hash);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
