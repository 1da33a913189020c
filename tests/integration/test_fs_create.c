// SPDX-License-Identifier: MIT
/*
 * Creating devices through the mount (checklist 14-32): the write, what
 * exists when it returns, every refused form with its errno and no trace,
 * the accounting of the three sample vendors, and racing creators.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define MTTY "devices/virtual/mtty/mtty"
#define MDPY "devices/virtual/mdpy/mdpy"
#define MBOCHS "devices/virtual/mbochs/mbochs"
#define CREATE(parent, type) "class/mdev_bus/" parent "/mdev_supported_types/" type "/create"
#define AVAIL(dir, type) dir "/mdev_supported_types/" type "/available_instances"

static struct mdevfs m;

static void setup(void) { mdevfs_start(&m, NULL, NULL); }
static void teardown(void) { mdevfs_stop(&m); }

static unsigned int ndevices(void)
{
	return count(at(&m, "bus/mdev/devices"));
}

START_TEST(echo_creates_everything)
{
	char *u = uuid_new();
	char *line = fmt("%s\n", u);
	int fd = open(at(&m, CREATE("mtty", "mtty-2")), O_WRONLY | O_TRUNC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, line, 37), 37);
	/* all of it is there when the write returns */
	ck_assert(exists(at(&m, MTTY "/%s/mdev_type", u)));
	ck_assert(exists(at(&m, MTTY "/mdev_supported_types/mtty-2/devices/%s", u)));
	ck_assert(exists(at(&m, "bus/mdev/devices/%s/iommu_group", u)));
	close(fd);
	ck_assert_str_eq(link_of(at(&m, "bus/mdev/devices/%s", u)),
			 fmt("../../../" MTTY "/%s", u));
	ck_assert_str_eq(link_of(at(&m, "bus/mdev/devices/%s/mdev_type", u)),
			 "../mdev_supported_types/mtty-2");
	ck_assert_str_eq(get(at(&m, "bus/mdev/devices/%s/mdev_type/name", u)),
			 "Dual port serial\n");
	ck_assert_str_eq(get(at(&m, "bus/mdev/devices/%s/vendor/sample_mdev_dev", u)),
			 fmt("This is MDEV %s\n", u));
	/* a 36-byte write */
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), uuid_new()), 36);
	ck_assert_uint_eq(ndevices(), 2);
}
END_TEST

START_TEST(refused_forms)
{
	static const char *const bad[] = {
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3",
		"5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a\r\n",
		"{5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a}",
		"5e8d5a4c0f9b4e5e9a548b7c1d0e2f3a",
		" 5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a",
		"ge8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a",
		"5e8d5a4-c0f9b-4e5e-9a54-8b7c1d0e2f3a",
	};
	char big[5000];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), bad[i]), -EINVAL);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(write_file(at(&m, CREATE("mtty", "mtty-1")), big,
				    sizeof(big)), -EINVAL);
	/* zero bytes: nothing happens */
	ck_assert_int_eq(write_file(at(&m, CREATE("mtty", "mtty-1")), "", 0), 0);
	ck_assert_uint_eq(ndevices(), 0);
	ck_assert_uint_eq(count(at(&m, MTTY)), 4);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-1"))), 24);
}
END_TEST

START_TEST(accepted_forms)
{
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")),
			     "5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3ax"), 37);
	ck_assert(exists(at(&m, "bus/mdev/devices/5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a")));
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")),
			     "AB8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A\n"), 37);
	ck_assert(exists(at(&m, MTTY "/ab8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a")));
	ck_assert(exists(at(&m, MTTY "/mdev_supported_types/mtty-1/devices/"
				"ab8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a")));
	ck_assert(!exists(at(&m, MTTY "/AB8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A")));
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-2")),
			     "5E8D5A4C-0F9B-4E5E-9A54-8B7C1D0E2F3A"), -EEXIST);
	ck_assert_int_eq(put(at(&m, CREATE("mdpy", "mdpy-vga")),
			     "00000000-0000-0000-0000-000000000000\n"), 37);
	ck_assert_uint_eq(ndevices(), 3);
}
END_TEST

START_TEST(offsets_are_ignored)
{
	char *a = uuid_new(), *b = uuid_new();
	int fd = open(at(&m, CREATE("mdpy", "mdpy-xga")), O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, a, 36, 1000), 36);
	ck_assert_int_eq(write(fd, b, 36), 36); /* a second write on the fd */
	close(fd);
	ck_assert(exists(at(&m, MDPY "/%s", a)));
	ck_assert(exists(at(&m, MDPY "/%s", b)));
}
END_TEST

START_TEST(eexist_on_every_parent)
{
	char *u = uuid_new();

	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), u), 36);
	ck_assert_int_eq(put(at(&m, CREATE("mdpy", "mdpy-vga")), u), -EEXIST);
	ck_assert_int_eq(put(at(&m, CREATE("mbochs", "mbochs-small")), u), -EEXIST);
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-2")), u), -EEXIST);
	ck_assert(!exists(at(&m, MDPY "/%s", u)));
	ck_assert_str_eq(link_of(at(&m, "bus/mdev/devices/%s/mdev_type", u)),
			 "../mdev_supported_types/mtty-1");
	ck_assert_int_eq(get_long(at(&m, AVAIL(MDPY, "mdpy-vga"))), 4);
	ck_assert_uint_eq(ndevices(), 1);
}
END_TEST

START_TEST(mdpy_counts_in_the_core)
{
	const char *types[] = { "mdpy-vga", "mdpy-xga", "mdpy-hd", "mdpy-hd" };

	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(put(at(&m, "class/mdev_bus/mdpy/mdev_supported_types/%s/create",
					types[i]), uuid_new()), 36);
		ck_assert_int_eq(get_long(at(&m, AVAIL(MDPY, "mdpy-vga"))), 3 - i);
		ck_assert_int_eq(get_long(at(&m, AVAIL(MDPY, "mdpy-xga"))), 3 - i);
		ck_assert_int_eq(get_long(at(&m, AVAIL(MDPY, "mdpy-hd"))), 3 - i);
	}
	ck_assert_int_eq(put(at(&m, CREATE("mdpy", "mdpy-vga")), uuid_new()), -EUSERS);
	ck_assert_uint_eq(ndevices(), 4);
}
END_TEST

START_TEST(mtty_runs_out_of_ports)
{
	char *last = uuid_new();

	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-2")), uuid_new()), 36);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-1"))), 22);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-2"))), 11);
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), uuid_new()), 36);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-1"))), 21);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-2"))), 10);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), uuid_new()), 36);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-2"))), 0);
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-2")), last), -ENOSPC);
	ck_assert(!exists(at(&m, MTTY "/%s", last)));
	ck_assert(!exists(at(&m, "bus/mdev/devices/%s", last)));
	ck_assert_uint_eq(ndevices(), 22);
	/* the refused UUID is free at once */
	ck_assert_int_eq(put(at(&m, CREATE("mtty", "mtty-1")), last), 36);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-1"))), 0);
}
END_TEST

START_TEST(mbochs_shares_memory)
{
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-small"))), 64);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-medium"))), 16);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-large"))), 4);
	ck_assert_int_eq(put(at(&m, CREATE("mbochs", "mbochs-large")), uuid_new()), 36);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-small"))), 48);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-medium"))), 12);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MBOCHS, "mbochs-large"))), 3);
}
END_TEST

struct racer {
	const char *path;
	const char *uuid;
	pthread_barrier_t *start;
	ssize_t ret;
};

static void *race_main(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = put(r->path, r->uuid);
	return NULL;
}

START_TEST(one_uuid_two_creators)
{
	for (int round = 0; round < 50; round++) {
		char *u = uuid_new();
		pthread_barrier_t start;
		struct racer r[2] = {
			{ at(&m, CREATE("mtty", "mtty-1")), u, &start, 0 },
			{ at(&m, CREATE("mdpy", "mdpy-vga")), u, &start, 0 },
		};
		pthread_t t[2];

		pthread_barrier_init(&start, NULL, 2);
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, race_main, &r[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		ck_assert_msg((r[0].ret == 36 && r[1].ret == -EEXIST) ||
			      (r[1].ret == 36 && r[0].ret == -EEXIST),
			      "round %d: %zd and %zd", round, r[0].ret, r[1].ret);
		ck_assert(exists(at(&m, "bus/mdev/devices/%s/mdev_type", u)));
		ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", u), "1"), 1);
	}
	ck_assert_uint_eq(ndevices(), 0);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MDPY, "mdpy-vga"))), 4);
	ck_assert_int_eq(get_long(at(&m, AVAIL(MTTY, "mtty-1"))), 24);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-create");
	TCase *tc = tcase_create("create");

	harness_require_private_namespaces();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, echo_creates_everything);
	tcase_add_test(tc, refused_forms);
	tcase_add_test(tc, accepted_forms);
	tcase_add_test(tc, offsets_are_ignored);
	tcase_add_test(tc, eexist_on_every_parent);
	tcase_add_test(tc, mdpy_counts_in_the_core);
	tcase_add_test(tc, mtty_runs_out_of_ports);
	tcase_add_test(tc, mbochs_shares_memory);
	tcase_add_test(tc, one_uuid_two_creators);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
