/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_CTL_H
#define MDEVFS_CTL_H

#include <glib.h>

/* `mdevfs ctl ...`, the control socket's client. */
int ctl_main(int argc, char **argv);

/* A socket connected to the daemon of @name, or -errno after saying why. */
int ctl_connect(const char *name);
/* Prints the daemon's lines until its "x STATUS" (its stderr's to
 * @errors instead, if not NULL); returns the status, 1 if the daemon
 * closed first, -ETIMEDOUT at @deadline (monotonic µs; 0: none). */
int ctl_print_answer(int fd, gint64 deadline, GString *errors);
/* `mdevfs ctl stop` (ctl_stop.c): @argv is "stop" and its options. */
int ctl_stop(const char *name, int argc, char **argv);

#endif /* MDEVFS_CTL_H */
