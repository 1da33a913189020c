// SPDX-License-Identifier: MIT
/* The kernel's parsers: every accepted and refused shape from the spec. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "run_suite.h"
#include "parse.h"
#include "sysfs.h"

#define U "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a"

static int create(const char *buf, size_t len)
{
	char copy[64];
	uuid_t out = { 0 };

	memcpy(copy, buf, len);
	copy[len] = '\0';
	return parse_create_uuid(copy, len, out);
}

START_TEST(create_accepts)
{
	static const char *const ok[] = {
		(U "\n"), U, (U "x"), (U " "), "5E8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A",
		"00000000-0000-0000-0000-000000000000",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(create(ok[i], strlen(ok[i])) == 0, "%s", ok[i]);
	/* 36 characters and a NUL as byte 37 */
	ck_assert_int_eq(create(U "\0", 37), 0);
}
END_TEST

START_TEST(create_refuses)
{
	static const char *const bad[] = {
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3",    /* 35 */
		(U "\r\n"),                               /* 38 */
		("{" U "}"),
		"5e8d5a4c0f9b4e5e9a548b7c1d0e2f3a",       /* no dashes */
		(" " U),                                  /* leading space, 37 */
		"ge8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a",   /* not hex */
		"5e8d5a4-c0f9b-4e5e-9a54-8b7c1d0e2f3a",   /* dash moved */
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a\n\n",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(create(bad[i], strlen(bad[i])) == -EINVAL, "'%s'", bad[i]);
	/* an embedded NUL ends the string */
	ck_assert_int_eq(create("5e8d5a4c-0f9b\0" "4e5e-9a54-8b7c1d0e2f3a", 36), -EINVAL);
}
END_TEST

START_TEST(kstrtoul_values)
{
	static const struct { const char *in; unsigned long val; } ok[] = {
		{ "1", 1 }, { "1\n", 1 }, { "0", 0 }, { "00", 0 }, { "0x0", 0 },
		{ "+0", 0 }, { "0x1", 1 }, { "01", 1 }, { "+1", 1 }, { "2", 2 },
		{ "0X1f", 31 }, { "017", 15 }, { "18446744073709551615", ~0UL },
	};
	static const char *const bad[] = {
		"abc", "-1", " 1", "1 ", "\n", "08", "0x", "1\n\n", "", "09",
		"+", "1x", "0x\n",
	};
	unsigned long v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse_kstrtoul(ok[i].in, &v) == 0, "'%s'", ok[i].in);
		ck_assert_uint_eq(v, ok[i].val);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_kstrtoul(bad[i], &v) < 0, "'%s'", bad[i]);
	ck_assert_int_eq(parse_kstrtoul("18446744073709551616", &v), -ERANGE);
}
END_TEST

START_TEST(kstrtobool_values)
{
	bool b;

	ck_assert_int_eq(parse_kstrtobool("1", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(parse_kstrtobool("off", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(parse_kstrtobool("Yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(parse_kstrtobool("x", &b), -EINVAL);
	ck_assert_int_eq(parse_kstrtobool("o", &b), -EINVAL);
}
END_TEST

START_TEST(streq)
{
	ck_assert(sysfs_streq("on", "on"));
	ck_assert(sysfs_streq("on\n", "on"));
	ck_assert(sysfs_streq("on", "on\n"));
	ck_assert(!sysfs_streq("on\n\n", "on"));
	ck_assert(!sysfs_streq("o", "on"));
	ck_assert(!sysfs_streq("onx", "on"));
}
END_TEST

static int synth(const char *s)
{
	int action;

	return parse_synth_uevent(s, strlen(s), &action, NULL, NULL) ? -1 : action;
}

START_TEST(synth_uevent)
{
	ck_assert_int_eq(synth("add"), 0);
	ck_assert_int_eq(synth("change\n"), 2);
	ck_assert_int_eq(synth("unbind"), 7);
	ck_assert_int_eq(synth("add " U), 0);
	ck_assert_int_eq(synth("add " U " A=1 B=two\n"), 0);
	ck_assert_int_eq(synth("ad"), -1);
	ck_assert_int_eq(synth("adds"), -1);
	ck_assert_int_eq(synth(""), -1);
	ck_assert_int_eq(synth("add nonsense"), -1);
	ck_assert_int_eq(synth("add " U " =1"), -1);
	ck_assert_int_eq(synth("add " U " A"), -1);
}
END_TEST

static void rel(const char *from, const char *to, const char *want)
{
	char buf[512];

	ck_assert_int_eq(sysfs_rel_link(from, to, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

START_TEST(rel_links)
{
	const char *dev = "devices/virtual/mtty/mtty/u";

	rel("class/mdev_bus", "devices/virtual/mtty/mtty",
	    "../../devices/virtual/mtty/mtty");
	rel("bus/mdev/devices", dev, "../../../devices/virtual/mtty/mtty/u");
	rel("bus/mdev/drivers/mtty", dev, "../../../../devices/virtual/mtty/mtty/u");
	rel(dev, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-2",
	    "../mdev_supported_types/mtty-2");
	rel("devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/devices", dev,
	    "../../../u");
	rel(dev, "bus/mdev/drivers/mtty", "../../../../../bus/mdev/drivers/mtty");
	rel("devices/pci0000:00/0000:00:02.0/u", "bus/mdev",
	    "../../../../bus/mdev");
	rel("devices/virtual/mtty/mtty/u/vfio-dev/vfio0", dev, "../../../u");
	rel("devices/virtual/mtty/mtty/u/vfio-dev/vfio0", "class/vfio-dev",
	    "../../../../../../../class/vfio-dev");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, create_accepts);
	tcase_add_test(tc, create_refuses);
	tcase_add_test(tc, kstrtoul_values);
	tcase_add_test(tc, kstrtobool_values);
	tcase_add_test(tc, streq);
	tcase_add_test(tc, synth_uevent);
	tcase_add_test(tc, rel_links);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
