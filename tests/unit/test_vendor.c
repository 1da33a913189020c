// SPDX-License-Identifier: MIT
/*
 * The backend API's life cycle as a vendor sees it: probe, init, remove,
 * release in that order and paired; types a backend declares; a dynamic
 * description; devices adopted and dropped behind the core's back; the
 * core's fault injection and a vanished parent, on a backend that knows
 * nothing about faults.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mdev.h"
#include "run_suite.h"
#include "gate_backend.h"
#include "tree_helpers.h"

#define LC "devices/virtual/lc/lc"

static struct {
	pthread_mutex_t lock;
	GString *calls;   /* "probe init remove release " */
	int init_error;
	int descriptions;
} v = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void note(const char *call)
{
	pthread_mutex_lock(&v.lock);
	g_string_append_printf(v.calls, "%s ", call);
	pthread_mutex_unlock(&v.lock);
}

static int lc_probe(struct mdevfs_device *dev) { (void)dev; note("probe"); return 0; }
static int lc_adopt(struct mdevfs_device *dev) { (void)dev; note("adopt"); return 0; }
static void lc_remove(struct mdevfs_device *dev) { (void)dev; note("remove"); }
static void lc_release(struct mdevfs_device *dev) { (void)dev; note("release"); }

static int lc_init(struct mdevfs_device *dev)
{
	(void)dev;
	note("init");
	return v.init_error;
}

static unsigned int lc_available(struct mdevfs_type *type)
{
	(void)type;
	return 7;
}

static ssize_t lc_description(struct mdevfs_type *type, char *buf, size_t size)
{
	return snprintf(buf, size, "%s read %d\n", mdevfs_type_id(type),
			++v.descriptions);
}

static const struct mdevfs_backend lc_backend = {
	.abi = MDEVFS_BACKEND_ABI,
	.struct_size = sizeof(struct mdevfs_backend),
	.name = "lifecycle",
	.probe = lc_probe,
	.remove = lc_remove,
	.get_available = lc_available,
	.init = lc_init,
	.release = lc_release,
	.show_description = lc_description,
	.adopt = lc_adopt,
};

static GPtrArray *samples;
static struct mdevfs_parent *lc;

/* A parent whose types the backend declares, as a pass-through does. */
static void setup(void)
{
	const struct mdevfs_type_info info[] = {
		{ .sysfs_name = "a", .name = "Type A", .device_api = "vfio-pci" },
		{ .sysfs_name = "b", .device_api = "vfio-ccw", .description = "ignored" },
	};

	samples = tree_setup(NULL);
	v.calls = g_string_new(NULL);
	v.init_error = 0;
	lc = mdev_parent_new("lc", LC);
	lc->subsys_name = g_strdup("lc");
	lc->driver_name = g_strdup("lc");
	lc->type_prefix = g_strdup("lc");
	lc->backend = &lc_backend;
	lc->initialized = true;
	for (size_t i = 0; i < G_N_ELEMENTS(info); i++)
		ck_assert_ptr_nonnull(mdevfs_parent_add_type(lc, &info[i]));
	ck_assert_ptr_null(mdevfs_parent_add_type(lc, &info[0])); /* twice */
	ck_assert_ptr_null(mdevfs_parent_add_type(lc, &(struct mdevfs_type_info){
		.sysfs_name = "../x", .device_api = "vfio-pci" }));
	ck_assert_int_eq(mdev_parent_add(lc), 0);
	ck_assert_int_eq(mdev_register_parent(lc), 0);
}

static void teardown(void)
{
	mdev_unregister_parent(lc);
	mdev_parent_del(lc);
	mdev_parent_put(lc);
	tree_teardown(samples);
	g_string_free(v.calls, TRUE);
}

static char *calls(void)
{
	char *s;

	pthread_mutex_lock(&v.lock);
	s = g_strdup(v.calls->str);
	g_string_truncate(v.calls, 0);
	pthread_mutex_unlock(&v.lock);
	return s;
}

START_TEST(declared_types)
{
	g_autofree char *a = tree_read(LC "/mdev_supported_types/lc-a/name");
	g_autofree char *api = tree_read(LC "/mdev_supported_types/lc-b/device_api");
	g_autofree char *bname = tree_read(LC "/mdev_supported_types/lc-b/name");
	g_autofree char *ls = tree_ls(LC "/mdev_supported_types");

	ck_assert_str_eq(ls, "lc-a lc-b");
	ck_assert_str_eq(a, "Type A");
	ck_assert_str_eq(bname, "b");
	ck_assert_str_eq(api, "vfio-ccw");
	ck_assert_int_eq(tree_read_long(LC "/mdev_supported_types/lc-a/available_instances"), 7);
}
END_TEST

/* The hook wins over a static description, and runs on every read. */
START_TEST(description_hook)
{
	g_autofree char *d1 = tree_read(LC "/mdev_supported_types/lc-b/description");
	g_autofree char *d2 = tree_read(LC "/mdev_supported_types/lc-b/description");

	ck_assert_str_eq(d1, "lc-b read 1");
	ck_assert_str_eq(d2, "lc-b read 2");
}
END_TEST

START_TEST(life_cycle_order)
{
	g_autofree char *u = new_uuid();
	g_autofree char *created = NULL, *removed = NULL;

	ck_assert_int_eq(tree_create("lc", "lc-a", u), 0);
	created = calls();
	ck_assert_str_eq(created, "probe init ");
	ck_assert_int_eq(tree_remove(u), 0);
	removed = calls();
	ck_assert_str_eq(removed, "remove release ");
}
END_TEST

/* A failed init() undoes probe() with remove(), and no release(): the
 * create fails with init()'s errno and leaves nothing. */
START_TEST(init_failure_undoes_probe)
{
	g_autofree char *u = new_uuid();
	g_autofree char *seen = NULL;

	v.init_error = -ENOMEM;
	ck_assert_int_eq(tree_create("lc", "lc-a", u), ENOMEM);
	seen = calls();
	ck_assert_str_eq(seen, "probe init remove ");
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	v.init_error = 0;
	ck_assert_int_eq(tree_create("lc", "lc-a", u), 0); /* UUID free again */
}
END_TEST

START_TEST(adopt_and_drop)
{
	g_autofree char *u = new_uuid();
	g_autofree char *path = g_strdup_printf(LC "/%s/mdev_type", u);
	g_autofree char *bus = g_strdup_printf("bus/mdev/devices/%s", u);
	g_autofree char *link = NULL, *adopted = NULL, *dropped = NULL;
	struct mdevfs_type *a = tree_type(lc, "lc-a");

	ck_assert_int_eq(mdevfs_type_adopt_device(a, "not-a-uuid"), -EINVAL);
	ck_assert_int_eq(mdevfs_type_adopt_device(a, u), 0);
	adopted = calls();
	ck_assert_str_eq(adopted, "adopt init ");
	link = tree_readlink(path);
	ck_assert_str_eq(link, "../mdev_supported_types/lc-a");
	ck_assert(tree_exists(bus));
	/* UUIDs stay unique across parents, adopted or not */
	ck_assert_int_eq(mdevfs_type_adopt_device(a, u), -EEXIST);
	ck_assert_int_eq(tree_create("mdpy", "mdpy-vga", u), EEXIST);
	ck_assert_int_eq(mdevfs_parent_drop_device(tree_parent(samples, "mdpy"), u),
			 -ENOENT);
	ck_assert_int_eq(mdevfs_parent_drop_device(lc, u), 0);
	dropped = calls();
	ck_assert_str_eq(dropped, "remove release ");
	ck_assert_int_eq(mdevfs_parent_drop_device(lc, u), -ENOENT);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
}
END_TEST

/* A backend without adopt() cannot take devices over (the samples can:
 * a restart after a crash adopts their devices). */
START_TEST(adopt_unsupported)
{
	g_autofree char *u = new_uuid();
	struct mdevfs_parent *gate = gate_parent_new(1, 8);

	ck_assert_int_eq(mdev_parent_add(gate), 0);
	ck_assert_int_eq(mdev_register_parent(gate), 0);
	ck_assert_int_eq(mdevfs_type_adopt_device(mdevfs_parent_type(gate, 0), u),
			 -EOPNOTSUPP);
	ck_assert_uint_eq(tree_count("bus/mdev/devices"), 0);
	mdev_unregister_parent(gate);
	mdev_parent_del(gate);
	mdev_parent_put(gate);
}
END_TEST

/* The core's faults, set at run time, on a backend that has none. */
START_TEST(runtime_faults)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *u = new_uuid();
	char *fail[] = { "probe_fail_percent=100", "probe_fail_errno=ENOSPC", NULL };
	char *heal[] = { "probe_fail_percent=0", NULL };
	char *bad[] = { "colour=red", NULL };
	char *big[] = { "probe_fail_percent=101", NULL };

	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", fail, out), 0);
	ck_assert_str_eq(out->str, "lc-a probe_delay_ms=0 remove_delay_ms=0 "
			 "probe_fail_percent=100 probe_fail_errno=ENOSPC\n");
	ck_assert_int_eq(tree_create("lc", "lc-a", u), ENOSPC);
	ck_assert_int_eq(tree_create("lc", "lc-b", u), 0); /* other type */
	ck_assert_int_eq(tree_remove(u), 0);
	g_free(calls());
	ck_assert_int_eq(mdev_parent_fault(lc, "*", heal, out), 0);
	ck_assert_int_eq(tree_create("lc", "lc-a", u), 0);
	ck_assert_int_eq(mdev_parent_fault(lc, "*", bad, out), -EINVAL);
	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", big, out), -EINVAL);
	ck_assert_int_eq(mdev_parent_fault(lc, "lc-z", heal, out), -ENOENT);
}
END_TEST

/* A run-time fault that cannot be set says why, in one line: a known key
 * with a bad value names the value, an unknown key lists the keys; the
 * type's faults stay as they were. */
static const struct bad_fault {
	const char *assignment;
	const char *message;
} bad_faults[] = {
	{ "probe_fail_seed=abc", "lc-a: fault probe_fail_seed: 'abc' is not a number" },
	{ "probe_fail_seed=", "lc-a: fault probe_fail_seed: '' is not a number" },
	{ "probe_fail_percent=101", "lc-a: fault probe_fail_percent: expected an integer from 0 to 100, got '101'" },
	{ "probe_delay_ms=-1", "lc-a: fault probe_delay_ms: expected an integer from 0 to 3600000, got '-1'" },
	{ "probe_fail_errno=EFOO", "lc-a: fault probe_fail_errno: 'EFOO' is not an errno (a name like EIO or a number)" },
	{ "colour=red", "lc-a: unknown fault 'colour' (one of: probe_delay_ms, remove_delay_ms, probe_fail_percent, probe_fail_errno, probe_fail_seed)" },
	{ "probe_fail_seed", "lc-a: expected KEY=VALUE, got 'probe_fail_seed'" },
};

START_TEST(runtime_fault_refused)
{
	g_autoptr(GString) before = g_string_new(NULL);
	g_autoptr(GString) after = g_string_new(NULL);
	g_autoptr(GString) log = g_string_new(NULL);
	char *set[] = { "probe_fail_seed=7", "probe_delay_ms=5", NULL };
	const struct bad_fault *c = &bad_faults[_i];
	char *bad[] = { (char *)c->assignment, NULL };
	char *none[] = { NULL };
	struct mdevfs_type *a = tree_type(lc, "lc-a");
	g_autofree char *want = g_strdup_printf("%s\n", c->message);

	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", set, before), 0);
	log_capture(log);
	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", bad, after), -EINVAL);
	log_capture(NULL);
	ck_assert_str_eq(log->str, want);
	ck_assert_str_eq(after->str, "");
	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", none, after), 0);
	ck_assert_str_eq(after->str, before->str);
	ck_assert_uint_eq(atomic_load(&a->fault.fail_seq), 7);
}
END_TEST

/* A seed at run time is read as the configuration reads it: the same
 * number restarts the same sequence. */
START_TEST(runtime_fault_seed)
{
	g_autoptr(GString) out = g_string_new(NULL);
	char *seed[] = { "probe_fail_seed=18446744073709551615", NULL };
	struct mdevfs_type *a = tree_type(lc, "lc-a");

	ck_assert_int_eq(mdev_parent_fault(lc, "lc-a", seed, out), 0);
	ck_assert_uint_eq(atomic_load(&a->fault.fail_seq), UINT64_MAX);
}
END_TEST

/* A vanished parent: no vendor call starts any more. */
START_TEST(vanished_parent)
{
	g_autofree char *u = new_uuid(), *u2 = new_uuid();
	g_autofree char *seen = NULL;

	ck_assert_int_eq(tree_create("lc", "lc-a", u), 0);
	g_free(calls());
	mdev_parent_vanish(lc);
	ck_assert_int_eq(tree_create("lc", "lc-a", u2), ENODEV);
	ck_assert_int_eq(tree_read_long(LC "/mdev_supported_types/lc-a/available_instances"), 0);
	ck_assert_ptr_null(tree_read(LC "/mdev_supported_types/lc-a/description"));
	ck_assert_int_eq(errno, ENODEV);
	seen = calls();
	ck_assert_str_eq(seen, "");
	/* the device still goes, and the vendor still drops its state */
	ck_assert_int_eq(tree_remove(u), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vendor");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, declared_types);
	tcase_add_test(tc, description_hook);
	tcase_add_test(tc, life_cycle_order);
	tcase_add_test(tc, init_failure_undoes_probe);
	tcase_add_test(tc, adopt_and_drop);
	tcase_add_test(tc, adopt_unsupported);
	tcase_add_test(tc, runtime_faults);
	tcase_add_loop_test(tc, runtime_fault_refused, 0, G_N_ELEMENTS(bad_faults));
	tcase_add_test(tc, runtime_fault_seed);
	tcase_add_test(tc, vanished_parent);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
