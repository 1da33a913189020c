// SPDX-License-Identifier: MIT
/* The backends built into mdevfs, by name. */
#include <string.h>

#include "backends.h"
#include "macro.h"

static const struct mdevfs_backend *const builtin[] = {
	&sample_backend,
	&passthrough_backend,
	&callout_backend,
};

const struct mdevfs_backend *backend_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtin); i++)
		if (!strcmp(builtin[i]->name, name))
			return builtin[i];
	return NULL;
}

const char *backend_names(void)
{
	return "sample, passthrough, callout";
}
