// SPDX-License-Identifier: MIT
/*
 * `mdevfs ctl stop`: the daemon stops as on SIGTERM, and this returns only
 * once it is done: every device removed through its backend, the tree
 * unmounted, the mountpoint free for the next mdevfs, the process gone.
 * fusermount3 -u returns when the unmount is, long before that, so a
 * script that mounts again at once would race the stop.
 *
 * The daemon keeps the connection and writes its exit status on it as its
 * last step (control_end()); then the process is waited for through a
 * pidfd of the socket's peer.  A daemon that stops already (signalled,
 * unmounted) answers "stopping" at once; then it is waited for the same
 * way.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "attr_io.h"
#include "control_protocol.h"
#include "ctl.h"
#include "log.h"

#define EX_NOT_RUNNING 3
#define EX_TIMEOUT 124
/* How often a daemon whose pid cannot be seen is looked for. */
#define POLL_US 20000

struct stop {
	const char *name;
	double timeout;   /* seconds; 0: none */
	gint64 deadline;  /* monotonic µs; 0: none */
	pid_t pid;        /* the daemon, as SO_PEERCRED says; 0: unknown */
	int pidfd;
};

static int parse_options(struct stop *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 0; /* ctl's getopt ran: start again, on stop's arguments */
	while ((c = getopt_long(argc, argv, "+t:", longopts, NULL)) != -1) {
		if (c != 't')
			return -1;
		s->timeout = strtod(optarg, &end);
		if (!*optarg || *end || !(s->timeout >= 0) || s->timeout > 1e6) {
			log_err("ctl: stop --timeout=%s: expected seconds", optarg);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("ctl: stop: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static void find_daemon(struct stop *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	s->pidfd = -1;
	s->pid = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		s->pid = cred.pid;
	/* 0: the daemon's pid namespace is not ours. */
	if (s->pid > 0)
		s->pidfd = pidfd_open(s->pid, 0);
}

/* Milliseconds to the deadline for poll(), -1 without one. */
static int left_ms(const struct stop *s)
{
	gint64 left;

	if (!s->deadline)
		return -1;
	left = s->deadline - g_get_monotonic_time();
	return left <= 0 ? 0 : (int)MIN(left / 1000 + 1, INT32_MAX);
}

/* Until the daemon has exited: 0, or -ETIMEDOUT.  Without its pid, until
 * its name is free, which its last step does. */
static int wait_gone(struct stop *s)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };
	int fd;

	if (s->pidfd >= 0) {
		while (poll(&pfd, 1, left_ms(s)) < 0)
			if (errno != EINTR)
				return -errno;
		return pfd.revents ? 0 : -ETIMEDOUT;
	}
	while ((fd = control_connect(s->name)) >= 0) {
		close(fd);
		if (left_ms(s) == 0)
			return -ETIMEDOUT;
		g_usleep(POLL_US);
	}
	return 0;
}

static int stop_daemon(struct stop *s, int fd)
{
	/* On a terminal, the devices removed so far (CONTROL_PROGRESS). */
	const char *request = isatty(STDERR_FILENO) ?
		CONTROL_PROGRESS " stop\n" : "stop\n";
	g_autoptr(GString) errors = g_string_new(NULL);
	int status;

	find_daemon(s, fd);
	(void)write_all(fd, request, strlen(request));
	shutdown(fd, SHUT_WR);
	status = ctl_print_answer(fd, s->deadline, errors);
	/* That it stops already is no news to who asked for it. */
	if (status != CONTROL_EX_STOPPING)
		fputs(errors->str, stderr);
	if (status == 0 || status == CONTROL_EX_STOPPING)
		status = wait_gone(s) ? -ETIMEDOUT : status;
	if (status == -ETIMEDOUT) {
		log_err("ctl: mdevfs (pid %d) is still stopping after %g s",
			(int)s->pid, s->timeout);
		return EX_TIMEOUT;
	}
	/* Stopping already, now stopped: what was asked for. */
	return status == CONTROL_EX_STOPPING ? 0 : status ? 1 : 0;
}

int ctl_stop(const char *name, int argc, char **argv)
{
	struct stop s = { .name = name };
	int fd, ret;

	if (parse_options(&s, argc, argv))
		return 2;
	if (s.timeout > 0)
		s.deadline = g_get_monotonic_time() + (gint64)(s.timeout * 1e6);
	fd = ctl_connect(name);
	if (fd < 0)
		return fd == -ECONNREFUSED ? EX_NOT_RUNNING : 1;
	ret = stop_daemon(&s, fd);
	if (s.pidfd >= 0)
		close(s.pidfd);
	close(fd);
	return ret;
}
