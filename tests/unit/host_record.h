/* SPDX-License-Identifier: MIT */
/* Unit-test helper: a host (mdev_host.h) that records what the core asks
 * of it, in order, so tests can assert on invalidations, uevents and gone
 * parents as the daemon would see them. */
#ifndef MDEVFS_HOST_RECORD_H
#define MDEVFS_HOST_RECORD_H

#include <stdbool.h>

#include <glib.h>

#include "mdev_host.h"

/* The recording host: give it to mdev_core_init().  Each call is one
 * line, recorded with the store context it came with:
 *   "gone DIR/NAME"       an entry vanished (paths from the root)
 *   "uevent ACTION DEVPATH SUBSYSTEM [VAR ...]"
 *   "parent_gone NAME" */
extern const struct mdev_host_ops host_record_ops;

/* Forgets every call; @on_uevent (NULL: none) is called before each
 * uevent is recorded, to look at the tree as it is when it is sent. */
void host_record_reset(void (*on_uevent)(const struct uevent *ev));
guint host_record_count(void);
/* The calls from @from on whose line starts with @prefix ("" for all),
 * without the prefix, each followed by " (store)" if @mark_stores and it
 * came with a store context, and a newline. */
char *host_record_since(guint from, const char *prefix, bool mark_stores);
/* The store context call @i came with (NULL: none). */
const struct mdev_store_ctx *host_record_store(guint i);

#endif
