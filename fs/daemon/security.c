// SPDX-License-Identifier: MIT
/*
 * What the daemon gives up once its tree is mounted (docs/security.md):
 * every capability but the few it still uses, from all five sets, and as
 * root the right to gain privileges by exec.  The FUSE requests and the
 * control socket's commands are served with what is left.
 *
 * Capabilities belong to threads: this runs on the only thread there is,
 * before the FUSE workers, the control socket and the backends' threads
 * start, and they all inherit the result.
 */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>
#include <glib.h>

#include "log.h"
#include "security.h"
#include "uevent_netlink.h"

/* Whether the mounted daemon still uses @cap. */
static bool cap_needed(unsigned int cap)
{
	switch (cap) {
	case CAP_SYS_ADMIN:
		/* libfuse's final unmount: umount2() as root.  Also what
		 * the kernel asks of uevents injected by route K. */
		return true;
	case CAP_NET_ADMIN:
		/* Sending to a NETLINK_KOBJECT_UEVENT multicast group (route
		 * U): that protocol has no NL_CFG_F_NONROOT_SEND. */
		return uevent_netlink_routes() & UEVENT_ROUTE_UDEV;
	default:
		return false;
	}
}

/* Threads started before now keep what they had. */
static unsigned int count_threads(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	unsigned int n = 0;

	while (dir && g_dir_read_name(dir))
		n++;
	return n;
}

int security_drop_privileges(void)
{
	capng_select_t sets = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;
	unsigned int keep[CAP_LAST_CAP + 1], nkeep = 0, threads;
	g_autofree char *kept = NULL;

	if (capng_get_caps_process()) {
		log_err("cannot read the daemon's capabilities");
		return -1;
	}
	/* What it needs and has: a daemon of an ordinary user has none. */
	for (unsigned int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap_needed(cap) && capng_have_capability(CAPNG_PERMITTED, cap))
			keep[nkeep++] = cap;
	/* The bounding set limits what a root child (a callout) gets. */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		sets |= CAPNG_SELECT_BOUNDS;
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int i = 0; i < nkeep; i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_BOUNDING_SET, keep[i]);
	if (capng_apply(sets)) {
		log_err("cannot drop the daemon's capabilities");
		return -1;
	}
	/* Not for an ordinary user: its unmount runs setuid fusermount3. */
	if (geteuid() == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		log_err("cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	threads = count_threads();
	if (threads > 1)
		log_warn("%u threads started before the capabilities were "
			 "dropped keep theirs", threads - 1);
	kept = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	log_info("capabilities kept: %s", kept ? kept : "none");
	return 0;
}
