/* SPDX-License-Identifier: MIT */
/*
 * libmdevfs-testbed: a private mdev sysfs tree for a test, in two lines.
 *
 *	g_autoptr(MdevTestbed) tb = mdev_testbed_new(NULL, &error);
 *	g_autofree char *uuid = mdev_testbed_create(tb, "mtty", "mtty-1", NULL, &error);
 *
 * pkg-config mdevfs-testbed.  What the tree serves is an mdevfs
 * configuration (docs/configuration.md; NULL: the kernel's sample drivers).
 *
 * The tree is served by a child mdevfs in a user, mount, network and pid
 * namespace of its own (`unshare -Urmnp`), where it is mounted on /sys;
 * the user namespace also for root, since the kernel broadcasts the
 * host's device events to every network namespace the host's user
 * namespace owns.  A child
 * rather than a daemon thread in the test: the test's process is never
 * changed (no namespace joined, no signal handler, no FUSE loop in it), a
 * crash in one is not the other's, and the child goes with the test
 * however it ends: it is killed when the thread that made the testbed
 * dies (PR_SET_PDEATHSIG), whatever runs in its pid namespace goes with
 * it, and its mounts live only in its own namespace, so nothing is left
 * mounted and no uevent reaches the host.  So: make the testbed on the
 * thread that lives as long as the test.
 *
 * The test reaches the tree through mdev_testbed_get_root(), a path
 * (/proc/PID/root/sys) into the child's namespace; uevents are heard and
 * `mdevfs ctl` requests made over sockets opened inside it.  Programs that
 * must see the tree at /sys run inside: `nsenter -t PID -U -m -n -p
 * --preserve-credentials`, with PID from mdev_testbed_get_pid(); only the
 * tree is at /sys there.
 *
 * Every call that can fail takes a GError; the message names the problem
 * in one line, with the kernel's or the daemon's own words.  Not
 * thread-safe: one thread uses a testbed at a time.
 */
#ifndef MDEVFS_TESTBED_H
#define MDEVFS_TESTBED_H

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MdevTestbed MdevTestbed;

#define MDEV_TESTBED_ERROR (mdev_testbed_error_quark())
GQuark mdev_testbed_error_quark(void);

typedef enum {
	MDEV_TESTBED_ERROR_START,    /* the tree could not be started */
	MDEV_TESTBED_ERROR_REFUSED,  /* the tree or the daemon said no */
	MDEV_TESTBED_ERROR_TIMEOUT,  /* no such uevent in time */
} MdevTestbedError;

/* A running tree serving @config (a configuration's text; NULL: the
 * built-in sample drivers).  The mdevfs program is $MDEVFS, else the
 * installed one. */
MdevTestbed *mdev_testbed_new(const char *config, GError **error);
/* The same, from the configuration file @path. */
MdevTestbed *mdev_testbed_new_from_file(const char *path, GError **error);
/* Kills the daemon and waits for it: its namespaces go, with everything
 * that runs and is mounted in them.  NULL is ignored. */
void mdev_testbed_free(MdevTestbed *tb);

/* The tree's root, a path to give code that takes a sysfs root: it has
 * class/mdev_bus, bus/mdev, devices, kernel/iommu_groups. */
const char *mdev_testbed_get_root(MdevTestbed *tb);
/* The daemon's pid, whose namespaces hold the tree at /sys. */
pid_t mdev_testbed_get_pid(MdevTestbed *tb);

/* A device of @type (its directory name, "mtty-2") on @parent, as a write
 * of its UUID to `create`: @uuid, or a new one when NULL.  Its UUID, or
 * NULL with the kernel's errno in the message. */
char *mdev_testbed_create(MdevTestbed *tb, const char *parent,
			  const char *type, const char *uuid, GError **error);
/* `echo 1 > remove`; waits while the device is held. */
gboolean mdev_testbed_remove(MdevTestbed *tb, const char *uuid, GError **error);

/* Parents plugged and unplugged at run time (`mdevfs ctl register`,
 * `unregister`): @config is a configuration's text. */
gboolean mdev_testbed_add_parents(MdevTestbed *tb, const char *config,
				  GError **error);
gboolean mdev_testbed_remove_parent(MdevTestbed *tb, const char *name,
				    GError **error);
/* Keeps a device in use as a VM would (`mdevfs ctl hold`) until
 * mdev_testbed_release() or the testbed's end. */
gboolean mdev_testbed_hold(MdevTestbed *tb, const char *uuid, GError **error);
gboolean mdev_testbed_release(MdevTestbed *tb, const char *uuid, GError **error);
/* `mdevfs ctl fault PARENT TYPE SETTINGS`: @settings is space-separated
 * KEY=VALUE ("probe_fail_percent=100 probe_fail_errno=EIO"); @type may
 * be "*". */
gboolean mdev_testbed_fault(MdevTestbed *tb, const char *parent,
			    const char *type, const char *settings,
			    GError **error);

/* The next uevent (as the kernel broadcasts it, what udevd hears) since
 * the tree started or the last one returned, skipping those that do not
 * match: @action ("add", "bind"), @subsystem ("mdev") and @property
 * ("KEY=VALUE", "MDEV_STATE=registered"), each NULL for any.  Its
 * properties (ACTION, DEVPATH, SUBSYSTEM, SEQNUM, ...: a table of
 * strings), or NULL after @timeout_ms with MDEV_TESTBED_ERROR_TIMEOUT. */
GHashTable *mdev_testbed_wait_uevent(MdevTestbed *tb, const char *action,
				     const char *subsystem,
				     const char *property, int timeout_ms,
				     GError **error);

/* cppcheck-suppress unknownMacro ; GLib's, which it is not told of */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdevTestbed, mdev_testbed_free)

G_END_DECLS

#endif /* MDEVFS_TESTBED_H */
