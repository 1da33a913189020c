/* SPDX-License-Identifier: MIT */
/* Unit-test helpers: the tree by path, through the same sysfs calls the
 * FUSE layer makes (without the kernel in between). */
#ifndef MDEVFS_TREE_HELPERS_H
#define MDEVFS_TREE_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

#include "host_record.h"
#include "mdev.h"
#include "mdev_private.h"
#include "sysfs.h"

/* The core with the recording host (host_record.h), which forgot every
 * call and calls @on_uevent (NULL: nothing) before recording a uevent. */
void tree_core_init_with(void (*on_uevent)(const struct uevent *ev));
void tree_core_init(void); /* a test fixture: no hook */
/* Loads @conf (NULL: the built-in samples), adds and registers it. */
GPtrArray *tree_setup(const char *conf);
GPtrArray *tree_setup_with(const char *conf,
			   void (*on_uevent)(const struct uevent *ev));
void tree_teardown(GPtrArray *parents);
struct mdevfs_parent *tree_parent(GPtrArray *parents, const char *name);
struct mdevfs_type *tree_type(struct mdevfs_parent *parent, const char *id);

int tree_node(const char *path, struct sysfs_node *node); /* 0 or -ENOENT */
bool tree_exists(const char *path);
/* show/store like the FUSE layer: at most a page, NUL-terminated, for a
 * store context of its own or @sc. */
ssize_t tree_write(const char *path, const char *buf, size_t len);
ssize_t tree_write_for(const char *path, const char *buf, size_t len,
		       struct mdev_store_ctx *sc);
ssize_t tree_puts(const char *path, const char *s);
/* The value shown, without its newline; NULL on error (errno set). */
char *tree_read(const char *path);
long tree_read_long(const char *path);
char *tree_readlink(const char *path);
/* Sorted names in a directory (without . and ..), space-separated. */
char *tree_ls(const char *path);
unsigned int tree_count(const char *path);

/* create a device: the errno (0 on success) */
int tree_create(const char *parent, const char *type, const char *uuid);
int tree_remove(const char *uuid);
int tree_remove_for(const char *uuid, struct mdev_store_ctx *sc);
char *new_uuid(void);

#endif
