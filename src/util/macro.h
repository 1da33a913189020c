/* SPDX-License-Identifier: MIT */
/* Small helpers used everywhere: container_of, ARRAY_SIZE, move_ptr.
 * Scope cleanup is GLib's (g_autofree, g_autoptr). */
#ifndef MDEVFS_MACRO_H
#define MDEVFS_MACRO_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* sysfs attributes are one page; so are the writes a store handler sees. */
#define PAGE_SIZE 4096

/* Hands ownership of @ptr out, leaving NULL behind. */
#define move_ptr(ptr)                         \
	({                                    \
		__typeof__(ptr) __tmp = (ptr); \
		(ptr) = NULL;                 \
		__tmp;                        \
	})

#endif /* MDEVFS_MACRO_H */
