/* SPDX-License-Identifier: MIT */
/* An imaginary vendor tool's library: it makes vGPUs through sysfs. */
#ifndef VGPU_TOOL_H
#define VGPU_TOOL_H

/* Creates a device of @type on @parent under @sysfs_root (normally
 * "/sys"); 0 or -errno. */
int vgpu_create(const char *sysfs_root, const char *parent, const char *type,
		const char *uuid);

#endif
