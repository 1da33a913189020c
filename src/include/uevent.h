/* SPDX-License-Identifier: MIT */
/*
 * Uevents: what the kernel tells udev when a device appears, binds, goes.
 * The core builds them at the points the kernel sends them and gives them
 * to its host (mdev_host.h: the daemon queues them behind the cache
 * invalidations of the same change, then sends them over netlink; tests
 * record them).
 */
#ifndef MDEVFS_UEVENT_H
#define MDEVFS_UEVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* The kernel's enum kobject_action; names in uevent_action_names[]. */
enum kobject_action {
	KOBJ_ADD, KOBJ_REMOVE, KOBJ_CHANGE, KOBJ_MOVE, KOBJ_ONLINE,
	KOBJ_OFFLINE, KOBJ_BIND, KOBJ_UNBIND,
};

struct uevent {
	enum kobject_action action;
	char *devpath;    /* "/devices/virtual/mtty/mtty/<uuid>" */
	char *subsystem;  /* "mdev" */
	GPtrArray *env;   /* further KEY=VALUE, in the kernel's order */
};

struct uevent *uevent_new(enum kobject_action action, const char *devpath,
			  const char *subsystem);
void uevent_add_var(struct uevent *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void uevent_free(struct uevent *ev);
const char *uevent_action_name(enum kobject_action action);

/* Builds the event an object sends for @action, with @extra (NULL or
 * NULL-terminated KEY=VALUEs) right after SUBSYSTEM, as the kernel puts a
 * caller's variables before the subsystem's. */
struct kobj;
typedef struct uevent *(*uevent_build_t)(struct kobj *obj,
					 enum kobject_action action,
					 const char *const *extra);

/* A write to a uevent file (kobject_synth_uevent()): parses @buf and
 * builds the event with SYNTH_UUID and SYNTH_ARG_*, for the caller to
 * send.  NULL: @buf is invalid (-EINVAL). */
struct uevent *uevent_synth(struct kobj *obj, uevent_build_t build,
			    const char *buf, size_t count);

#endif /* MDEVFS_UEVENT_H */
