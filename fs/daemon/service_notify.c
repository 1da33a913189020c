// SPDX-License-Identifier: MIT
/*
 * The service manager's notification protocol (sd_notify(3)), spoken
 * directly: one AF_UNIX datagram of "KEY=VALUE" lines per message, to the
 * address in $NOTIFY_SOCKET, a path or '@' for the abstract namespace.
 * The protocol is documented as stable for that reason, and speaking it
 * here costs less than libsystemd would: sd_notify() opens a socket and
 * connects for every message, which after the privileges drop and from a
 * thread that reports every change is not what this needs; here the socket
 * is connected once, as root, before anything runs, and each message is
 * one send().  Without $NOTIFY_SOCKET every call is a no-op.
 *
 * The manager tells senders apart by the pid the kernel attaches: the
 * daemon's own (threads send as their process), so the unit runs
 * `mdevfs -f` and its main process is the one that notifies.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "service_notify.h"

static struct {
	int fd;                 /* connected to $NOTIFY_SOCKET; -1: none */
	int changed_fd;         /* eventfd: the counts may have changed */
	int stop_fd;            /* eventfd: the status thread ends */
	atomic_bool pending;    /* changed_fd was written, not yet read */
	atomic_bool reporting;  /* the status thread runs */
	pthread_t thread;
	struct daemon *d;
	unsigned int parents, devices; /* last sent; the status thread's */
} sn = { .fd = -1, .changed_fd = -1, .stop_fd = -1 };

/* The address in @env: a path, or @name in the abstract namespace. */
static int notify_address(const char *env, struct sockaddr_un *sa,
			  socklen_t *len)
{
	size_t n = strlen(env);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((env[0] != '/' && env[0] != '@') || n < 2 ||
	    n > sizeof(sa->sun_path) - 1)
		return -1;
	memcpy(sa->sun_path, env, n);
	if (env[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

void service_notify_open(void)
{
	g_autofree char *env = g_strdup(getenv("NOTIFY_SOCKET"));
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (!env)
		return;
	unsetenv("NOTIFY_SOCKET");
	if (notify_address(env, &sa, &len)) {
		log_warn("NOTIFY_SOCKET=%s: not a unix socket path or "
			 "@abstract name; the service manager is not told", env);
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len)) {
		log_warn("NOTIFY_SOCKET=%s: %s; the service manager is not told",
			 env, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	sn.fd = fd;
}

/* One message; a manager that is gone loses it, nothing else changes. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (send(sn.fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		log_dbg("NOTIFY_SOCKET: %s", g_strerror(errno));
}

/* STATUS= if the counts are not what was last said. */
static void say_status(void)
{
	unsigned int parents = parents_count(sn.d);
	unsigned int devices = mdev_device_count();

	if (parents == sn.parents && devices == sn.devices)
		return;
	sn.parents = parents;
	sn.devices = devices;
	say("STATUS=serving devices=%u parents=%u", devices, parents);
}

/* Each change wakes it; after a message it waits SERVICE_STATUS_MS, so a
 * storm of creates costs ten messages a second, the last with the end. */
static void *status_main(void *arg)
{
	struct pollfd fds[] = {
		{ .fd = sn.changed_fd, .events = POLLIN },
		{ .fd = sn.stop_fd, .events = POLLIN },
	};
	uint64_t n;

	(void)arg;
	for (;;) {
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		(void)!read(sn.changed_fd, &n, sizeof(n));
		atomic_store(&sn.pending, false);
		say_status();
		if (poll(&fds[1], 1, SERVICE_STATUS_MS) != 0)
			break;
	}
	return NULL;
}

void service_notify_ready(struct daemon *d)
{
	if (sn.fd < 0)
		return;
	sn.d = d;
	sn.parents = parents_count(d);
	sn.devices = mdev_device_count();
	say("READY=1\nMAINPID=%d\nSTATUS=serving devices=%u parents=%u",
	    (int)getpid(), sn.devices, sn.parents);
	sn.changed_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sn.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (sn.changed_fd < 0 || sn.stop_fd < 0 ||
	    thread_spawn(&sn.thread, status_main, NULL)) {
		log_warn("cannot start the service status thread: STATUS= "
			 "stays as it is");
		return;
	}
	atomic_store(&sn.reporting, true);
}

void service_notify_changed(void)
{
	uint64_t one = 1;

	if (!atomic_load(&sn.reporting) || atomic_exchange(&sn.pending, true))
		return;
	(void)!write(sn.changed_fd, &one, sizeof(one));
}

static void stop_reporting(void)
{
	uint64_t one = 1;

	if (atomic_exchange(&sn.reporting, false)) {
		(void)!write(sn.stop_fd, &one, sizeof(one));
		pthread_join(sn.thread, NULL);
	}
}

void service_notify_stopping(void)
{
	if (sn.fd < 0)
		return;
	stop_reporting();
	say("STOPPING=1\nSTATUS=stopping: %u devices to remove",
	    mdev_device_count());
}

void service_notify_close(void)
{
	stop_reporting();
	if (sn.changed_fd >= 0)
		close(sn.changed_fd);
	if (sn.stop_fd >= 0)
		close(sn.stop_fd);
	if (sn.fd >= 0)
		close(sn.fd);
	sn.fd = sn.changed_fd = sn.stop_fd = -1;
}
