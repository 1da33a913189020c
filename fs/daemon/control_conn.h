/* SPDX-License-Identifier: MIT */
/* One control connection, between control.c's server and the commands
 * of control_commands.c. */
#ifndef MDEVFS_CONTROL_CONN_H
#define MDEVFS_CONTROL_CONN_H

#include <glib.h>

struct daemon;
struct control;

struct conn {
	struct daemon *d;
	struct control *ctl;      /* NULL for control_serve() */
	int fd;
	GString *in;              /* read, not yet used */
	int requests[2];          /* hold: a pipe of request counts */
	bool progress;            /* the client shows "p" lines */
	unsigned int percent;     /* of the last "p" line */
};

/* Reads the command line, runs it and answers, up to "x STATUS": the
 * status. */
int conn_serve(struct conn *c);

#endif /* MDEVFS_CONTROL_CONN_H */
