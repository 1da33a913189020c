// SPDX-License-Identifier: MIT
/*
 * `mdevfs run --ready-fd=N [--ready-monitors=M]`: telling whoever started
 * the run (a test harness, with COMMAND in the background) when it may go
 * on, so that it never sleeps to guess.  Once the tree, /dev/vfio, the
 * control socket and the uevent routes are up and COMMAND has started in
 * its namespaces, and (with M) once M uevent monitors listen in the run's
 * network namespace, COMMAND's pid and a newline are written to fd N, and
 * it is closed.  Nothing is written when the run fails or COMMAND ends
 * first: the reader sees the end of the file.  docs/run.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"
#include "run_private.h"

#define NETLINK_UEVENT_PROTO 15 /* NETLINK_KOBJECT_UEVENT */

int run_ready_check(int fd)
{
	if (fd < 0)
		return 0;
	/* COMMAND does not get it (nor any other child of the run's) */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC)) {
		log_err("run: --ready-fd=%d: not an open file descriptor", fd);
		return -1;
	}
	return 0;
}

/* The sockets of /proc/net/netlink (this network namespace's) that listen
 * to the kernel's or udev's uevents.  mdevfs's own send only: none. */
static unsigned int monitors(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned int n = 0;

	if (!g_file_get_contents("/proc/net/netlink", &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		unsigned long long sk;
		int proto;
		unsigned int pid, groups;

		if (sscanf(*l, "%llx %d %u %x", &sk, &proto, &pid, &groups) == 4 &&
		    proto == NETLINK_UEVENT_PROTO && groups)
			n++;
	}
	return n;
}

/* Until @want monitors listen, while @child runs (the signal thread reaps
 * it: then it is gone): true once they do. */
static bool wait_monitors(pid_t child, unsigned int want)
{
	const struct timespec tick = { 0, 10000000L }; /* 10 ms */

	while (monitors() < want) {
		if (kill(child, 0))
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}

void run_ready(int fd, pid_t child, unsigned int want_monitors)
{
	g_autofree char *line = NULL;

	if (fd < 0)
		return;
	if (child > 0 && wait_monitors(child, want_monitors)) {
		line = g_strdup_printf("%d\n", (int)child);
		if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
			log_warn("run: --ready-fd=%d: %s", fd, strerror(errno));
	}
	close(fd);
}
