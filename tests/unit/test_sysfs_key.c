// SPDX-License-Identifier: MIT
/*
 * kernfs's order: the name hash (values from the kernel's formula, the
 * ones the oracle kernel gave as d_off in tests/oracle/readdir-order.txt
 * among them), keys and name trees, and readdir positions through
 * sysfs_readdir(): the order, the offsets, going on from one, names that
 * share a hash, and a name that goes and comes back between two calls.
 */
#include <check.h>
#include <string.h>

#include "run_suite.h"
#include "tree_helpers.h"

#define T1 "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1"
#define END 2147483647ull

START_TEST(hash_known_values)
{
	static const struct {
		const char *name;
		uint32_t hash;
	} known[] = {
		/* d_off values of the oracle kernel */
		{ "device_api", 328100887 },
		{ "devices", 698066606 },
		{ "create", 844305071 },
		{ "available_instances", 2022590456 },
		{ "name", 2030364360 },
		{ "uevent", 45078383 },
		{ "power", 608164118 },
		{ "mtty-1", 1164343288 },
		{ "7", 154048761 },
		{ "vfio0", 1351870195 },
		{ "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", 171212847 },
		/* the formula: one letter; hash 0 moved to 2, kept for "." */
		{ "a", 573381588 },
		{ "", 2 },
		/* bytes >= 0x80 as 6.1's signed char on x86_64 */
		{ "\xc3\xa9t\xc3\xa9", 1959445532 },
		{ "caf\xc3\xa9", 1180589465 },
		/* two UUIDs of one hash (found by search) */
		{ "1354869e-b6aa-4c91-af70-3c28d489b4ee", 1731873240 },
		{ "df8af49a-7397-4fc5-aefc-ef0e7e666c71", 1731873240 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		ck_assert_msg(sysfs_name_hash(known[i].name) == known[i].hash,
			      "%s: %u, want %u", known[i].name,
			      sysfs_name_hash(known[i].name), known[i].hash);
}
END_TEST

START_TEST(key_order)
{
	struct sysfs_key a, b, c, before = { 698066606, NULL };

	sysfs_key_init(&a, "device_api");
	sysfs_key_init(&b, "devices");
	sysfs_key_init(&c, "name");
	ck_assert_int_lt(sysfs_key_cmp(&a, &b), 0);  /* by hash */
	ck_assert_int_gt(sysfs_key_cmp(&c, &b), 0);
	ck_assert_int_eq(sysfs_key_cmp(&b, &b), 0);
	ck_assert_int_lt(sysfs_key_cmp(&before, &b), 0); /* NULL first */
	ck_assert_int_gt(sysfs_key_cmp(&b, &before), 0);
	a.hash = b.hash;                                 /* then by name */
	ck_assert_int_lt(sysfs_key_cmp(&a, &b), 0);
}
END_TEST

/* The names of @tree after @from, in order: kept cursor or a search from
 * each key (@search). */
static char *walk_names(struct name_tree *tree, struct sysfs_key from, bool search)
{
	GString *walk = g_string_new(NULL);
	const struct sysfs_key *key;
	void *cursor = NULL;
	const char *v;

	while ((v = name_tree_next(tree, &from, &key, &cursor))) {
		g_string_append_printf(walk, "%s ", v);
		from = *key;
		if (search)
			cursor = NULL;
	}
	return g_string_free(walk, FALSE);
}

START_TEST(name_tree_walk)
{
	static const char *const names[] = { "name", "create", "devices", "device_api" };
	struct sysfs_key keys[G_N_ELEMENTS(names)], extra, start = { 0, NULL };
	struct name_tree *tree = name_tree_new();
	g_autofree char *walk = NULL, *from_start = NULL, *after_change = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		sysfs_key_init(&keys[i], names[i]);
		name_tree_insert(tree, &keys[i], (gpointer)names[i]);
	}
	/* From a name with no walk since the change: the tree's nodes. */
	walk = walk_names(tree, keys[2], true);
	ck_assert_str_eq(walk, "create name ");
	/* From the start: the array, then searched in or stepped through. */
	g_free(walk);
	walk = walk_names(tree, start, false);
	ck_assert_str_eq(walk, "device_api devices create name ");
	g_free(walk);
	walk = walk_names(tree, start, true);
	ck_assert_str_eq(walk, "device_api devices create name ");
	/* A change drops the array: a walk that goes on sees it. */
	sysfs_key_init(&extra, "dev");
	name_tree_insert(tree, &extra, (gpointer)"dev");
	after_change = walk_names(tree, keys[3], false);
	from_start = walk_names(tree, start, false);
	ck_assert_str_eq(from_start, "device_api devices dev create name ");
	ck_assert_str_eq(after_change, strstr(from_start, "devices"));
	ck_assert_str_eq(name_tree_find(tree, "create"), "create");
	ck_assert_ptr_null(name_tree_find(tree, "remove"));
	name_tree_remove(tree, &keys[1]);
	ck_assert_ptr_null(name_tree_find(tree, "create"));
	g_free(walk);
	walk = walk_names(tree, start, false);
	ck_assert_str_eq(walk, "device_api devices dev name ");
	ck_assert_uint_eq(name_tree_size(tree), 4);
	name_tree_free(tree);
}
END_TEST

static GPtrArray *parents;

static void setup(void) { parents = tree_setup(NULL); }
static void teardown(void) { tree_teardown(parents); }

/* "name off" for each entry given, up to @max entries. */
struct listing {
	GString *out;
	unsigned int n, max;
	uint64_t last_off;
};

static bool list_fill(void *ctx, const char *name, struct sysfs_node child,
		      uint64_t next_off)
{
	struct listing *l = ctx;

	(void)child;
	if (l->n == l->max)
		return false;
	g_string_append_printf(l->out, "%s %llu\n", name,
			       (unsigned long long)next_off);
	l->n++;
	l->last_off = next_off;
	return true;
}

/* Up to @max entries of @path from @off on: "name next_off" lines; the
 * offset to go on from in *@next. */
static char *list(const char *path, uint64_t off, unsigned int max, uint64_t *next)
{
	struct listing l = { g_string_new(NULL), 0, max, off };
	struct sysfs_node n;

	ck_assert_int_eq(tree_node(path, &n), 0);
	sysfs_read_lock();
	ck_assert_int_eq(sysfs_readdir(n, off, list_fill, &l), 0);
	sysfs_read_unlock();
	if (next)
		*next = l.last_off;
	return g_string_free(l.out, FALSE);
}

START_TEST(order_and_offsets_of_the_kernel)
{
	g_autofree char *all = list(T1, 0, 100, NULL);

	/* tests/oracle/readdir-order.txt, mtty-1 */
	ck_assert_str_eq(all, ". 1\n.. 328100887\ndevice_api 698066606\n"
		"devices 844305071\ncreate 2022590456\n"
		"available_instances 2030364360\nname 2147483647\n");
}
END_TEST

START_TEST(goes_on_from_an_offset)
{
	g_autofree char *all = list(T1, 0, 100, NULL);
	g_autofree char *head = NULL, *rest = NULL, *joined = NULL;
	g_autofree char *none = NULL, *bad = NULL;
	uint64_t off;

	for (unsigned int k = 1; k < 7; k++) {
		g_free(head);
		g_free(rest);
		g_free(joined);
		head = list(T1, 0, k, &off);
		rest = list(T1, off, 100, NULL);
		joined = g_strconcat(head, rest, NULL);
		ck_assert_str_eq(joined, all);
	}
	none = list(T1, END, 100, NULL);
	ck_assert_str_eq(none, "");
	/* hash 1 is "..", not a position of an entry: nothing there */
	bad = list(T1, (1ull << 32) | 1, 100, NULL);
	ck_assert_str_eq(bad, "");
}
END_TEST

#define U_A "1354869e-b6aa-4c91-af70-3c28d489b4ee"
#define U_B "df8af49a-7397-4fc5-aefc-ef0e7e666c71"
#define SHARED 1731873240ull

START_TEST(names_sharing_a_hash)
{
	g_autofree char *all = NULL, *head = NULL, *rest = NULL;
	g_autofree char *from_hash = NULL;
	uint64_t off;

	ck_assert_int_eq(tree_create("mtty", "mtty-1", U_B), 0);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", U_A), 0);
	all = list("bus/mdev/devices", 0, 100, NULL);
	/* by name within the hash; the second at rank 1 */
	ck_assert_str_eq(all, ". 1\n.. 1731873240\n" U_A " 6026840536\n"
			 U_B " 2147483647\n");
	ck_assert_uint_eq(6026840536ull, (1ull << 32) | SHARED);
	head = list("bus/mdev/devices", 0, 3, &off);
	ck_assert_str_eq(head, ". 1\n.. 1731873240\n" U_A " 6026840536\n");
	rest = list("bus/mdev/devices", off, 100, NULL);
	ck_assert_str_eq(rest, U_B " 2147483647\n");
	from_hash = list("bus/mdev/devices", SHARED, 100, NULL);
	ck_assert_str_eq(from_hash, U_A " 6026840536\n" U_B " 2147483647\n");
	ck_assert_int_eq(tree_remove(U_A), 0);
	ck_assert_int_eq(tree_remove(U_B), 0);
}
END_TEST

START_TEST(back_under_its_name_between_calls)
{
	g_autofree char *head = NULL, *rest = NULL;
	char *u[8];
	uint64_t off;

	for (int i = 0; i < 8; i++) {
		u[i] = new_uuid();
		ck_assert_int_eq(tree_create("mtty", "mtty-1", u[i]), 0);
	}
	head = list("bus/mdev/devices", 0, 5, &off);
	/* every UUID listed so far goes and comes back */
	for (int i = 0; i < 8; i++) {
		if (!strstr(head, u[i]))
			continue;
		ck_assert_int_eq(tree_remove(u[i]), 0);
		ck_assert_int_eq(tree_create("mtty", "mtty-1", u[i]), 0);
	}
	rest = list("bus/mdev/devices", off, 100, NULL);
	for (int i = 0; i < 8; i++) {
		ck_assert_msg(!strstr(head, u[i]) != !strstr(rest, u[i]),
			      "%s listed %s", u[i], strstr(head, u[i]) ? "twice" : "never");
		ck_assert_int_eq(tree_remove(u[i]), 0);
		g_free(u[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysfs_key");
	TCase *keys = tcase_create("keys");
	TCase *dirs = tcase_create("readdir");

	tcase_add_test(keys, hash_known_values);
	tcase_add_test(keys, key_order);
	tcase_add_test(keys, name_tree_walk);
	suite_add_tcase(s, keys);
	tcase_add_checked_fixture(dirs, setup, teardown);
	tcase_add_test(dirs, order_and_offsets_of_the_kernel);
	tcase_add_test(dirs, goes_on_from_an_offset);
	tcase_add_test(dirs, names_sharing_a_hash);
	tcase_add_test(dirs, back_under_its_name_between_calls);
	suite_add_tcase(s, dirs);
	return run_suite(s);
}
