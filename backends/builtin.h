/* SPDX-License-Identifier: MIT */
/* The backends built into mdevfs.  They see the core only through
 * <mdevfs/backend.h>, as a plugin does; the program hands the table to
 * the core at start (config_set_backends). */
#ifndef MDEVFS_BUILTIN_H
#define MDEVFS_BUILTIN_H

#include <mdevfs/backend.h>

extern const struct mdevfs_backend sample_backend;
extern const struct mdevfs_backend passthrough_backend;
extern const struct mdevfs_backend callout_backend;

/* Every built-in backend, NULL at the end. */
extern const struct mdevfs_backend *const builtin_backends[];

#endif /* MDEVFS_BUILTIN_H */
