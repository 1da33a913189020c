/* SPDX-License-Identifier: MIT */
/*
 * Backends loaded from shared objects: `backend = plugin:NAME` (NAME.so in
 * the plugin directory) or `backend = plugin:PATH` (a path with a '/',
 * relative to the configuration file's directory).  See docs/plugins.md.
 */
#ifndef MDEVFS_PLUGINS_H
#define MDEVFS_PLUGINS_H

#include <stddef.h>

#include <mdevfs/backend.h>

#define PLUGIN_PREFIX "plugin:"
/* Overrides the installed plugin directory. */
#define PLUGIN_DIR_ENV "MDEVFS_PLUGIN_DIR"

/* Where plugin:NAME looks: $MDEVFS_PLUGIN_DIR, else LIBDIR/mdevfs/backends
 * of the prefix the executable is in (found from /proc/self/exe). */
const char *plugin_dir(void);

/* The backend of `plugin:@spec` in configuration file @config (NULL or
 * "-" when it has no file, e.g. stdin).  Each file is loaded once and
 * kept for the life of the process.  NULL with *@error set (g_free it)
 * when it cannot be used. */
const struct mdevfs_backend *plugin_backend(const char *spec,
					    const char *config, char **error);

/* The host's check of a table a plugin returned: @b has abi and
 * struct_size (as the plugin was compiled) and the mandatory hooks; it is
 * copied into @out, zeroed first, so hooks the plugin does not know are
 * NULL.  0, or -EINVAL with *@error set (g_free it). */
int plugin_adopt(const struct mdevfs_backend *b, struct mdevfs_backend *out,
		 char **error);

/* The smallest table accepted: up to remove(), the last mandatory hook. */
#define PLUGIN_MIN_SIZE \
	(offsetof(struct mdevfs_backend, remove) + \
	 sizeof(((struct mdevfs_backend *)NULL)->remove))

#endif /* MDEVFS_PLUGINS_H */
