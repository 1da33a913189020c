/* SPDX-License-Identifier: MIT */
/* The configuration file: which parents exist, their types and backends.
 * See docs/configuration.md. */
#ifndef MDEVFS_CONFIG_H
#define MDEVFS_CONFIG_H

#include <stdbool.h>

#include <glib.h>

struct mdevfs_backend;

/* The backends a configuration may name (backend = NAME), NULL at the
 * end; the list must outlive every configuration.  Called once at start. */
void config_set_backends(const struct mdevfs_backend *const *list);

/* The built-in default, examples/samples.conf embedded at build time. */
extern const char mdevfs_samples_conf[];
#define SAMPLES_CONF_NAME "<built-in samples.conf>"

/* Builds the parents of @path (the built-in samples when NULL), not yet
 * added to the tree.  Returns 0, or -EINVAL after reporting every problem
 * found with file, line and key. */
int config_load(const char *path, GPtrArray **parents);
/* The same from text, for tests; @name is used in messages. */
int config_load_text(const char *name, const char *text, GPtrArray **parents);
void config_free_parents(GPtrArray *parents);

#endif /* MDEVFS_CONFIG_H */
