/* SPDX-License-Identifier: MIT */
/* Telling a service manager (systemd's Type=notify) how the daemon is:
 * READY=1, STATUS= with its counts, STOPPING=1 (service_notify.c). */
#ifndef MDEVFS_SERVICE_NOTIFY_H
#define MDEVFS_SERVICE_NOTIFY_H

struct daemon;

/* $NOTIFY_SOCKET connected, and taken out of the environment so that
 * no callout inherits it; nothing happens without it.  First thing, as
 * root, with one thread. */
void service_notify_open(void);
/* The tree is mounted and complete and the control socket serves:
 * READY=1, then STATUS= whenever the counts change, at most every
 * SERVICE_STATUS_MS (a thread of its own, so after the privileges
 * dropped). */
void service_notify_ready(struct daemon *d);
/* The counts may have changed: cheap, never blocks, any thread. */
void service_notify_changed(void);
/* STOPPING=1 with what is left to remove; STATUS= updates end. */
void service_notify_stopping(void);
void service_notify_close(void);

#define SERVICE_STATUS_MS 100

#endif /* MDEVFS_SERVICE_NOTIFY_H */
