// SPDX-License-Identifier: MIT
#include <stdatomic.h>

#include "kobj.h"
#include "sysfs.h"

/* Ids start at 1: 0 would make st_ino 0 for the root's entries. */
static atomic_uint_fast64_t next_id = 1;

void kobj_init(struct kobj *obj, const struct kobj_type *ktype)
{
	obj->ktype = ktype;
	atomic_init(&obj->refs, 1);
	obj->id = atomic_fetch_add(&next_id, 1);
	obj->flags = 0;
	clock_gettime(CLOCK_REALTIME, &obj->ctime);
}

struct kobj *kobj_get(struct kobj *obj)
{
	atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
	return obj;
}

void kobj_put(struct kobj *obj)
{
	if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) != 1)
		return;
	sysfs_forget_obj(obj);
	if (obj->ktype->release)
		obj->ktype->release(obj);
}
