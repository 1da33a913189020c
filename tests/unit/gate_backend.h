/* SPDX-License-Identifier: MIT */
/* A vendor whose probe and remove wait at a gate the test opens: a real
 * backend (the public API), used to hold the core at a chosen point. */
#ifndef MDEVFS_GATE_BACKEND_H
#define MDEVFS_GATE_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <uuid/uuid.h>
#include <mdevfs/backend.h>

#include "mdev.h"

struct mdevfs_parent;

/* A parent "gate<n>" at devices/virtual/gate/gate<n> with one type
 * "gate-a", the core counting @max instances. */
struct mdevfs_parent *gate_parent_new(int n, unsigned int max);

void gate_reset(void);
void gate_close(void);                 /* probes and removes wait */
void gate_open(void);
void gate_wait_in_probe(int count);    /* until @count probes wait */
void gate_wait_in_remove(int count);
void gate_set_probe_error(int err);    /* 0 or -errno */
void gate_set_busy(bool busy);         /* probed devices get a user */
void gate_wait_requests(int count);    /* until @count request() calls */
int gate_requests(void);
int gate_probes(void);                 /* probes that returned */
int gate_removes(void);
int gate_max_parallel(void);           /* most probes inside at once */

/* The fixture: the built-in samples and gate0 (8 instances), added and
 * registered; teardown opens the gate and takes everything down. */
#define GATE "devices/virtual/gate/gate0"
extern struct mdevfs_parent *gate0;
void gate_setup(void);
void gate_teardown(void);
/* Whether gate0's device @uuid has @entry ("" for its directory). */
bool gate_dev_has(const char *uuid, const char *entry);

/* A create, remove or unregistration on a thread of its own, so a test
 * can hold the core at a gate meanwhile.  A remove runs as store @store,
 * so the test can interrupt its waiter. */
struct gate_op {
	pthread_t thread;
	struct mdevfs_parent *parent;
	char uuid[UUID_STR_LEN];
	struct mdev_store_ctx store;
	int ret;                /* 0 or a positive errno */
	bool done;              /* atomic */
};
void *gate_create_main(void *op);      /* on the parent's type gate-a */
void *gate_remove_main(void *op);
void *gate_unregister_main(void *op);
struct gate_op *gate_op_start(void *(*fn)(void *), struct mdevfs_parent *parent,
			      const char *uuid);
bool gate_op_done(struct gate_op *op);
int gate_op_finish(struct gate_op *op); /* joins, frees, returns ret */

#endif
