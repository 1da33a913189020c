// SPDX-License-Identifier: MIT
/* The backends known by name, as the host gave them: the kernel's mdev
 * core knows no vendor either until the vendor registers. */
#include <string.h>

#include <glib.h>

#include "backends.h"
#include "config.h"

/* Set once at start, before any configuration is read; read-only after. */
static const struct mdevfs_backend *const *known;
static char *known_names;

void config_set_backends(const struct mdevfs_backend *const *list)
{
	GString *names = g_string_new(NULL);

	for (size_t i = 0; list && list[i]; i++)
		g_string_append_printf(names, "%s%s", i ? ", " : "", list[i]->name);
	g_free(known_names);
	known_names = g_string_free(names, FALSE);
	known = list;
}

const struct mdevfs_backend *backend_find(const char *name)
{
	for (size_t i = 0; known && known[i]; i++)
		if (!strcmp(known[i]->name, name))
			return known[i];
	return NULL;
}

const char *backend_names(void)
{
	return known_names ? known_names : "";
}
