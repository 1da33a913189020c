// SPDX-License-Identifier: MIT
/*
 * libmdevfs-testbed as a test uses it: the real daemon, started by the
 * library in namespaces of its own, driven through the tree's path, its
 * uevents and its control socket; and what is left when the test ends or
 * dies.  Run as root and as nobody (tests/CMakeLists.txt).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mdevfs/testbed.h>

#include "run_suite.h"

#define U1 "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a"
#define TIMEOUT_MS 10000

static const char gpu_conf[] =
	"[parent gpu0]\nclass = gpu\ndriver = gpu\nbackend = sample\n"
	"device_api = vfio-pci\npool = 2\n[type gpu0 a]\n";

static char *tree_file(MdevTestbed *tb, const char *rel)
{
	return g_build_filename(mdev_testbed_get_root(tb), rel, NULL);
}

static bool exists(MdevTestbed *tb, const char *rel)
{
	g_autofree char *path = tree_file(tb, rel);

	return access(path, F_OK) == 0;
}

/* Gone, or a zombie nobody reaped yet. */
static bool process_gone(pid_t pid)
{
	g_autofree char *stat = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *text = NULL;
	const char *state;

	if (!g_file_get_contents(stat, &text, NULL, NULL))
		return true;
	state = strrchr(text, ')');
	return state && state[2] == 'Z';
}

static bool wait_gone(pid_t pid)
{
	for (int i = 0; i < 1000; i++) {
		if (process_gone(pid))
			return true;
		g_usleep(10000);
	}
	return false;
}

static GHashTable *expect_uevent(MdevTestbed *tb, const char *action,
				 const char *subsystem, const char *property)
{
	g_autoptr(GError) error = NULL;
	GHashTable *ev = mdev_testbed_wait_uevent(tb, action, subsystem,
						  property, TIMEOUT_MS, &error);

	ck_assert_msg(ev, "%s %s %s: %s", action, subsystem,
		      property ? property : "", error ? error->message : "");
	return ev;
}

START_TEST(create_remove_events)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new(NULL, &error);
	g_autoptr(GHashTable) add = NULL, bind = NULL, rm = NULL;
	g_autofree char *uuid = NULL, *avail = NULL, *text = NULL;

	ck_assert_msg(tb, "%s", error ? error->message : "");
	uuid = mdev_testbed_create(tb, "mtty", "mtty-2", NULL, &error);
	ck_assert_msg(uuid, "%s", error ? error->message : "");
	add = expect_uevent(tb, "add", "mdev", NULL);
	ck_assert(g_str_has_suffix(g_hash_table_lookup(add, "DEVPATH"), uuid));
	ck_assert_ptr_nonnull(g_hash_table_lookup(add, "SEQNUM"));
	bind = expect_uevent(tb, "bind", "mdev", "DRIVER=mtty");
	ck_assert_str_eq(g_hash_table_lookup(bind, "DEVPATH"),
			 g_hash_table_lookup(add, "DEVPATH"));
	avail = tree_file(tb, "class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances");
	ck_assert(g_file_get_contents(avail, &text, NULL, NULL));
	ck_assert_str_eq(text, "22\n");
	ck_assert(mdev_testbed_remove(tb, uuid, &error));
	rm = expect_uevent(tb, "remove", "mdev", NULL);
	ck_assert_str_eq(g_hash_table_lookup(rm, "DEVPATH"),
			 g_hash_table_lookup(add, "DEVPATH"));
	g_free(text);
	text = g_strconcat("bus/mdev/devices/", uuid, NULL);
	ck_assert(!exists(tb, text));
}
END_TEST

START_TEST(refusals_name_the_problem)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new(NULL, &error);
	g_autofree char *u = NULL;

	ck_assert_msg(tb, "%s", error ? error->message : "");
	u = mdev_testbed_create(tb, "mtty", "mtty-2", U1, &error);
	ck_assert_str_eq(u, U1);
	g_hash_table_unref(expect_uevent(tb, "bind", "mdev", NULL));
	/* A refused create sends nothing. */
	ck_assert_ptr_null(mdev_testbed_create(tb, "mdpy", "mdpy-vga", U1, &error));
	ck_assert_str_eq(error->message, "create " U1 " on mdpy mdpy-vga: File exists");
	g_clear_error(&error);
	ck_assert(!mdev_testbed_remove(tb, "00000000-0000-0000-0000-000000000000", &error));
	ck_assert(g_error_matches(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED));
	g_clear_error(&error);
	ck_assert_ptr_null(mdev_testbed_wait_uevent(tb, "add", "mdev", NULL, 200, &error));
	ck_assert(g_error_matches(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_TIMEOUT));
	ck_assert_str_eq(error->message, "no uevent ACTION=add SUBSYSTEM=mdev in 200 ms");
}
END_TEST

START_TEST(bad_configuration)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new("[parent p]\nclass = x\n", &error);

	ck_assert_ptr_null(tb);
	ck_assert(g_error_matches(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START));
	ck_assert_str_eq(error->message, "mdevfs did not start: /dev/fd/3:1: "
			 "[parent p]: missing key 'backend' (one of: sample, "
			 "passthrough, callout)");
	g_clear_error(&error);
	ck_assert_ptr_null(mdev_testbed_new_from_file("/nonexistent.conf", &error));
	ck_assert_str_eq(error->message, "/nonexistent.conf: No such file or directory");
}
END_TEST

START_TEST(configuration_and_parents)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new(gpu_conf, &error);
	g_autoptr(GHashTable) reg = NULL;

	ck_assert_msg(tb, "%s", error ? error->message : "");
	ck_assert(exists(tb, "class/mdev_bus/gpu0"));
	ck_assert(!exists(tb, "class/mdev_bus/mtty"));
	ck_assert_msg(mdev_testbed_add_parents(tb, "[parent gpu1]\nclass = gpu\n"
		"driver = gpu\nbackend = sample\ndevice_api = vfio-pci\npool = 1\n"
		"[type gpu1 b]\n", &error), "%s", error ? error->message : "");
	reg = expect_uevent(tb, "change", "gpu", "MDEV_STATE=registered");
	ck_assert_str_eq(g_hash_table_lookup(reg, "DEVPATH"), "/devices/virtual/gpu/gpu1");
	ck_assert(exists(tb, "class/mdev_bus/gpu1/mdev_supported_types/gpu-b"));
	ck_assert(mdev_testbed_remove_parent(tb, "gpu1", &error));
	ck_assert(!exists(tb, "class/mdev_bus/gpu1"));
	ck_assert(!mdev_testbed_remove_parent(tb, "gpu1", &error));
	ck_assert_msg(g_str_has_prefix(error->message, "unregister: ") &&
		      strstr(error->message, "gpu1"), "%s", error->message);
	g_clear_error(&error);
	ck_assert(!mdev_testbed_add_parents(tb, "[parent gpu2]\nclass = gpu\n", &error));
	ck_assert_msg(g_str_has_prefix(error->message, "register: "), "%s", error->message);
}
END_TEST

static gpointer remove_main(gpointer tb)
{
	return GINT_TO_POINTER(mdev_testbed_remove(tb, U1, NULL));
}

START_TEST(hold_and_fault)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdevTestbed) tb = mdev_testbed_new(gpu_conf, &error);
	g_autofree char *u = NULL;
	GThread *remover;

	ck_assert_msg(tb, "%s", error ? error->message : "");
	u = mdev_testbed_create(tb, "gpu0", "gpu-a", U1, &error);
	ck_assert_msg(u, "%s", error ? error->message : "");
	ck_assert_msg(mdev_testbed_hold(tb, U1, &error), "%s", error ? error->message : "");
	ck_assert(!mdev_testbed_hold(tb, U1, &error));
	g_clear_error(&error);
	remover = g_thread_new("remove", remove_main, tb);
	g_usleep(300000);
	ck_assert(exists(tb, "bus/mdev/devices/" U1)); /* waits while held */
	ck_assert(mdev_testbed_release(tb, U1, &error));
	ck_assert(GPOINTER_TO_INT(g_thread_join(remover)));
	ck_assert(!exists(tb, "bus/mdev/devices/" U1));
	ck_assert(!mdev_testbed_release(tb, U1, &error));
	g_clear_error(&error);

	ck_assert_msg(mdev_testbed_fault(tb, "gpu0", "*", "probe_fail_percent=100 "
		"probe_fail_errno=EIO", &error), "%s", error ? error->message : "");
	ck_assert_ptr_null(mdev_testbed_create(tb, "gpu0", "gpu-a", NULL, &error));
	ck_assert_msg(g_str_has_suffix(error->message, "Input/output error"), "%s",
		      error->message);
	g_clear_error(&error);
	ck_assert(!mdev_testbed_fault(tb, "gpu0", "*", "no_such_key=1", &error));
	ck_assert_msg(strstr(error->message, "no_such_key"), "%s", error->message);
}
END_TEST

/* The daemon goes with the testbed, and nothing of it stays. */
START_TEST(free_stops_it)
{
	g_autoptr(GError) error = NULL;
	MdevTestbed *tb = mdev_testbed_new(NULL, &error);
	g_autofree char *root = NULL;
	g_autofree char *uuid = NULL;
	pid_t pid;

	ck_assert_msg(tb, "%s", error ? error->message : "");
	pid = mdev_testbed_get_pid(tb);
	root = g_strdup(mdev_testbed_get_root(tb));
	uuid = mdev_testbed_create(tb, "mtty", "mtty-1", U1, &error);
	ck_assert_msg(uuid, "%s", error ? error->message : "");
	mdev_testbed_free(tb);
	ck_assert(process_gone(pid));
	ck_assert_int_ne(access(root, F_OK), 0);
}
END_TEST

/* A test killed with the tree running takes the daemon with it. */
START_TEST(killed_test)
{
	int fds[2];
	pid_t test, daemon = 0;

	ck_assert_int_eq(pipe(fds), 0);
	test = fork();
	if (test == 0) {
		MdevTestbed *tb = mdev_testbed_new(NULL, NULL);

		daemon = tb ? mdev_testbed_get_pid(tb) : 0;
		(void)!write(fds[1], &daemon, sizeof(daemon));
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(fds[0], &daemon, sizeof(daemon)), sizeof(daemon));
	ck_assert_int_gt(daemon, 0);
	ck_assert(!process_gone(daemon));
	kill(test, SIGKILL);
	waitpid(test, NULL, 0);
	ck_assert_msg(wait_gone(daemon), "mdevfs %d outlived its test", daemon);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("testbed");
	TCase *tc = tcase_create("testbed");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create_remove_events);
	tcase_add_test(tc, refusals_name_the_problem);
	tcase_add_test(tc, bad_configuration);
	tcase_add_test(tc, configuration_and_parents);
	tcase_add_test(tc, hold_and_fault);
	tcase_add_test(tc, free_stops_it);
	tcase_add_test(tc, killed_test);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
