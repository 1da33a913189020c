// SPDX-License-Identifier: MIT
/*
 * Order of operations and races, held at chosen points by a vendor whose
 * hooks wait at a gate: what is visible while the vendor probes, EAGAIN
 * and EEXIST during a create, hooks running in parallel on one parent,
 * and unregistration waiting for in-flight work while new work gets ENODEV.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "run_suite.h"
#include "gate_backend.h"
#include "tree_helpers.h"

#define GATE "devices/virtual/gate/gate0"

START_TEST(visible_while_probing)
{
	g_autofree char *u = new_uuid();
	g_autofree char *bus = g_strdup_printf("bus/mdev/devices/%s", u);
	g_autofree char *typelink = g_strdup_printf(GATE "/mdev_supported_types/gate-a/devices/%s", u);
	struct gate_op *op;

	gate_close();
	op = gate_op_start(gate_create_main, gate0, u);
	gate_wait_in_probe(1);
	/* device_add() is done and the driver is attached; the vendor probes */
	ck_assert(gate_dev_has(u, ""));
	ck_assert(gate_dev_has(u, "uevent"));
	ck_assert(gate_dev_has(u, "remove"));
	ck_assert(gate_dev_has(u, "subsystem"));
	ck_assert(gate_dev_has(u, "power/control"));
	ck_assert(gate_dev_has(u, "driver"));
	ck_assert(tree_exists(bus));
	ck_assert(!gate_dev_has(u, "mdev_type"));
	ck_assert(!gate_dev_has(u, "iommu_group"));
	ck_assert(!gate_dev_has(u, "vfio-dev"));
	ck_assert(!tree_exists(typelink));
	/* the instance is already taken */
	ck_assert_int_eq(tree_read_long(GATE "/mdev_supported_types/gate-a/available_instances"), 7);
	/* the UUID is reserved on every parent */
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), EEXIST);
	ck_assert_int_eq(tree_create("gate0", "gate-a", u), EEXIST);
	/* remove while the create runs: EAGAIN, the device stays removable */
	ck_assert_int_eq(tree_remove(u), EAGAIN);
	ck_assert(gate_dev_has(u, "remove"));
	gate_open();
	ck_assert_int_eq(gate_op_finish(op), 0);
	ck_assert(gate_dev_has(u, "mdev_type"));
	ck_assert(gate_dev_has(u, "iommu_group"));
	ck_assert(tree_exists(typelink));
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert_int_eq(gate_removes(), 1);
}
END_TEST

START_TEST(refused_probe_leaves_nothing)
{
	g_autofree char *u = new_uuid();

	gate_set_probe_error(-ENOSPC);
	ck_assert_int_eq(tree_create("gate0", "gate-a", u), ENOSPC);
	ck_assert(!gate_dev_has(u, ""));
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	ck_assert_uint_eq(tree_count("bus/mdev/drivers/gate"), 3);
	ck_assert_int_eq(tree_read_long(GATE "/mdev_supported_types/gate-a/available_instances"), 8);
	ck_assert_int_eq(gate_removes(), 0); /* remove is not called for a failed probe */
	gate_set_probe_error(0);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
}
END_TEST

START_TEST(probes_run_in_parallel_on_one_parent)
{
	struct gate_op *ops[4];

	gate_close();
	for (int i = 0; i < 4; i++) {
		g_autofree char *u = new_uuid();

		ops[i] = gate_op_start(gate_create_main, gate0, u);
	}
	gate_wait_in_probe(4);
	/* readers are not held up by the hooks */
	ck_assert_int_eq(tree_read_long(GATE "/mdev_supported_types/gate-a/available_instances"), 4);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 4);
	ck_assert_int_eq(tree_read_long("devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances"), 24);
	gate_open();
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(gate_op_finish(ops[i]), 0);
	ck_assert_int_eq(gate_max_parallel(), 4);
}
END_TEST

START_TEST(unregister_waits_for_create)
{
	g_autofree char *u = new_uuid(), *late = new_uuid(), *old = new_uuid();
	struct gate_op *create, *unreg;

	ck_assert_int_eq(tree_create("gate0", "gate-a", old), 0);
	gate_close();
	create = gate_op_start(gate_create_main, gate0, u);
	gate_wait_in_probe(1);
	unreg = gate_op_start(gate_unregister_main, gate0, NULL);
	/* unregistration waits for the create in flight ... */
	for (int i = 0; i < 50 && !gate_op_done(unreg); i++)
		usleep(1000);
	ck_assert(!gate_op_done(unreg));
	/* ... and what starts now fails with ENODEV */
	ck_assert_int_eq(tree_create("gate0", "gate-a", late), ENODEV);
	ck_assert_int_eq(tree_remove(old), ENODEV);
	gate_open();
	ck_assert_int_eq(gate_op_finish(create), 0);
	gate_op_finish(unreg);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	ck_assert(!tree_exists("class/mdev_bus/gate0"));
	ck_assert(!tree_exists(GATE "/mdev_supported_types"));
	ck_assert_int_eq(gate_removes(), 2);
	/* every UUID is free again */
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", old), 0);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", late), 0);
}
END_TEST

START_TEST(unregister_waits_for_remove)
{
	g_autofree char *u = new_uuid();
	struct gate_op *rm, *unreg;

	ck_assert_int_eq(tree_create("gate0", "gate-a", u), 0);
	gate_close();
	rm = gate_op_start(gate_remove_main, gate0, u);
	gate_wait_in_remove(1);
	/* a UUID being torn down is still taken */
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), EEXIST);
	unreg = gate_op_start(gate_unregister_main, gate0, NULL);
	for (int i = 0; i < 50 && !gate_op_done(unreg); i++)
		usleep(1000);
	ck_assert(!gate_op_done(unreg));
	gate_open();
	ck_assert_int_eq(gate_op_finish(rm), 0);
	gate_op_finish(unreg);
	ck_assert_int_eq(gate_removes(), 1);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
}
END_TEST

START_TEST(concurrent_removes_remove_once)
{
	g_autofree char *u = new_uuid();
	g_autofree char *rm = g_strdup_printf(GATE "/%s/remove", u);
	struct sysfs_node node;
	struct gate_op *first;

	ck_assert_int_eq(tree_create("gate0", "gate-a", u), 0);
	ck_assert_int_eq(tree_node(rm, &node), 0);
	kobj_get(node.obj);
	gate_close();
	first = gate_op_start(gate_remove_main, gate0, u);
	gate_wait_in_remove(1);
	/* a second writer on a file it had open: the file is gone, ENODEV */
	ck_assert_int_eq(sysfs_store(node, "1", 1, NULL), -ENODEV);
	gate_open();
	ck_assert_int_eq(gate_op_finish(first), 0);
	ck_assert_int_eq(gate_removes(), 1);
	kobj_put(node.obj);
}
END_TEST

START_TEST(core_counter_max_one)
{
	struct mdevfs_parent *one = gate_parent_new(1, 1);
	g_autofree char *a = new_uuid(), *b = new_uuid();

	ck_assert_int_eq(mdev_parent_add(one), 0);
	ck_assert_int_eq(mdev_register_parent(one), 0);
	ck_assert_int_eq(tree_create("gate1", "gate-a", a), 0);
	ck_assert_int_eq(tree_create("gate1", "gate-a", b), EUSERS);
	ck_assert_int_eq(tree_remove(a), 0);
	ck_assert_int_eq(tree_create("gate1", "gate-a", b), 0);
	mdev_unregister_parent(one);
	mdev_parent_del(one);
	mdev_parent_put(one);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("gate");

	tcase_add_checked_fixture(tc, gate_setup, gate_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, visible_while_probing);
	tcase_add_test(tc, refused_probe_leaves_nothing);
	tcase_add_test(tc, probes_run_in_parallel_on_one_parent);
	tcase_add_test(tc, unregister_waits_for_create);
	tcase_add_test(tc, unregister_waits_for_remove);
	tcase_add_test(tc, concurrent_removes_remove_once);
	tcase_add_test(tc, core_counter_max_one);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
