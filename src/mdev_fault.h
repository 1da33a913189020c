/* SPDX-License-Identifier: MIT */
/*
 * Fault injection through the core, for any backend: per type, a slow or
 * flaky vendor (create and remove latency, a share of probes failing
 * with a chosen errno); per parent, a vendor that vanishes (the hardware
 * went away: probes and the vendor's attributes fail with ENODEV and
 * available_instances shows 0, while removes still reach the vendor so
 * that it lets go; `mdevfs ctl vanish` then unplugs the parent;
 * mdev_parent_vanish() in mdev.h).  Set by [type] keys and at run time by
 * `mdevfs ctl fault` (mdev_parent_fault() in mdev.h).
 *
 * The faults are applied by the vendor calls of mdev_vendor.c, the only
 * place that calls a vendor, through the three mdev_fault_*() calls at
 * the end; so they sit exactly where the kernel's driver calls would be.
 * Every key is read, in the configuration and at run time alike, by the
 * one table in mdev_fault.c.
 */
#ifndef MDEVFS_MDEV_FAULT_H
#define MDEVFS_MDEV_FAULT_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>
#include <mdevfs/backend.h>

/* A type's faults; every field may change at any time.  One width for
 * all, so that one table can read and write any of them. */
struct mdev_fault {
	atomic_uint_fast64_t probe_delay_ms;
	atomic_uint_fast64_t remove_delay_ms;
	atomic_uint_fast64_t fail_percent; /* 0..100 */
	atomic_uint_fast64_t fail_errno;   /* positive */
	atomic_uint_fast64_t fail_seq;     /* splitmix64 state */
};

/* The [type] keys: probe_delay_ms, remove_delay_ms, probe_fail_percent,
 * probe_fail_errno, probe_fail_seed.  0 or -EINVAL (reported). */
int mdev_fault_parse(struct mdevfs_type *type, struct mdevfs_settings *s);
/* One KEY=VALUE of the same keys at run time: 0, or -EINVAL after
 * logging why (an unknown key, or a known key's bad value), with the
 * faults unchanged. */
int mdev_fault_set(struct mdevfs_type *type, const char *assignment);
/* Appends "probe_delay_ms=N remove_delay_ms=N probe_fail_percent=N
 * probe_fail_errno=NAME" (the seed is not shown: it moves with every
 * probe). */
void mdev_fault_show(struct mdevfs_type *type, GString *out);

/* For the vendor calls.  The delays sleep on the caller's thread. */
void mdev_fault_probe_delay(struct mdevfs_type *type);
/* 0, or the -errno this probe fails with instead of calling the vendor. */
int mdev_fault_probe_error(struct mdevfs_type *type);
void mdev_fault_remove_delay(struct mdevfs_type *type);

#endif /* MDEVFS_MDEV_FAULT_H */
