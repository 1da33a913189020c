/* SPDX-License-Identifier: MIT */
/* A vendor whose probe and remove wait at a gate the test opens: a real
 * backend (the public API), used to hold the core at a chosen point. */
#ifndef MDEVFS_GATE_BACKEND_H
#define MDEVFS_GATE_BACKEND_H

#include <stdbool.h>
#include <mdevfs/backend.h>

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

#endif
