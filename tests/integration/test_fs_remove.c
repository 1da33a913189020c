// SPDX-License-Identifier: MIT
/*
 * Devices through the mount, after creation (checklist 33-47): links,
 * remove in all its forms, what the kernel's caches show afterwards,
 * racing removers, a remove during its own create, slow vendors that must
 * not hold anything else up, a remove of a device in use interrupted, and
 * the daemon stopping with live devices.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "harness.h"

#define MTTY "devices/virtual/mtty/mtty"
#define CREATE(parent, type) "class/mdev_bus/" parent "/mdev_supported_types/" type "/create"
#define AVAIL_MTTY1 MTTY "/mdev_supported_types/mtty-1/available_instances"

static struct mdevfs m;

static void setup(void) { mdevfs_start(&m, NULL, NULL); }
static void teardown(void) { mdevfs_stop(&m); }

static char *create_mtty(const char *type)
{
	char *u = uuid_new();

	ck_assert_int_eq(put(at(&m, "class/mdev_bus/mtty/mdev_supported_types/%s/create",
				type), u), 36);
	return u;
}

START_TEST(device_links)
{
	char *u = create_mtty("mtty-1");
	g_autofree char *real = NULL;
	struct stat st;

	ck_assert_str_eq(link_of(at(&m, "bus/mdev/devices/%s", u)),
			 fmt("../../../" MTTY "/%s", u));
	ck_assert_str_eq(link_of(at(&m, MTTY "/mdev_supported_types/mtty-1/devices/%s", u)),
			 fmt("../../../%s", u));
	ck_assert_str_eq(link_of(at(&m, MTTY "/%s/driver", u)),
			 "../../../../../bus/mdev/drivers/mtty");
	ck_assert_str_eq(link_of(at(&m, MTTY "/%s/subsystem", u)),
			 "../../../../../bus/mdev");
	ck_assert_str_eq(link_of(at(&m, "bus/mdev/drivers/mtty/%s", u)),
			 fmt("../../../../" MTTY "/%s", u));
	/* QEMU: realpath(<dev>/subsystem) is the bus */
	real = realpath(at(&m, "bus/mdev/devices/%s/subsystem", u), NULL);
	ck_assert_ptr_nonnull(real);
	ck_assert_str_eq(real + strlen(m.dir), "/bus/mdev");
	ck_assert_int_eq(lstat(at(&m, MTTY "/%s/remove", u), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0200);
	ck_assert_int_eq(lstat(at(&m, MTTY "/%s/uevent", u), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	ck_assert_str_eq(get(at(&m, MTTY "/%s/uevent", u)), "DRIVER=mtty\n");
	ck_assert_int_eq(open(at(&m, MTTY "/%s/remove", u), O_RDONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	/* the iommu group and its way back */
	ck_assert_str_eq(link_of(at(&m, MTTY "/%s/iommu_group", u)),
			 "../../../../../kernel/iommu_groups/0");
	ck_assert(exists(at(&m, "bus/mdev/devices/%s/iommu_group/devices/%s", u, u)));
	ck_assert(exists(at(&m, MTTY "/%s/vfio-dev/vfio0", u)));
}
END_TEST

START_TEST(vfio_numbers_reused)
{
	char *a = create_mtty("mtty-1"), *b = create_mtty("mtty-1"), *c;

	ck_assert(exists(at(&m, MTTY "/%s/vfio-dev/vfio1", b)));
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", a), "1\n"), 2);
	c = create_mtty("mtty-2");
	ck_assert(exists(at(&m, MTTY "/%s/vfio-dev/vfio0", c)));
	ck_assert_str_eq(link_of(at(&m, MTTY "/%s/iommu_group", c)),
			 "../../../../../kernel/iommu_groups/0");
	ck_assert_str_eq(ls(at(&m, "class/vfio-dev")), "vfio0 vfio1");
}
END_TEST

START_TEST(remove_values)
{
	static const char *const noop[] = { "0", "0\n", "00", "0x0", "+0" };
	static const char *const bad[] = { "abc", "-1", " 1", "1 ", "\n", "08",
					   "0x", "1\n\n" };
	static const char *const yes[] = { "1\n", "0x1", "01", "+1", "2", "1" };

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		char *u = create_mtty("mtty-1");
		char *rm = at(&m, "bus/mdev/devices/%s/remove", u);

		for (size_t j = 0; j < G_N_ELEMENTS(noop); j++)
			ck_assert_int_eq(put(rm, noop[j]), (ssize_t)strlen(noop[j]));
		for (size_t j = 0; j < G_N_ELEMENTS(bad); j++)
			ck_assert_int_eq(put(rm, bad[j]), -EINVAL);
		ck_assert_int_eq(write_file(rm, "", 0), 0);
		ck_assert(exists(rm));
		ck_assert_int_eq(get_long(at(&m, AVAIL_MTTY1)), 23);
		ck_assert_int_eq(put(rm, yes[i]), (ssize_t)strlen(yes[i]));
		ck_assert_int_eq(get_long(at(&m, AVAIL_MTTY1)), 24);
		/* created again right away */
		ck_assert_int_eq(put(at(&m, CREATE("mdpy", "mdpy-vga")), u), 36);
		ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", u), "1"), 1);
	}
}
END_TEST

START_TEST(removed_is_gone_from_caches)
{
	char *u = create_mtty("mtty-2");
	const char *paths[] = {
		at(&m, MTTY "/%s", u), at(&m, "bus/mdev/devices/%s", u),
		at(&m, "bus/mdev/drivers/mtty/%s", u),
		at(&m, MTTY "/mdev_supported_types/mtty-2/devices/%s", u),
		at(&m, "kernel/iommu_groups/0"), at(&m, "class/vfio-dev/vfio0"),
		at(&m, MTTY "/%s/remove", u),
	};
	struct stat st;

	/* entries are cached for a minute; removal must drop them */
	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++)
		ck_assert_msg(lstat(paths[i], &st) == 0, "%s", paths[i]);
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", u), "1\n"), 2);
	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
		ck_assert_msg(lstat(paths[i], &st) == -1 && errno == ENOENT,
			      "%s still there", paths[i]);
	}
	ck_assert_str_eq(ls(at(&m, MTTY)), "mdev_supported_types power subsystem uevent");
	ck_assert_uint_eq(count(at(&m, "bus/mdev/devices")), 0);
}
END_TEST

START_TEST(fd_of_removed_device)
{
	char *u = create_mtty("mtty-1");
	int rm = open(at(&m, MTTY "/%s/remove", u), O_WRONLY);
	int uev = open(at(&m, MTTY "/%s/uevent", u), O_RDONLY);
	char buf[64];

	ck_assert_int_ge(rm, 0);
	ck_assert_int_ge(uev, 0);
	ck_assert_int_eq(put(at(&m, "bus/mdev/devices/%s/remove", u), "1"), 1);
	ck_assert_int_eq(write(rm, "1", 1), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(read(uev, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENODEV);
	close(rm);
	close(uev);
	ck_assert_int_eq(open(at(&m, MTTY "/%s/remove", u), O_WRONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(get_long(at(&m, AVAIL_MTTY1)), 24);
}
END_TEST

struct remover {
	const char *path;
	pthread_barrier_t *start;
	ssize_t ret;
};

static void *remove_main(void *arg)
{
	struct remover *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = put(r->path, "1\n");
	return NULL;
}

START_TEST(racing_removers)
{
	for (int round = 0; round < 50; round++) {
		char *u = create_mtty("mtty-1");
		pthread_barrier_t start;
		struct remover r[2];
		pthread_t t[2];

		pthread_barrier_init(&start, NULL, 2);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct remover){ at(&m, "bus/mdev/devices/%s/remove", u),
						 &start, 0 };
			pthread_create(&t[i], NULL, remove_main, &r[i]);
		}
		for (int i = 0; i < 2; i++) {
			pthread_join(t[i], NULL);
			ck_assert_msg(r[i].ret == 2 || r[i].ret == -ENODEV ||
				      r[i].ret == -ENOENT, "round %d: %zd", round,
				      r[i].ret);
		}
		pthread_barrier_destroy(&start);
		ck_assert(r[0].ret == 2 || r[1].ret == 2);
		ck_assert(!exists(at(&m, MTTY "/%s", u)));
		/* removed once: the ports came back once */
		ck_assert_int_eq(get_long(at(&m, AVAIL_MTTY1)), 24);
	}
}
END_TEST

static const char slow_conf[] =
	"[parent slow]\nclass = slow\ndriver = slow\nbackend = sample\n"
	"device_api = vfio-pci\nmax_instances = 64\n"
	"[type slow a]\nprobe_delay_ms = 1500\nremove_delay_ms = 200\n"
	"[parent fast]\nclass = fast\ndriver = fast\nbackend = sample\n"
	"device_api = vfio-pci\nmax_instances = 4\n"
	"[type fast a]\n";

struct creator {
	struct mdevfs *m;
	char *uuid;
	ssize_t ret;
	atomic_bool done;
	int flags;       /* of the open, besides O_WRONLY */
};

/* Opens without O_TRUNC, as KubeVirt does: an O_TRUNC open waits for
 * the writes already in flight on the file (the kernel's truncate takes
 * the inode lock; see docs/design.md). */
static void *create_main(void *arg)
{
	struct creator *c = arg;
	int fd = open(at(c->m, CREATE("slow", "slow-a")), O_WRONLY | c->flags, 0644);

	c->ret = write(fd, c->uuid, 36);
	if (c->ret < 0)
		c->ret = -errno;
	close(fd);
	atomic_store(&c->done, true);
	return NULL;
}

static void wait_exists(const char *path)
{
	struct timespec ts = { 0, 5000000 };

	for (int i = 0; i < 1000 && !exists(path); i++)
		nanosleep(&ts, NULL);
	ck_assert_msg(exists(path), "%s never appeared", path);
}

START_TEST(remove_during_create)
{
	struct mdevfs s;
	struct creator c = { &s, NULL, 0, false, 0 };
	pthread_t t;

	mdevfs_start(&s, slow_conf, NULL);
	c.uuid = uuid_new();
	pthread_create(&t, NULL, create_main, &c);
	wait_exists(at(&s, "bus/mdev/devices/%s/remove", c.uuid));
	ck_assert_int_eq(put(at(&s, "bus/mdev/devices/%s/remove", c.uuid), "1"), -EAGAIN);
	ck_assert(!atomic_load(&c.done));
	/* another create of the UUID meanwhile */
	ck_assert_int_eq(put(at(&s, CREATE("fast", "fast-a")), c.uuid), -EEXIST);
	pthread_join(t, NULL);
	ck_assert_int_eq(c.ret, 36);
	ck_assert(exists(at(&s, "bus/mdev/devices/%s/mdev_type", c.uuid)));
	ck_assert_int_eq(put(at(&s, "bus/mdev/devices/%s/remove", c.uuid), "1"), 1);
	ck_assert(!exists(at(&s, "bus/mdev/devices/%s", c.uuid)));
	mdevfs_stop(&s);
}
END_TEST

/* More slow creates than FUSE has worker threads (10): readers and other
 * writers must still be served while every one of them is in the vendor.
 * Half open `create` as the shell and mdevctl do, O_CREAT|O_TRUNC: they
 * must not wait for the others (the kernel's truncate takes the inode lock
 * that writes in flight hold). */
START_TEST(slow_vendor_holds_nothing_up)
{
	enum { N = 14 };
	struct mdevfs s;
	struct creator c[N];
	pthread_t t[N];
	char *f;

	mdevfs_start(&s, slow_conf, NULL);
	for (int i = 0; i < N; i++) {
		c[i] = (struct creator){ &s, uuid_new(), 0, false,
					 i % 2 ? O_CREAT | O_TRUNC : 0 };
		pthread_create(&t[i], NULL, create_main, &c[i]);
	}
	for (int i = 0; i < N; i++)
		wait_exists(at(&s, "devices/virtual/slow/slow/%s", c[i].uuid));
	/* all N are inside the vendor's probe now */
	ck_assert_uint_eq(count(at(&s, "bus/mdev/devices")), N);
	ck_assert_int_eq(get_long(at(&s, "class/mdev_bus/slow/mdev_supported_types/slow-a/available_instances")),
			 64 - N);
	ck_assert_int_eq(get_long(at(&s, "class/mdev_bus/fast/mdev_supported_types/fast-a/available_instances")), 4);
	f = uuid_new();
	ck_assert_int_eq(put(at(&s, CREATE("fast", "fast-a")), f), 36);
	ck_assert_int_eq(put(at(&s, "bus/mdev/devices/%s/remove", f), "1"), 1);
	for (int i = 0; i < N; i++)
		ck_assert_msg(!atomic_load(&c[i].done), "create %d done first", i);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(c[i].ret, 36);
	}
	ck_assert_uint_eq(count(at(&s, "class/vfio-dev")), N);
	mdevfs_stop(&s);
}
END_TEST

/* Devices in use from their creation until the vendor is asked twice
 * (type a) or once (type b) to release them. */
static const char busy_conf[] =
	"[parent busy]\nclass = busy\ndriver = busy\nbackend = sample\n"
	"device_api = vfio-pci\npool = 4\n"
	"[type busy a]\nbusy_until_request = 2\n"
	"[type busy b]\nbusy_until_request = 1\n";

static void on_usr1(int sig) { (void)sig; }

/* A process writing 1 to @path with SIGUSR1 caught, without SA_RESTART:
 * its exit status is the errno (0 on success). */
static pid_t start_remover(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		ssize_t r;

		sigaction(SIGUSR1, &sa, NULL);
		r = put(path, "1");
		_exit(r == 1 ? 0 : (int)-r);
	}
	return pid;
}

static long busy_requests(struct mdevfs *s)
{
	char *out, *p;

	ck_assert_int_eq(mdevfs_ctl(s, &out, (const char *const[]){ "list", NULL }), 0);
	p = strstr(out, "requests=");
	ck_assert_ptr_nonnull(p);
	return strtol(p + 9, NULL, 10);
}

START_TEST(busy_device_remove_interrupted)
{
	struct mdevfs s;
	char *u, *remove;
	pid_t pid;
	int status;

	mdevfs_start(&s, busy_conf, NULL);
	u = uuid_new();
	remove = at(&s, "bus/mdev/devices/%s/remove", u);
	ck_assert_int_eq(put(at(&s, CREATE("busy", "busy-a")), u), 36);
	pid = start_remover(remove);
	/* claimed: the file is gone while the remove waits for the user */
	for (int i = 0; i < 1000 && exists(remove); i++)
		usleep(2000);
	ck_assert(!exists(remove));
	usleep(100000);
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	ck_assert_int_eq(busy_requests(&s), 1);
	kill(pid, SIGUSR1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == EINTR,
		      "remover: status %d", status);
	/* intact and removable */
	ck_assert(exists(remove));
	ck_assert(exists(at(&s, "bus/mdev/devices/%s/driver", u)));
	ck_assert(exists(at(&s, "bus/mdev/devices/%s/mdev_type/devices/%s", u, u)));
	ck_assert(exists(at(&s, "bus/mdev/devices/%s/iommu_group", u)));
	ck_assert_int_eq(get_long(at(&s, "class/mdev_bus/busy/mdev_supported_types/busy-a/available_instances")), 3);
	/* the second request lets it go */
	ck_assert_int_eq(put(remove, "1"), 1);
	ck_assert(!exists(at(&s, "bus/mdev/devices/%s", u)));
	ck_assert_int_eq(busy_requests(&s), 2);
	/* released at the first request: the remove just works */
	u = uuid_new();
	ck_assert_int_eq(put(at(&s, CREATE("busy", "busy-b")), u), 36);
	ck_assert_int_eq(put(at(&s, "bus/mdev/devices/%s/remove", u), "1"), 1);
	ck_assert_int_eq(busy_requests(&s), 3);
	ck_assert_int_eq(get_long(at(&s, "class/mdev_bus/busy/mdev_supported_types/busy-a/available_instances")), 4);
	mdevfs_stop(&s);
}
END_TEST

/* A remove of a device in use starts on a FUSE worker, which must not
 * wait, and goes on in the writer pool (fs/fuse/writers.c): the file
 * vanishes once, when the remove claims it, and stays gone while the
 * remove waits, as the kernel's does.  Watched from the start of each of
 * many removes, so a flicker between the two threads shows. */
START_TEST(busy_remove_file_vanishes_once)
{
	struct mdevfs s;
	int status;

	mdevfs_start(&s, busy_conf, NULL);
	for (int round = 0; round < 100; round++) {
		char *u = uuid_new();
		char *remove = at(&s, "bus/mdev/devices/%s/remove", u);
		pid_t pid;
		int seen = 0;

		ck_assert_int_eq(put(at(&s, CREATE("busy", "busy-a")), u), 36);
		pid = start_remover(remove);
		for (int i = 0; i < 2000000 && exists(remove); i++)
			;
		for (int i = 0; i < 2000; i++)
			seen += exists(remove);
		ck_assert_msg(!seen, "round %d: remove back %d times", round, seen);
		kill(pid, SIGUSR1);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == EINTR,
			      "round %d: remover status %d", round, status);
		ck_assert_int_eq(put(remove, "1"), 1);
	}
	mdevfs_stop(&s);
}
END_TEST

START_TEST(stop_with_live_devices)
{
	struct mdevfs s;
	int status;

	for (int i = 0; i < 3; i++)
		create_mtty("mtty-1");
	mdevfs_start(&s, NULL, NULL);
	ck_assert_int_eq(put(at(&s, CREATE("mdpy", "mdpy-vga")), uuid_new()), 36);
	status = mdevfs_wait(&s, SIGINT);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	mdevfs_start(&s, NULL, NULL);
	ck_assert_int_eq(put(at(&s, CREATE("mdpy", "mdpy-vga")), uuid_new()), 36);
	if (fork() == 0) {
		execlp("fusermount3", "fusermount3", "-u", s.dir, (char *)NULL);
		_exit(127);
	}
	status = mdevfs_wait(&s, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	wait(NULL);
}
END_TEST

/* `mdevfs ctl hold UUID`, returned once it holds (it says so); its
 * output stays open in *@said, or it would die writing its requests. */
static pid_t start_holder(struct mdevfs *s, const char *uuid, FILE **said)
{
	char line[128] = "";
	int out[2];
	pid_t pid;
	FILE *f;

	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		execl(MDEVFS_BIN, MDEVFS_BIN, "ctl", "-m", s->dir, "hold", uuid,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert_msg(!strncmp(line, "holding ", 8), "ctl hold said %s", line);
	*said = f;
	return pid;
}

/* A stop while a remove waits for a holder: the holder is let go, the
 * remove finishes and the daemon exits (the wait runs on a writer thread,
 * never on a FUSE worker, whose loop must end first). */
START_TEST(stop_while_remove_waits_for_holder)
{
	struct mdevfs s;
	char *u, *remove;
	pid_t holder, remover;
	FILE *said;
	int status;

	mdevfs_start(&s, NULL, NULL);
	u = uuid_new();
	remove = at(&s, "bus/mdev/devices/%s/remove", u);
	ck_assert_int_eq(put(at(&s, CREATE("mtty", "mtty-1")), u), 36);
	holder = start_holder(&s, u, &said);
	remover = start_remover(remove);
	for (int i = 0; i < 1000 && exists(remove); i++)
		usleep(2000);
	ck_assert(!exists(remove));
	usleep(100000);
	ck_assert_int_eq(waitpid(remover, &status, WNOHANG), 0);

	status = mdevfs_wait(&s, SIGTERM);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "mdevfs exit status %d", status);
	ck_assert_int_eq(waitpid(remover, &status, 0), remover);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "remover: status %d", status);
	ck_assert_int_eq(waitpid(holder, &status, 0), holder);
	fclose(said);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs-remove");
	TCase *tc = tcase_create("remove");

	harness_require_private_namespaces();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, device_links);
	tcase_add_test(tc, vfio_numbers_reused);
	tcase_add_test(tc, remove_values);
	tcase_add_test(tc, removed_is_gone_from_caches);
	tcase_add_test(tc, fd_of_removed_device);
	tcase_add_test(tc, racing_removers);
	tcase_add_test(tc, remove_during_create);
	tcase_add_test(tc, slow_vendor_holds_nothing_up);
	tcase_add_test(tc, busy_device_remove_interrupted);
	tcase_add_test(tc, busy_remove_file_vanishes_once);
	tcase_add_test(tc, stop_with_live_devices);
	tcase_add_test(tc, stop_while_remove_waits_for_holder);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
