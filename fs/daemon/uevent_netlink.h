/* SPDX-License-Identifier: MIT */
/*
 * Sending uevents over NETLINK_KOBJECT_UEVENT, by two routes:
 *
 *   kernel (K): a request to the kernel, which adds its own SEQNUM and sends
 *     it on group 1 as a kernel event: `udevadm monitor --kernel`, libudev
 *     "kernel" monitors and udevd itself (so udev rules run).
 *   udev (U): a broadcast on group 2 in udevd's own format: `udevadm
 *     monitor --udev`, libudev/sd-device, GUdev, pyudev, libvirt.
 *
 * Both reach only the network namespace mdevfs runs in.  A failure never
 * fails or delays anything: it is counted, and logged once per cause.
 */
#ifndef MDEVFS_UEVENT_NETLINK_H
#define MDEVFS_UEVENT_NETLINK_H

#include <stdint.h>

#include "uevent.h"

enum {
	UEVENT_ROUTE_KERNEL = 1 << 0,
	UEVENT_ROUTE_UDEV = 1 << 1,
	UEVENT_ROUTES_DEFAULT = 1 << 2, /* uevent_routes_default() when opened */
};

/* "kernel", "udev", "kernel,udev" or "none": 0 or -EINVAL. */
int uevent_routes_parse(const char *list, unsigned int *routes);
/* udev; kernel too when mdevfs has a network namespace of its own, where
 * no host udevd can take emulated devices for real ones: not PID 1's, or,
 * when PID 1's cannot be seen, one with no interface but loopback. */
unsigned int uevent_routes_default(void);
/* "kernel,udev" and the like, for messages. */
const char *uevent_routes_name(unsigned int routes);

int uevent_netlink_open(unsigned int routes);
/* Called from one thread only (the notifier). */
void uevent_netlink_send(const struct uevent *ev);
/* Logs what was sent and what failed, and closes the socket. */
void uevent_netlink_close(void);
/* The routes open now (UEVENT_ROUTE_*): none if the socket failed. */
unsigned int uevent_netlink_routes(void);

struct uevent_counts {
	uint64_t sent[2], failed[2]; /* by route: 0 kernel, 1 udev */
};
void uevent_netlink_counts(struct uevent_counts *counts);

/* The hash udev's monitors filter subsystems by (MurmurHash2, seed 0). */
uint32_t uevent_subsystem_hash(const char *s);

#endif /* MDEVFS_UEVENT_NETLINK_H */
