/* SPDX-License-Identifier: MIT */
/* The control socket's server (control.c, control_commands.c); the
 * protocol it speaks is control_protocol.h. */
#ifndef MDEVFS_CONTROL_H
#define MDEVFS_CONTROL_H

#include "control_protocol.h"

/* Connections at once; more are answered "too many" and closed. */
#define CONTROL_MAX_CONNS 128
/* A client that sends nothing for this long is told so and closed. */
#define CONTROL_IDLE_SECONDS 10

struct daemon;

/* The socket `mdevfs ctl` talks to, an abstract unix socket.  Opened
 * first (0, -EADDRINUSE if another daemon holds the name, or -errno after
 * saying why), started once serving; stopping ends every connection
 * (holds let go) and waits for them, and clients are told the daemon
 * stops until it closes, last of all. */
int control_open(struct daemon *d, const char *name);
int control_start(struct daemon *d);
void control_stop(struct daemon *d);
/* The stop has removed @done of its @total devices: a "p" line to each
 * `ctl stop` that shows progress (after control_stop(), before the end). */
void control_stop_progress(struct daemon *d, unsigned int done,
			   unsigned int total);
void control_close(struct daemon *d);
/* control_close(), the daemon's last step: then every `mdevfs ctl stop`
 * waiting hears @status, the daemon's exit status (none if negative). */
void control_end(struct daemon *d, int status);

/* One request on the connected @fd, answered up to its "x STATUS" line:
 * what a connection runs once its peer is authorized, without the socket
 * server around it (tests/fuzz/fuzz_control.c calls it on a socketpair).
 * Returns the status; @fd stays open. */
int control_serve(struct daemon *d, int fd);

#endif /* MDEVFS_CONTROL_H */
