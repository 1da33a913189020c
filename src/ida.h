/* SPDX-License-Identifier: MIT */
/* The kernel's IDA, for iommu group and vfio-dev numbers: hands out the
 * lowest free non-negative integer, so freed numbers are reused first. */
#ifndef MDEVFS_IDA_H
#define MDEVFS_IDA_H

#include <glib.h>

#include "lock.h"

struct ida {
	struct lock_mutex lock;   /* a leaf (lock.h) */
	GSequence *freed; /* freed numbers below next, sorted; under lock */
	int next;         /* every number >= next is free; under lock */
};

void ida_init(struct ida *ida);
void ida_destroy(struct ida *ida);
int ida_alloc(struct ida *ida);   /* >= 0, or -ENOSPC */
/* Takes exactly @id back (a restart restores the numbers it handed out):
 * @id, -EBUSY if it is taken, -EINVAL if it is negative or INT_MAX. */
int ida_alloc_exact(struct ida *ida, int id);
void ida_free(struct ida *ida, int id);

#endif /* MDEVFS_IDA_H */
