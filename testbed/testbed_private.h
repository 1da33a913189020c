/* SPDX-License-Identifier: MIT */
/* What the testbed's files share (include/mdevfs/testbed.h is the API). */
#ifndef MDEVFS_TESTBED_PRIVATE_H
#define MDEVFS_TESTBED_PRIVATE_H

#include <stdbool.h>

#include "mdevfs/testbed.h"

struct _MdevTestbed {
	GPid spawned;         /* unshare, the daemon's parent */
	pid_t pid;            /* the daemon, in its namespaces */
	char *root;           /* /proc/PID/root/sys */
	int user_fd;          /* its user namespace */
	int net_fd;           /* its network namespace */
	int uevent_fd;        /* netlink, the kernel's group, in it */
	int log_fd;           /* its stderr, kept for the errors */
	GHashTable *holds;    /* UUID -> the connection that holds it */
};

enum tree_socket { TREE_SOCKET_UEVENT, TREE_SOCKET_CONTROL };

/* A socket made in the daemon's network namespace: the netlink socket of
 * uevents or a connection to the control socket.  Its fd, or -1. */
int testbed_socket(MdevTestbed *tb, enum tree_socket kind, GError **error);
/* One control request (`mdevfs ctl ARGS`, @input after it for register).
 * With @hold_fd, a hold: the connection that keeps it, once the daemon
 * says it holds. */
bool testbed_ctl(MdevTestbed *tb, const char *const *args, const char *input,
		 int *hold_fd, GError **error);

#endif /* MDEVFS_TESTBED_PRIVATE_H */
