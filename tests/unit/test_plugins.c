// SPDX-License-Identifier: MIT
/*
 * The plugin loader: which tables it accepts (abi, struct_size, the
 * mandatory hooks) and what it copies of them; one load per file however
 * it is named; and the example plugin (RING_SO, built with the tests)
 * serving a tree, through the same calls the FUSE layer makes.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugins.h"
#include "run_suite.h"
#include "tree_helpers.h"

static int probe(struct mdevfs_device *dev) { (void)dev; return 0; }
static void remove_dev(struct mdevfs_device *dev) { (void)dev; }

/* A plugin's table in a buffer larger than the host's struct, all 0xff
 * beyond what is set: bytes outside struct_size must not be read. */
union table {
	struct mdevfs_backend b;
	unsigned char bytes[sizeof(struct mdevfs_backend) + 64];
};

static void table_init(union table *t, size_t size)
{
	memset(t, 0xff, sizeof(*t));
	t->b.abi = MDEVFS_BACKEND_ABI;
	t->b.struct_size = (uint32_t)size;
	t->b.name = "t";
	t->b.probe = probe;
	t->b.remove = remove_dev;
}

/* Adopts @t: the error (g_free it), NULL when accepted into @out. */
static char *adopt(const union table *t, struct mdevfs_backend *out)
{
	char *error = NULL;
	int ret = plugin_adopt(&t->b, out, &error);

	ck_assert_int_eq(ret, error ? -EINVAL : 0);
	return error;
}

START_TEST(older_table_reads_as_null)
{
	struct mdevfs_backend out;
	union table t;

	table_init(&t, PLUGIN_MIN_SIZE);
	ck_assert_ptr_null(adopt(&t, &out));
	ck_assert_ptr_eq(out.probe, probe);
	ck_assert_ptr_eq(out.remove, remove_dev);
	ck_assert_ptr_null(out.get_available);
	ck_assert_ptr_null(out.attr_show);
	ck_assert_ptr_null(out.parent_status);
	ck_assert_uint_eq(out.struct_size, sizeof(out));
}
END_TEST

START_TEST(same_table_copied)
{
	struct mdevfs_backend out;
	union table t;

	table_init(&t, sizeof(t.b));
	ck_assert_ptr_null(adopt(&t, &out));
	ck_assert_mem_eq(&out, &t.b, sizeof(out));
}
END_TEST

START_TEST(newer_table)
{
	struct mdevfs_backend out;
	g_autofree char *want = NULL;
	union table t;
	char *error;

	/* hooks this host does not know, all NULL: fine */
	table_init(&t, sizeof(t.b) + 16);
	memset(t.bytes + sizeof(t.b), 0, 16);
	ck_assert_ptr_null(adopt(&t, &out));
	ck_assert_ptr_eq(out.parent_status, t.b.parent_status);
	/* one of them set: refused */
	t.bytes[sizeof(t.b) + 15] = 1;
	error = adopt(&t, &out);
	want = g_strdup_printf("built for a newer mdevfs: it sets hooks this "
			       "one does not know (struct_size %zu > %zu)",
			       sizeof(t.b) + 16, sizeof(t.b));
	ck_assert_pstr_eq(error, want);
	g_free(error);
}
END_TEST

/* Tables refused, and the start of why. */
struct refusal {
	const char *what, *want;
	size_t size;
	uint32_t abi;
	bool no_name, no_probe, no_remove;
};

#define HOST_SIZE sizeof(struct mdevfs_backend)
#define ABI MDEVFS_BACKEND_ABI
static const struct refusal refused_tables[] = {
	{ .what = "another abi", .want = "built for backend ABI ",
	  .size = HOST_SIZE, .abi = ABI + 1 },
	{ .what = "abi 0", .want = "built for backend ABI 0,",
	  .size = HOST_SIZE, .abi = 0 },
	{ .what = "too small", .want = "struct_size ",
	  .size = PLUGIN_MIN_SIZE - 8, .abi = ABI },
	{ .what = "no size", .want = "struct_size 0 ", .size = 0, .abi = ABI },
	{ .what = "not a multiple", .want = "struct_size ",
	  .size = HOST_SIZE - 4, .abi = ABI },
	{ .what = "absurd", .want = "struct_size 1048576 ", .size = 1 << 20,
	  .abi = ABI },
	{ .what = "no name", .want = "its table has no name",
	  .size = HOST_SIZE, .abi = ABI, .no_name = true },
	{ .what = "no probe", .want = "backend 't' lacks the mandatory hook probe()",
	  .size = HOST_SIZE, .abi = ABI, .no_probe = true },
	{ .what = "no remove", .want = "backend 't' lacks the mandatory hook remove()",
	  .size = PLUGIN_MIN_SIZE, .abi = ABI, .no_remove = true },
};

START_TEST(refused)
{
	struct mdevfs_backend out;
	union table t;
	char *error;

	table_init(&t, refused_tables[_i].size);
	t.b.abi = refused_tables[_i].abi;
	if (refused_tables[_i].no_name)
		t.b.name = NULL;
	if (refused_tables[_i].no_probe)
		t.b.probe = NULL;
	if (refused_tables[_i].no_remove)
		t.b.remove = NULL;
	error = adopt(&t, &out);
	ck_assert_msg(error && g_str_has_prefix(error, refused_tables[_i].want),
		      "%s: got '%s', want '%s...'", refused_tables[_i].what,
		      error, refused_tables[_i].want);
	g_free(error);
}
END_TEST

/* The error of plugin:@spec in @config. */
static char *load_error(const char *spec, const char *config)
{
	char *error = NULL;

	ck_assert_ptr_null(plugin_backend(spec, config, &error));
	ck_assert_ptr_nonnull(error);
	return error;
}

START_TEST(one_load_per_file)
{
	g_autofree char *dir = g_path_get_dirname(RING_SO);
	g_autofree char *conf = g_build_filename(dir, "x.conf", NULL);
	char link[] = "/tmp/mdevfs-test-XXXXXX";
	g_autofree char *linked = NULL;
	const struct mdevfs_backend *b;
	char *error = NULL;

	b = plugin_backend(RING_SO, NULL, &error);
	ck_assert_msg(b != NULL, "%s", error);
	ck_assert_str_eq(b->name, "ring");
	ck_assert_uint_eq(b->struct_size, sizeof(*b));
	/* by name, relative to a configuration file, through a symlink */
	setenv(PLUGIN_DIR_ENV, dir, 1);
	ck_assert_str_eq(plugin_dir(), dir);
	ck_assert_ptr_eq(plugin_backend("ring", NULL, &error), b);
	ck_assert_ptr_eq(plugin_backend("./ring.so", conf, &error), b);
	ck_assert_ptr_nonnull(mkdtemp(link));
	linked = g_build_filename(link, "r.so", NULL);
	ck_assert_int_eq(symlink(RING_SO, linked), 0);
	ck_assert_ptr_eq(plugin_backend(linked, NULL, &error), b);
	unlink(linked);
	rmdir(link);
	ck_assert_ptr_null(error);
}
END_TEST

START_TEST(spec_errors)
{
	g_autofree char *exe = realpath("/proc/self/exe", NULL);
	g_autofree char *exe_dir = g_path_get_dirname(exe);
	g_autofree char *installed = g_canonicalize_filename(MDEVFS_PLUGINDIR_REL, exe_dir);
	char *error;

	setenv(PLUGIN_DIR_ENV, "/nonexistent", 1);
	error = load_error("ring", "/etc/x.conf");
	ck_assert_str_eq(error, "/nonexistent/ring.so: No such file or directory "
			 "(the plugin directory is /nonexistent; "
			 "MDEVFS_PLUGIN_DIR sets another)");
	g_free(error);
	error = load_error("..", "/etc/x.conf");
	ck_assert_str_eq(error, "'..' is not a plugin name (plugin:NAME or plugin:PATH)");
	g_free(error);
	error = load_error("", "/etc/x.conf");
	ck_assert_str_eq(error, "'' is not a plugin name (plugin:NAME or plugin:PATH)");
	g_free(error);
	error = load_error("./ring.so", "-");
	ck_assert_str_eq(error, "'./ring.so' is relative, but the configuration "
			 "is not a file to be relative to: use an absolute path");
	g_free(error);
	error = load_error("x/ring.so", "/nonexistent/x.conf");
	ck_assert_str_eq(error, "/nonexistent/x/ring.so: No such file or directory");
	g_free(error);
	/* an empty MDEVFS_PLUGIN_DIR is no setting: the directory is the
	 * installed one, relative to this executable's (tests/) */
	setenv(PLUGIN_DIR_ENV, "", 1);
	ck_assert_str_eq(plugin_dir(), installed);
	ck_assert(g_str_has_suffix(installed, "/mdevfs/backends") && !strstr(installed, ".."));
}
END_TEST

/* The ring plugin serving a tree: its hooks called by the core. */
START_TEST(ring_tree)
{
	g_autofree char *conf = g_strdup_printf(
		"[parent r]\nclass = ring\ndriver = ring\nbackend = plugin:%s\n"
		"device_api = vfio-pci\nslots = 3\n[type r 2]\nwidth = 2\n", RING_SO);
	GPtrArray *parents = tree_setup(conf);
	const char *t = "devices/virtual/ring/r/mdev_supported_types/ring-2";
	g_autofree char *avail = g_strdup_printf("%s/available_instances", t);
	g_autofree char *u = new_uuid();
	g_autofree char *slots = g_strdup_printf("devices/virtual/ring/r/%s/vendor/slots", u);
	g_autofree char *shown = NULL;
	char status[128];

	ck_assert_int_eq(tree_read_long(avail), 1);
	ck_assert_int_eq(tree_create("r", "ring-2", u), 0);
	ck_assert_int_eq(tree_read_long(avail), 0);
	shown = tree_read(slots);
	ck_assert_str_eq(shown, "0 1");
	ck_assert_int_eq(mdev_parent_status(tree_parent(parents, "r"), status,
					    sizeof(status)), 28);
	ck_assert_str_eq(status, "slots=2/3 probes=1 removes=0");
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert_int_eq(tree_read_long(avail), 1);
	tree_teardown(parents);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugins");
	TCase *tc = tcase_create("plugins");

	tcase_add_test(tc, older_table_reads_as_null);
	tcase_add_test(tc, same_table_copied);
	tcase_add_test(tc, newer_table);
	tcase_add_loop_test(tc, refused, 0, G_N_ELEMENTS(refused_tables));
	tcase_add_test(tc, one_load_per_file);
	tcase_add_test(tc, spec_errors);
	tcase_add_test(tc, ring_tree);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
