// SPDX-License-Identifier: MIT
/*
 * Devices in use: a remove waits for the users to let go, asking them
 * through the vendor's request hook and the holders' callbacks; an
 * interrupted remove gives EINTR and leaves the device intact and
 * removable; unregistration waits for users uninterruptibly and removes
 * every child whatever its state.  And parent names are unique.
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

static char *created(void)
{
	char *u = new_uuid();

	ck_assert_int_eq(tree_create("gate0", "gate-a", u), 0);
	return u;
}

static struct mdevfs_device *device(const char *uuid)
{
	uuid_t bin;

	ck_assert_int_eq(uuid_parse(uuid, bin), 0);
	return mdev_get_by_uuid(bin);
}

/* Everything a created device has, outside and inside. */
static void assert_intact(const char *uuid)
{
	g_autofree char *bus = g_strdup_printf("bus/mdev/devices/%s", uuid);
	g_autofree char *typelink = g_strdup_printf(
		GATE "/mdev_supported_types/gate-a/devices/%s", uuid);

	ck_assert(tree_exists(bus));
	ck_assert(tree_exists(typelink));
	ck_assert(gate_dev_has(uuid, "remove"));
	ck_assert(gate_dev_has(uuid, "driver"));
	ck_assert(gate_dev_has(uuid, "iommu_group"));
	ck_assert(gate_dev_has(uuid, "mdev_type"));
}

/* A busy device (*@dev, referenced) and a remove of it that waits. */
static struct gate_op *busy_remove(char **uuid, struct mdevfs_device **dev)
{
	struct gate_op *op;

	gate_set_busy(true);
	*uuid = created();
	*dev = device(*uuid);
	op = gate_op_start(gate_remove_main, gate0, *uuid);
	gate_wait_requests(1);
	return op;
}

START_TEST(remove_waits_for_vendor_user)
{
	g_autofree char *u = NULL;
	struct mdevfs_device *dev;
	struct gate_op *op = busy_remove(&u, &dev);

	usleep(20000);
	ck_assert(!gate_op_done(op));
	/* Claimed: its remove file is gone, nothing else yet. */
	ck_assert(!gate_dev_has(u, "remove"));
	ck_assert(gate_dev_has(u, "driver"));
	ck_assert_int_eq(gate_removes(), 0);
	mdevfs_device_put_user(dev);
	ck_assert_int_eq(gate_op_finish(op), 0);
	ck_assert(!gate_dev_has(u, ""));
	ck_assert_int_eq(gate_removes(), 1);
	ck_assert_int_eq(gate_requests(), 1);
	mdev_put(dev);
}
END_TEST

START_TEST(interrupted_remove_leaves_device_removable)
{
	g_autofree char *u = NULL;
	struct mdevfs_device *dev;
	struct gate_op *op = busy_remove(&u, &dev);

	mdev_interrupt(&op->store.waiter);
	ck_assert_int_eq(gate_op_finish(op), EINTR);
	assert_intact(u);
	ck_assert_int_eq(tree_read_long(GATE "/mdev_supported_types/gate-a/available_instances"), 7);
	ck_assert_int_eq(gate_removes(), 0);
	/* Released, it goes at the next try. */
	mdevfs_device_put_user(dev);
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert(!gate_dev_has(u, ""));
	ck_assert_int_eq(tree_read_long(GATE "/mdev_supported_types/gate-a/available_instances"), 8);
	mdev_put(dev);
}
END_TEST

START_TEST(interrupt_does_not_stop_an_unused_remove)
{
	g_autofree char *u = created();
	struct mdev_store_ctx store = { 0 };

	mdev_interrupt(&store.waiter);
	ck_assert_int_eq(tree_remove_for(u, &store), 0);
	ck_assert(!gate_dev_has(u, ""));
}
END_TEST

static void count_request(void *ctx, unsigned int count)
{
	(void)count;
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELEASE);
}

START_TEST(holder_is_asked_and_remove_waits)
{
	g_autofree char *u = created();
	struct mdev_holder *h;
	int requests = 0;
	uuid_t bin;
	struct gate_op *op;

	uuid_parse(u, bin);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), 0);
	op = gate_op_start(gate_remove_main, gate0, u);
	while (!__atomic_load_n(&requests, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(20000);
	ck_assert(!gate_op_done(op));
	ck_assert_int_eq(__atomic_load_n(&requests, __ATOMIC_ACQUIRE), 1);
	mdev_unhold(h);
	ck_assert_int_eq(gate_op_finish(op), 0);
	ck_assert(!gate_dev_has(u, ""));
}
END_TEST

START_TEST(hold_needs_a_created_device)
{
	g_autofree char *u = new_uuid();
	struct mdev_holder *h;
	int requests = 0;
	uuid_t bin;
	struct gate_op *op;

	uuid_parse(u, bin);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), -ENODEV);
	gate_close();
	op = gate_op_start(gate_create_main, gate0, u);
	gate_wait_in_probe(1);
	/* still probing: not a device anyone can open yet */
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), -ENODEV);
	gate_open();
	ck_assert_int_eq(gate_op_finish(op), 0);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), 0);
	mdev_unhold(h);
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert_int_eq(requests, 0);
}
END_TEST

/* The only group in the tree. */
static int only_group(void)
{
	GArray *groups = mdev_vfio_groups();
	int group;

	ck_assert_uint_eq(groups->len, 1);
	group = g_array_index(groups, int, 0);
	g_array_free(groups, TRUE);
	return group;
}

/* One holder at a time, by UUID or by group, as one open of a vfio group;
 * a vendor's user counts too. */
START_TEST(hold_is_exclusive)
{
	g_autofree char *u = created();
	struct mdev_holder *h, *h2;
	struct mdevfs_device *dev;
	int requests = 0, group = only_group();
	uuid_t bin;

	uuid_parse(u, bin);
	ck_assert(mdev_vfio_group_live(group));
	ck_assert(!mdev_vfio_group_live(group + 1));
	ck_assert_int_eq(mdev_hold_group(group + 1, true, count_request, &requests, &h),
			 -ENOENT);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), 0);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h2), -EBUSY);
	ck_assert_int_eq(mdev_hold_group(group, true, count_request, &requests, &h2),
			 -EBUSY);
	mdev_unhold(h);
	ck_assert_int_eq(mdev_hold_group(group, true, count_request, &requests, &h), 0);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h2), -EBUSY);
	mdev_unhold(h);
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert(!mdev_vfio_group_live(group));
	ck_assert_int_eq(mdev_hold_group(group, true, count_request, &requests, &h),
			 -ENOENT);

	gate_set_busy(true);
	g_free(u);
	u = created();
	uuid_parse(u, bin);
	ck_assert_int_eq(mdev_hold_group(only_group(), true, count_request, &requests,
					 &h), -EBUSY);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h), -EBUSY);
	gate_set_busy(false);
	dev = device(u);
	mdevfs_device_put_user(dev);
	mdev_put(dev);
}
END_TEST

/* A group claimed only: exclusive, but no user; a remove goes on. */
START_TEST(group_claim_is_no_user)
{
	g_autofree char *u = created();
	struct mdev_holder *h, *h2;
	int requests = 0, group = only_group();
	uuid_t bin;

	uuid_parse(u, bin);
	ck_assert_int_eq(mdev_hold_group(group, false, count_request, &requests,
					 &h), 0);
	ck_assert_int_eq(mdev_hold(bin, count_request, &requests, &h2), -EBUSY);
	ck_assert_int_eq(mdev_hold_group(group, false, count_request, &requests,
					 &h2), -EBUSY);
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert(!mdev_vfio_group_live(group));
	mdev_unhold(h);
	ck_assert_int_eq(requests, 0);
}
END_TEST

START_TEST(unregistration_waits_for_users)
{
	g_autofree char *u1 = NULL, *u2 = NULL;
	struct mdevfs_device *d1, *d2;
	struct gate_op *op;

	gate_set_busy(true);
	u1 = created();
	u2 = created();
	d1 = device(u1);
	d2 = device(u2);
	op = gate_op_start(gate_unregister_main, gate0, NULL);
	gate_wait_requests(1);
	usleep(20000);
	ck_assert(!gate_op_done(op));
	/* Unregistration has begun: no more creates. */
	{
		g_autofree char *u3 = new_uuid();

		ck_assert_int_eq(tree_puts(GATE "/mdev_supported_types/gate-a/create",
					   u3), -ENODEV);
	}
	mdevfs_device_put_user(d1);
	mdevfs_device_put_user(d2);
	ck_assert_int_eq(gate_op_finish(op), 0);
	ck_assert(!gate_dev_has(u1, ""));
	ck_assert(!gate_dev_has(u2, ""));
	ck_assert(!tree_exists("class/mdev_bus/gate0"));
	ck_assert_int_eq(gate_removes(), 2);
	mdev_put(d1);
	mdev_put(d2);
}
END_TEST

/* The seed "Fix aborting mdev child device removal if one fails": every
 * child goes, whatever its state: active, unbound from its driver, in use,
 * claimed by a remove that failed with ENODEV, and one whose remove was
 * in the vendor when unregistration began. */
START_TEST(unregistration_removes_every_child)
{
	g_autofree char *a = created(), *b = created(), *d = created(), *x = created();
	g_autofree char *c = NULL;
	struct mdevfs_device *dev_c;
	struct gate_op *rx, *un;

	ck_assert_int_eq(tree_puts("bus/mdev/drivers/gate/unbind", b), 36);
	ck_assert(!gate_dev_has(b, "driver"));
	gate_set_busy(true);
	c = created();
	dev_c = device(c);
	gate_set_busy(false);
	gate_close();
	rx = gate_op_start(gate_remove_main, gate0, x);
	gate_wait_in_remove(1);
	un = gate_op_start(gate_unregister_main, gate0, NULL);
	/* until unregistration waits for the remove in flight */
	while (lock_try_read(&gate0->unreg_sem)) {
		unlock_rw(&gate0->unreg_sem);
		usleep(1000);
	}
	ck_assert_int_eq(tree_remove(d), ENODEV);
	ck_assert(gate_dev_has(d, "") && !gate_dev_has(d, "remove"));
	gate_open();
	ck_assert_int_eq(gate_op_finish(rx), 0);
	gate_wait_requests(1);
	mdevfs_device_put_user(dev_c);
	ck_assert_int_eq(gate_op_finish(un), 0);
	for (const char *const *u = (const char *const[]){ a, b, c, d, x, NULL }; *u; u++)
		ck_assert_msg(!gate_dev_has(*u, ""), "%s left", *u);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	ck_assert_int_eq(gate_removes(), 5);
	mdev_put(dev_c);
}
END_TEST

START_TEST(parent_names_are_unique)
{
	struct mdevfs_parent *same_path = gate_parent_new(0, 1);
	struct mdevfs_parent *same_name = gate_parent_new(0, 1);

	g_free(same_name->path);
	same_name->path = g_strdup("devices/virtual/other/gate0");
	ck_assert_int_eq(mdev_parent_add(same_path), -EEXIST);
	ck_assert_int_eq(mdev_parent_add(same_name), -EEXIST);
	ck_assert(!tree_exists("devices/virtual/other"));
	ck_assert_int_eq(tree_count("class/mdev_bus"), 4);
	mdev_parent_put(same_path);
	mdev_parent_put(same_name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("users");

	tcase_add_checked_fixture(tc, gate_setup, gate_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, remove_waits_for_vendor_user);
	tcase_add_test(tc, interrupted_remove_leaves_device_removable);
	tcase_add_test(tc, interrupt_does_not_stop_an_unused_remove);
	tcase_add_test(tc, holder_is_asked_and_remove_waits);
	tcase_add_test(tc, hold_needs_a_created_device);
	tcase_add_test(tc, hold_is_exclusive);
	tcase_add_test(tc, group_claim_is_no_user);
	tcase_add_test(tc, unregistration_waits_for_users);
	tcase_add_test(tc, unregistration_removes_every_child);
	tcase_add_test(tc, parent_names_are_unique);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
