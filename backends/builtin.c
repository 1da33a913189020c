// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "builtin.h"

const struct mdevfs_backend *const builtin_backends[] = {
	&sample_backend,
	&passthrough_backend,
	&callout_backend,
	NULL,
};
