/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_BACKENDS_H
#define MDEVFS_BACKENDS_H

#include <mdevfs/backend.h>

/* The backend called @name, or NULL. */
const struct mdevfs_backend *backend_find(const char *name);
/* "a, b, c": the names a configuration may use. */
const char *backend_names(void);

extern const struct mdevfs_backend sample_backend;
extern const struct mdevfs_backend passthrough_backend;
extern const struct mdevfs_backend callout_backend;

#endif /* MDEVFS_BACKENDS_H */
