/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between `mdevfs ctl` (the client; the testbed's
 * testbed/testbed_ctl.c is another) and a daemon (the server, control.h).
 *
 * An abstract unix stream socket, so nothing appears in any filesystem and
 * it dies with the daemon; it lives in the daemon's network namespace (a
 * test's `unshare -n`, or `mdevfs run`'s own).  Its name is
 * "mdevfs-ctl:" followed by the mountpoint's real path (or a SHA-256 of it
 * when too long), or "mdevfs-ctl:run:PID" for `mdevfs run`, which gives it
 * to COMMAND as $MDEVFS_CTL.  Only root may talk to it (SO_PEERCRED), and
 * the daemon's own user if that is not root (docs/security.md).
 *
 * The client sends one line, "COMMAND ARG...\n", and for `register` the
 * configuration text up to its end of stream.  The daemon answers with
 * lines: "o TEXT" for the client's stdout, "e TEXT" for its stderr, and
 * last "x STATUS", the client's exit status.  `hold` keeps the connection:
 * the daemon sends "o request N" lines while a remove waits, and the device
 * is released when the client closes.
 *
 * A client that shows progress starts its line with CONTROL_PROGRESS
 * ("--progress unregister gpu0"): the daemon then sends "p TEXT" lines
 * too, of what it has done of a long command (a parent's devices
 * removed), each replacing the one before.  Without it, none are sent,
 * so a client that does not know them never sees one.
 */
#ifndef MDEVFS_CONTROL_PROTOCOL_H
#define MDEVFS_CONTROL_PROTOCOL_H

#include <sys/socket.h>
#include <sys/un.h>

#define CONTROL_PREFIX "mdevfs-ctl:"
#define CONTROL_ENV "MDEVFS_CTL"
#define CONTROL_PROGRESS "--progress"
#define CONTROL_MAX_CONFIG (1 << 20)
/* A command line longer than this is refused. */
#define CONTROL_MAX_LINE 4096
/* The answer to every request while the daemon stops (its exit status
 * CONTROL_EX_STOPPING, "try again"): a daemon starting on the same
 * mountpoint reads it to know what it waits for. */
#define CONTROL_STOPPING_FMT "mdevfs is stopping (pid %d, %u devices left to remove)"
#define CONTROL_EX_STOPPING 75

/* What is wrong with the command line @args (@nargs words, the command
 * first): "CMD: unknown command" and the like, freed by the caller, or
 * NULL if the daemon takes it.  The client asks before it connects, the
 * daemon again (another client may send anything). */
char *control_check(char **args, int nargs);

/* The name for the daemon serving @mountpoint (freed by the caller), or
 * NULL after saying why; the same as the daemon binds, without looking at
 * the mountpoint itself (mount_absolute_path()). */
char *control_name(const char *mountpoint);
/* The abstract address of @name. */
socklen_t control_address(const char *name, struct sockaddr_un *sa);
/* A socket connected to the daemon of @name, or -errno. */
int control_connect(const char *name);

#endif /* MDEVFS_CONTROL_PROTOCOL_H */
