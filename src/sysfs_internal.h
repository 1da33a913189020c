/* SPDX-License-Identifier: MIT */
/* What sysfs.c shares with sysfs_readdir.c; the caller holds sysfs_rwsem. */
#ifndef MDEVFS_SYSFS_INTERNAL_H
#define MDEVFS_SYSFS_INTERNAL_H

#include "sysfs.h"

/* The directory holding @n; false for the root. */
bool sysfs_container(struct sysfs_node n, struct sysfs_node *dir);
/* Is table entry @slot of @dir.obj a visible child of @dir? */
bool sysfs_is_own_child(struct sysfs_node dir, unsigned int slot);
/* @dir's entry if it is a visible directory, else NULL. */
const struct sysfs_entry *sysfs_visible_dir(struct sysfs_node dir);

#endif /* MDEVFS_SYSFS_INTERNAL_H */
