// SPDX-License-Identifier: MIT
/*
 * Crash safety without a mount: the record format (round trip, every torn
 * length, every flipped byte, another version), exact IDA numbers, and
 * the state directory with the core: records written and dropped, and a
 * simulated crash (the directory let go without forgetting, the core torn
 * down and built again) that brings the same devices back with the same
 * numbers and accounting, an unbound one unbound, corrupt and orphaned
 * records set aside.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ida.h"
#include "run_suite.h"
#include "state.h"
#include "tree_helpers.h"

#define MTTY "devices/virtual/mtty/mtty"
#define TYPES "/mdev_supported_types/"
#define U1 "0b1c0e52-7d3c-4c1f-9f6a-4f0a1f9a3f21"

static const struct state_record sample = {
	.uuid = U1, .parent = (char *)"0000:00:02.0", .type = (char *)"2",
	.bound = true, .group = 7, .vfio = 12,
};

static char *format(const struct state_record *r, size_t *len)
{
	return state_record_format(r, len);
}

START_TEST(round_trip)
{
	struct state_record r;
	g_autofree char *why = NULL;
	size_t len;
	g_autofree char *text = format(&sample, &len);

	ck_assert_int_eq(state_record_parse(text, len, &r, &why), 0);
	ck_assert_str_eq(r.uuid, U1);
	ck_assert_str_eq(r.parent, "0000:00:02.0");
	ck_assert_str_eq(r.type, "2");
	ck_assert(r.bound);
	ck_assert_int_eq(r.group, 7);
	ck_assert_int_eq(r.vfio, 12);
	state_record_clear(&r);
}
END_TEST

START_TEST(round_trip_unbound)
{
	struct state_record in = sample, r;
	g_autofree char *why = NULL;
	size_t len;
	g_autofree char *text = NULL;

	in.bound = false;
	text = format(&in, &len);
	ck_assert_ptr_nonnull(strstr(text, "iommu_group=none\nvfio=none\n"));
	ck_assert_int_eq(state_record_parse(text, len, &r, &why), 0);
	ck_assert(!r.bound);
	ck_assert_int_eq(r.group, -1);
	ck_assert_int_eq(r.vfio, -1);
	state_record_clear(&r);
}
END_TEST

/* A write torn anywhere: every proper prefix is refused. */
START_TEST(torn_at_every_length)
{
	size_t len;
	g_autofree char *text = format(&sample, &len);

	for (size_t n = 0; n < len; n++) {
		g_autofree char *cut = g_strndup(text, n);
		g_autofree char *why = NULL;
		struct state_record r;

		ck_assert_msg(state_record_parse(cut, n, &r, &why) == -EINVAL,
			      "a record cut at %zu bytes was accepted", n);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

/* Any one byte changed, to anything: refused, with a reason. */
START_TEST(every_flipped_byte)
{
	size_t len;
	g_autofree char *text = format(&sample, &len);

	for (size_t i = 0; i < len; i++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			g_autofree unsigned char *bad = (unsigned char *)g_strndup(text, len);
			g_autofree char *why = NULL;
			struct state_record r;

			bad[i] ^= (unsigned char)(1u << bit);
			ck_assert_msg(state_record_parse((char *)bad, len, &r, &why) == -EINVAL,
				      "byte %zu bit %u flipped was accepted", i, bit);
			ck_assert_ptr_nonnull(why);
		}
	}
}
END_TEST

START_TEST(bad_checksum_named)
{
	size_t len;
	g_autofree char *text = format(&sample, &len);
	g_autofree char *why = NULL;
	struct state_record r;

	text[strlen(STATE_RECORD_MAGIC) + 10] = 'X'; /* inside the uuid */
	ck_assert_int_eq(state_record_parse(text, len, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "checksum mismatch: torn or corrupt");
}
END_TEST

/* A record of another version, well formed: named as such. */
START_TEST(other_version)
{
	const char *body = STATE_RECORD_MAGIC " 2\nuuid=" U1 "\n";
	g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256,
							     body, -1);
	g_autofree char *text = g_strdup_printf("%ssha256=%s\n", body, sum);
	g_autofree char *why = NULL;
	struct state_record r;

	ck_assert_int_eq(state_record_parse(text, strlen(text), &r, &why), -EINVAL);
	ck_assert_str_eq(why, "version 2, this mdevfs reads version 1");
}
END_TEST

START_TEST(not_a_record)
{
	g_autofree char *why = NULL;
	struct state_record r;

	ck_assert_int_eq(state_record_parse("hello\n", 6, &r, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "not an mdevfs device record"));
}
END_TEST

START_TEST(ida_exact)
{
	struct ida ida;

	ida_init(&ida);
	ck_assert_int_eq(ida_alloc_exact(&ida, 3), 3);
	ck_assert_int_eq(ida_alloc_exact(&ida, 3), -EBUSY);
	ck_assert_int_eq(ida_alloc_exact(&ida, 1), 1);
	ck_assert_int_eq(ida_alloc_exact(&ida, -1), -EINVAL);
	/* the holes left are handed out lowest first, then what follows */
	ck_assert_int_eq(ida_alloc(&ida), 0);
	ck_assert_int_eq(ida_alloc(&ida), 2);
	ck_assert_int_eq(ida_alloc(&ida), 4);
	ida_free(&ida, 2);
	ck_assert_int_eq(ida_alloc_exact(&ida, 2), 2);
	ck_assert_int_eq(ida_alloc_exact(&ida, 0), -EBUSY);
	ida_destroy(&ida);
}
END_TEST

START_TEST(escape)
{
	g_autofree char *a = state_escape_path("/mnt/mdevfs");
	g_autofree char *b = state_escape_path("/mnt/mdev-fs/");
	g_autofree char *c = state_escape_path("/");
	g_autofree char *d = state_escape_path("/tmp/a b/.x");

	ck_assert_str_eq(a, "mnt-mdevfs");
	ck_assert_str_eq(b, "mnt-mdev\\x2dfs");
	ck_assert_str_eq(c, "-");
	ck_assert_str_eq(d, "tmp-a\\x20b-.x");
}
END_TEST

/* ---- the directory and the core ------------------------------------- */

/* A directory per test inside one per run, which the test program (not
 * the test's fork, which a failed check ends) removes. */
static char *base, *dir;

static void base_setup(void)
{
	base = g_dir_make_tmp("mdevfs-state-XXXXXX", NULL);
	ck_assert_ptr_nonnull(base);
}

static void base_teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", base);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
	g_clear_pointer(&base, g_free);
}

static void dir_setup(void)
{
	dir = g_build_filename(base, "XXXXXX", NULL);
	ck_assert_ptr_nonnull(g_mkdtemp(dir));
}

static void dir_teardown(void)
{
	g_free(dir);
}

static char *record_path(const char *name)
{
	return g_build_filename(dir, "devices", name, NULL);
}

static bool has_record(const char *name)
{
	g_autofree char *p = record_path(name);

	return access(p, F_OK) == 0;
}

/* The mtty device's WHAT (its directory for ""), valid until the next call */
static const char *dev(const char *uuid, const char *what)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), MTTY "/%s%s%s", uuid,
		 *what ? "/" : "", what);
	return buf;
}

static char *group_of(const char *uuid)
{
	return tree_readlink(dev(uuid, "iommu_group"));
}

static long mtty_available(const char *type)
{
	g_autofree char *p = g_strdup_printf(MTTY TYPES "%s/available_instances",
					     type);

	return tree_read_long(p);
}

START_TEST(records_follow_devices)
{
	GPtrArray *parents = tree_setup(NULL);
	g_autofree char *u = new_uuid();

	ck_assert_int_eq(state_open(dir, true), 0);
	ck_assert_int_eq(tree_create("mtty", "mtty-2", u), 0);
	ck_assert(has_record(u));
	ck_assert_int_eq(tree_remove(u), 0);
	ck_assert(!has_record(u));
	tree_teardown(parents);
	state_close(true);
	ck_assert_int_eq(access(dir, F_OK), -1); /* nothing left: it went */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
}
END_TEST

/* Creates a, b, c and removes a, so b and c have numbers 1 and 2; unbinds
 * c; then "crashes": the directory is let go as a killed daemon would. */
static void before_crash(char *u[3])
{
	GPtrArray *parents = tree_setup(NULL);

	ck_assert_int_eq(state_open(dir, true), 0);
	for (int i = 0; i < 3; i++) {
		u[i] = new_uuid();
		ck_assert_int_eq(tree_create("mtty", "mtty-2", u[i]), 0);
	}
	ck_assert_int_eq(tree_remove(u[0]), 0);
	ck_assert_int_eq(tree_puts("bus/mdev/drivers/mtty/unbind", u[2]), 36);
	ck_assert_int_eq(mtty_available("mtty-2"), 11); /* c's units are back */
	state_close(false);
	tree_teardown(parents);
}

START_TEST(crash_and_recover)
{
	char *u[3];
	GPtrArray *parents;
	g_autofree char *g1 = NULL, *g2 = NULL, *vfio = NULL, *drv = NULL;
	g_autofree char *fresh = new_uuid();

	before_crash(u);
	ck_assert(!has_record(u[0]) && has_record(u[1]) && has_record(u[2]));
	parents = tree_setup(NULL);
	ck_assert_int_eq(state_open(dir, true), 0);
	ck_assert_uint_eq(state_recover(), 2);
	ck_assert(!tree_exists(dev(u[0], "")));
	g1 = group_of(u[1]);
	ck_assert_str_eq(g1, "../../../../../kernel/iommu_groups/1");
	vfio = tree_ls(dev(u[1], "vfio-dev"));
	ck_assert_str_eq(vfio, "vfio1");
	/* c is back without a driver, as it was */
	drv = tree_readlink(dev(u[2], "driver"));
	ck_assert_ptr_null(drv);
	ck_assert(tree_exists(dev(u[2], "mdev_type")));
	ck_assert_int_eq(mtty_available("mtty-2"), 11);
	/* the lowest free number is the one a had */
	ck_assert_int_eq(tree_create("mtty", "mtty-1", fresh), 0);
	g2 = group_of(fresh);
	ck_assert_str_eq(g2, "../../../../../kernel/iommu_groups/0");
	tree_teardown(parents);
	ck_assert(!has_record(u[1]) && !has_record(fresh));
	state_close(true);
	for (int i = 0; i < 3; i++)
		g_free(u[i]);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
}
END_TEST

/* A torn record and one whose parent is gone: set aside, not restored. */
START_TEST(corrupt_and_orphan)
{
	char *u[3];
	GPtrArray *parents;
	g_autofree char *torn = NULL, *orphan = NULL, *corrupt = NULL;
	const char *conf = "[parent mdpy]\nclass = mdpy\ndriver = mdpy\n"
			   "backend = sample\ndevice_api = vfio-pci\n"
			   "max_instances = 4\n[type mdpy vga]\n";

	before_crash(u);
	torn = record_path(u[1]);
	ck_assert_int_eq(truncate(torn, 40), 0);
	parents = tree_setup(conf); /* no mtty: c's parent is gone */
	ck_assert_int_eq(state_open(dir, true), 0);
	ck_assert_uint_eq(state_recover(), 0);
	ck_assert(!has_record(u[1]) && !has_record(u[2]));
	orphan = g_strdup_printf("%s.orphan", u[2]);
	corrupt = g_strdup_printf("%s.corrupt", u[1]);
	ck_assert(has_record(corrupt));
	ck_assert(has_record(orphan));
	tree_teardown(parents);
	state_close(true);
	ck_assert_int_eq(access(dir, F_OK), 0); /* kept: records set aside */
	for (int i = 0; i < 3; i++)
		g_free(u[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *fmt = tcase_create("format");
	TCase *core = tcase_create("directory");

	tcase_add_test(fmt, round_trip);
	tcase_add_test(fmt, round_trip_unbound);
	tcase_add_test(fmt, torn_at_every_length);
	tcase_add_test(fmt, every_flipped_byte);
	tcase_add_test(fmt, bad_checksum_named);
	tcase_add_test(fmt, other_version);
	tcase_add_test(fmt, not_a_record);
	tcase_add_test(fmt, ida_exact);
	tcase_add_test(fmt, escape);
	suite_add_tcase(s, fmt);
	tcase_add_unchecked_fixture(core, base_setup, base_teardown);
	tcase_add_checked_fixture(core, dir_setup, dir_teardown);
	tcase_add_test(core, records_follow_devices);
	tcase_add_test(core, crash_and_recover);
	tcase_add_test(core, corrupt_and_orphan);
	suite_add_tcase(s, core);
	return run_suite(s);
}
