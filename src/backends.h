/* SPDX-License-Identifier: MIT */
/* The backends a configuration may name: those its host handed to
 * config_set_backends() (plugins are found by plugins.c instead). */
#ifndef MDEVFS_BACKENDS_H
#define MDEVFS_BACKENDS_H

#include <mdevfs/backend.h>

/* The backend called @name, or NULL. */
const struct mdevfs_backend *backend_find(const char *name);
/* "a, b, c": the names a configuration may use. */
const char *backend_names(void);

#endif /* MDEVFS_BACKENDS_H */
