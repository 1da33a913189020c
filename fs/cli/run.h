/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_RUN_H
#define MDEVFS_RUN_H

#include <glib.h>

#include "daemon.h"

/* `mdevfs run`: serves @parents at /sys in a private mount and network
 * namespace while @argv runs there; returns its exit status (128 + signal
 * when killed), or 1 when the run could not be set up. */
int run_command(const struct daemon_options *o, GPtrArray *parents,
		char **argv);

/* As a user other than root: runs mdevfs again (@argv, all of main's) as
 * root of a user namespace of its own and returns its exit status; -1
 * when root already.  @ready_fd (-1: none) is left to it. */
int run_as_user(char **argv, int ready_fd);

#endif /* MDEVFS_RUN_H */
