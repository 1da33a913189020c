// SPDX-License-Identifier: MIT
/*
 * Uevent latency: from a `create` write returning to a netlink monitor in
 * this network namespace receiving the device's `bind`, on both routes
 * (group 1, the kernel's, and group 2, udevd's; docs/uevents.md).  One
 * create at a time, each waited for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "bench.h"

enum { KERNEL, UDEV, NROUTES };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char uuid[37];          /* the device waited for; lock */
	double got[NROUTES];    /* when its bind arrived, or 0; lock */
	atomic_bool stop;
	int fd;
} mon = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* The DEVPATH's last component if @msg is a bind, else NULL. */
static const char *bind_of(const char *msg, size_t len)
{
	const char *devpath = NULL;
	bool is_bind = false;

	for (size_t i = 0; i < len; i += strnlen(msg + i, len - i) + 1) {
		if (!strcmp(msg + i, "ACTION=bind"))
			is_bind = true;
		else if (!strncmp(msg + i, "DEVPATH=", 8))
			devpath = msg + i;
	}
	if (!is_bind || !devpath)
		return NULL;
	return strrchr(devpath, '/') + 1;
}

static void *monitor_main(void *arg)
{
	static char buf[16384];

	(void)arg;
	while (!atomic_load(&mon.stop)) {
		ssize_t n = recv(mon.fd, buf, sizeof(buf) - 1, 0);
		double t = now_ms();
		const char *uuid;

		if (n <= 0)
			continue; /* the receive timeout: look at stop */
		buf[n] = '\0';
		uuid = bind_of(buf, (size_t)n);
		if (!uuid)
			continue;
		pthread_mutex_lock(&mon.lock);
		if (!strcmp(uuid, mon.uuid)) {
			mon.got[memcmp(buf, "libudev", 8) != 0 ? KERNEL : UDEV] = t;
			pthread_cond_signal(&mon.cond);
		}
		pthread_mutex_unlock(&mon.lock);
	}
	return NULL;
}

static void monitor_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 | 2 };
	struct timeval tv = { .tv_usec = 100000 };
	int size = 8 << 20;

	mon.fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (mon.fd < 0 || bind(mon.fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("uevent monitor: %s", strerror(errno));
	setsockopt(mon.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(mon.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Until both binds of the current device arrived: false after 2 s. */
static bool wait_binds(void)
{
	struct timespec deadline;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&mon.lock);
	while (ok && (!mon.got[KERNEL] || !mon.got[UDEV]))
		ok = pthread_cond_timedwait(&mon.cond, &mon.lock, &deadline) == 0;
	pthread_mutex_unlock(&mon.lock);
	return ok;
}

void bench_uevents(FILE *md, struct daemon *m)
{
	static const char *const names[] = { "kernel (group 1)", "udev (group 2)" };
	int n = (int)(400 * bench_scale) + 100;
	struct samples after[NROUTES] = { { 0 } }, from[NROUTES] = { { 0 } };
	int before[NROUTES] = { 0 };
	char path[256];
	pthread_t thread;

	monitor_open();
	pthread_create(&thread, NULL, monitor_main, NULL);
	create_path(path, sizeof(path), m, 0);
	for (int i = 0; i < n; i++) {
		double t0, t_ret;

		pthread_mutex_lock(&mon.lock);
		uuid_next(mon.uuid);
		mon.got[KERNEL] = mon.got[UDEV] = 0;
		pthread_mutex_unlock(&mon.lock);
		t0 = now_ms();
		if (write_str(path, mon.uuid, &t_ret))
			die("uevents: create failed");
		if (!wait_binds())
			die("uevents: no bind on %s for %s",
			    mon.got[KERNEL] ? "the udev route" : "the kernel route", mon.uuid);
		for (int r = 0; r < NROUTES; r++) {
			samples_add(&after[r], mon.got[r] - t_ret);
			samples_add(&from[r], mon.got[r] - t0);
			before[r] += mon.got[r] < t_ret;
		}
		if (remove_dev(m, mon.uuid))
			die("uevents: remove failed");
	}
	atomic_store(&mon.stop, true);
	pthread_join(thread, NULL);
	close(mon.fd);

	fprintf(md, "| route | creates | `bind` after write() returned: p50 (µs) | p99 (µs) | max (µs) | after write() was called: p50 (µs) | p99 (µs) | arrived before write() returned |\n");
	fprintf(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int r = 0; r < NROUTES; r++) {
		results.uevent_p99[r] = samples_pct(&after[r], 99);
		fprintf(md, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %d%% |\n",
			names[r], n, samples_pct(&after[r], 50) * 1000,
			samples_pct(&after[r], 99) * 1000,
			samples_pct(&after[r], 100) * 1000,
			samples_pct(&from[r], 50) * 1000, samples_pct(&from[r], 99) * 1000,
			100 * before[r] / n);
		samples_free(&after[r]);
		samples_free(&from[r]);
	}
	fprintf(md, "\nNegative: the event was received before the writer's "
		"write() returned (mdevfs sends it from the notifier thread "
		"before the write's reply, as the kernel sends it during the "
		"write).\n\n");
}
