// SPDX-License-Identifier: MIT
/*
 * The lock table's checks (src/include/lock.h): the right order passes,
 * the wrong one aborts (in the test's own fork, which Check makes), as do
 * a lock released that is not held, a _locked function called without its
 * lock and a hook called under a lock it may not run under.
 *
 * This file is built with MDEVFS_LOCKDEP whatever the build, so the
 * checker itself is tested everywhere; the core's own checks only where
 * the core has them (lockdep_enabled()).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "lock.h"
#include "mdev_vendor.h"
#include "run_suite.h"
#include "tree_helpers.h"

static struct lock_rw unreg, active, tree;
static struct lock_mutex leaf = LOCK_MUTEX_INIT(LOCK_MDEV_LIST);
static struct lock_mutex leaf2 = LOCK_MUTEX_INIT(LOCK_HANDLES);
static struct lock_mutex daemon_lock = LOCK_MUTEX_INIT(LOCK_DAEMON);
static int token;

static void locks_setup(void)
{
	lock_rw_init(&unreg, LOCK_UNREG);
	lock_rw_init(&active, LOCK_ACTIVE);
	lock_rw_init(&tree, LOCK_SYSFS);
}

START_TEST(in_order_passes)
{
	lock_read(&unreg);
	lock_read(&active);
	lock_write(&tree);
	lock_mutex(&leaf);
	ck_assert_uint_eq(lockdep_depth(), 4);
	lock_assert_held(&unreg);
	lock_assert_held_write(&tree);
	/* Released in any order, what stays keeps its order. */
	unlock_rw(&active);
	unlock_rw(&unreg);
	ck_assert_uint_eq(lockdep_depth(), 2);
	unlock_mutex(&leaf);
	unlock_rw(&tree);
	ck_assert_uint_eq(lockdep_depth(), 0);
	/* Taken again, in a new order after a release. */
	lock_mutex(&leaf);
	unlock_mutex(&leaf);
	lock_read(&tree);
	unlock_rw(&tree);
}
END_TEST

START_TEST(out_of_order_aborts)
{
	lock_mutex(&leaf);
	lock_read(&tree);
}
END_TEST

START_TEST(nested_leaves_abort)
{
	lock_mutex(&leaf);
	lock_mutex(&leaf2);
}
END_TEST

START_TEST(read_twice_aborts)
{
	lock_read(&tree);
	lock_read(&tree);
}
END_TEST

/* A trylock never waits: out of order is no deadlock. */
START_TEST(trylock_out_of_order_passes)
{
	lock_mutex(&leaf);
	ck_assert(lock_try_read(&unreg));
	unlock_rw(&unreg);
	unlock_mutex(&leaf);
	ck_assert_uint_eq(lockdep_depth(), 0);
}
END_TEST

/* ... but taking one held again is a bug all the same. */
START_TEST(trylock_twice_aborts)
{
	ck_assert(lock_try_read(&unreg));
	lock_try_read(&unreg);
}
END_TEST

START_TEST(release_unheld_aborts)
{
	unlock_mutex(&leaf);
}
END_TEST

START_TEST(assert_unheld_aborts)
{
	lock_assert_held(&leaf);
}
END_TEST

START_TEST(assert_write_when_shared_aborts)
{
	lock_read(&tree);
	lock_assert_held_write(&tree);
}
END_TEST

/* The wait gives the mutex back and takes it again: still held after. */
START_TEST(wait_keeps_it_held)
{
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	lock_mutex(&leaf);
	ck_assert_int_eq(lock_timedwait(&cond, &leaf, &deadline), ETIMEDOUT);
	lock_assert_held(&leaf);
	unlock_mutex(&leaf);
	ck_assert_uint_eq(lockdep_depth(), 0);
}
END_TEST

START_TEST(hook_under_allowed_locks_passes)
{
	lock_mutex(&daemon_lock);
	lock_read(&unreg);
	lock_assert_hook_ok("probe", LOCK_BIT(LOCK_DAEMON) | LOCK_BIT(LOCK_UNREG));
	unlock_rw(&unreg);
	unlock_mutex(&daemon_lock);
	lock_assert_hook_ok("parent_init", 0);
}
END_TEST

START_TEST(hook_under_other_lock_aborts)
{
	lock_read(&unreg);
	lock_assert_hook_ok("attr_show", LOCK_BIT(LOCK_ACTIVE));
}
END_TEST

START_TEST(hook_under_sysfs_aborts)
{
	lock_read(&tree);
	lock_assert_hook_ok("probe", LOCK_BIT(LOCK_SYSFS));
}
END_TEST

START_TEST(token_with_nothing_held_passes)
{
	lock_claim(LOCK_TOKEN, &token);
	lock_assert_claimed(LOCK_TOKEN, &token);
	lock_mutex(&leaf);
	unlock_mutex(&leaf);
	lock_unclaim(&token);
	ck_assert_uint_eq(lockdep_depth(), 0);
}
END_TEST

/* A create sends its uevents under unreg_sem (and a store under its
 * entry's active_sem), as the kernel's device_add() does. */
START_TEST(token_under_unreg_and_active_passes)
{
	lock_read(&unreg);
	lock_read(&active);
	lock_claim(LOCK_TOKEN, &token);
	lock_unclaim(&token);
	unlock_rw(&active);
	unlock_rw(&unreg);
	ck_assert_uint_eq(lockdep_depth(), 0);
}
END_TEST

START_TEST(token_under_sysfs_aborts)
{
	lock_read(&tree);
	lock_claim(LOCK_TOKEN, &token);
}
END_TEST

START_TEST(token_under_a_leaf_aborts)
{
	lock_mutex(&leaf);
	lock_claim(LOCK_TOKEN, &token);
}
END_TEST

/* ---- the core's own checks -------------------------------------------- */

static GPtrArray *parents;

static void core_setup(void)
{
	parents = tree_setup(NULL);
}

static void core_teardown(void)
{
	tree_teardown(parents);
}

static struct mdevfs_type *a_type(void)
{
	return tree_type(tree_parent(parents, "mtty"), "mtty-1");
}

START_TEST(find_with_list_lock_passes)
{
	uuid_t uuid = { 0 };

	lock_mutex(&mdev_list_lock);
	ck_assert_ptr_null(mdev_find_locked(uuid));
	unlock_mutex(&mdev_list_lock);
}
END_TEST

START_TEST(find_without_list_lock_aborts)
{
	uuid_t uuid = { 0 };

	mdev_find_locked(uuid);
}
END_TEST

START_TEST(update_under_read_lock_aborts)
{
	sysfs_read_lock();
	sysfs_update_locked(&a_type()->kobj, 0, 0, NULL);
}
END_TEST

START_TEST(tree_under_list_lock_aborts)
{
	lock_mutex(&mdev_list_lock);
	mdev_device_count();
}
END_TEST

/* parent_status() may run under d->lock, never under the tree's lock. */
START_TEST(status_under_sysfs_aborts)
{
	char buf[256];

	sysfs_read_lock();
	mdev_parent_status(tree_parent(parents, "mtty"), buf, sizeof(buf));
}
END_TEST

/* get_available() runs only under the parent's active_sem. */
START_TEST(available_outside_active_sem_aborts)
{
	mdev_vendor_get_available(a_type());
}
END_TEST

START_TEST(available_through_the_tree_passes)
{
	ck_assert_int_ge(tree_read_long("devices/virtual/mtty/mtty/mdev_supported_types/"
					"mtty-1/available_instances"), 0);
	ck_assert_uint_eq(lockdep_depth(), 0);
}
END_TEST

/* A test, and whether it must end in abort(). */
struct lock_test {
	const TTest *test;
	bool aborts;
};

static TCase *lock_case(const char *name, const struct lock_test *tests,
			size_t n)
{
	TCase *tc = tcase_create(name);

	for (size_t i = 0; i < n; i++) {
		if (tests[i].aborts)
			tcase_add_test_raise_signal(tc, tests[i].test, SIGABRT);
		else
			tcase_add_test(tc, tests[i].test);
	}
	return tc;
}

static TCase *checker_case(void)
{
	const struct lock_test tests[] = {
		{ in_order_passes, false },
		{ out_of_order_aborts, true },
		{ nested_leaves_abort, true },
		{ read_twice_aborts, true },
		{ trylock_out_of_order_passes, false },
		{ trylock_twice_aborts, true },
		{ release_unheld_aborts, true },
		{ assert_unheld_aborts, true },
		{ assert_write_when_shared_aborts, true },
		{ wait_keeps_it_held, false },
		{ hook_under_allowed_locks_passes, false },
		{ hook_under_other_lock_aborts, true },
		{ hook_under_sysfs_aborts, true },
		{ token_with_nothing_held_passes, false },
		{ token_under_unreg_and_active_passes, false },
		{ token_under_sysfs_aborts, true },
		{ token_under_a_leaf_aborts, true },
	};
	TCase *tc = lock_case("checker", tests, G_N_ELEMENTS(tests));

	tcase_add_checked_fixture(tc, locks_setup, NULL);
	return tc;
}

static TCase *core_case(void)
{
	const struct lock_test tests[] = {
		{ find_with_list_lock_passes, false },
		{ available_through_the_tree_passes, false },
		{ find_without_list_lock_aborts, true },
		{ update_under_read_lock_aborts, true },
		{ tree_under_list_lock_aborts, true },
		{ status_under_sysfs_aborts, true },
		{ available_outside_active_sem_aborts, true },
	};
	TCase *tc = lock_case("core", tests, G_N_ELEMENTS(tests));

	tcase_add_checked_fixture(tc, core_setup, core_teardown);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("lock");

	suite_add_tcase(s, checker_case());
	/* Compiled out of the core (NDEBUG without MDEVFS_LOCKDEP). */
	if (lockdep_enabled())
		suite_add_tcase(s, core_case());
	return run_suite(s);
}
