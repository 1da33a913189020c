/* SPDX-License-Identifier: MIT */
/* Small helpers used everywhere: cleanup attributes in the style of LXCFS's
 * memory_utils.h, container_of, ARRAY_SIZE. */
#ifndef MDEVFS_MACRO_H
#define MDEVFS_MACRO_H

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* sysfs attributes are one page; so are the writes a store handler sees. */
#define PAGE_SIZE 4096

static inline void free_ptr(void *p)
{
	free(*(void **)p);
}

static inline void close_fd(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* `__do_free char *s = NULL;` is freed when it goes out of scope;
 * `move_ptr(s)` hands ownership out. */
#define __do_free __attribute__((cleanup(free_ptr)))
#define __do_close __attribute__((cleanup(close_fd)))

#define move_ptr(ptr)                         \
	({                                    \
		__typeof__(ptr) __tmp = (ptr); \
		(ptr) = NULL;                 \
		__tmp;                        \
	})

#endif /* MDEVFS_MACRO_H */
