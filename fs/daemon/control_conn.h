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
	bool reading;             /* its command line not read yet; ctl's lock */
	bool stop;                /* its command is stop; ctl's lock */
	bool kept;                /* stop: answered by the daemon's end; ctl's lock */
	bool progress;            /* the client shows "p" lines */
	unsigned int percent;     /* of the last "p" line */
};

/* Whether removing @done of @total devices is worth a "p" line: at each
 * percent and the last, 100 lines at most, which a socket's buffer holds
 * even for a client that does not read.  @percent: of the last line. */
static inline bool progress_due(unsigned int *percent, unsigned int done,
				unsigned int total)
{
	unsigned int now = (unsigned int)((unsigned long long)done * 100 / total);

	if (done != total && now == *percent)
		return false;
	*percent = now;
	return true;
}

/* A command's status that is no status yet: its connection was kept. */
#define CONN_KEPT (-1)

/* Reads the command line, runs it and answers, up to "x STATUS": the
 * status (CONN_KEPT: no answer yet). */
int conn_serve(struct conn *c);
/* The command line is read: 0 to run it, or -1 when the daemon stops
 * and it is not @stop (answer it as the acceptor would). */
int control_command_begins(struct conn *c, bool stop);
/* `stop`: the connection stays open after its thread ends, to be
 * answered with the daemon's exit status by control_end(): 0, 1 when the
 * daemon stops already, -1 when no descriptor is left. */
int control_keep(struct conn *c);

#endif /* MDEVFS_CONTROL_CONN_H */
