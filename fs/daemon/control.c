// SPDX-License-Identifier: MIT
/*
 * The control socket's server: one thread accepts, a thread per connection
 * runs its command, so an unregistration waiting for a slow vendor holds
 * up no other command.  The protocol is in control_protocol.h.
 *
 * The socket is bound from the daemon's first step to its last: its name
 * is the mountpoint's lock (restart.c).  Commands run while the daemon
 * serves; while it stops, the acceptor answers every client itself with
 * one line saying so.  Before it serves nobody accepts: a client waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "control_conn.h"
#include "daemon.h"
#include "fs.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mount.h"

enum control_phase { CONTROL_STARTING, CONTROL_SERVING, CONTROL_STOPPING };

struct control {
	int listen_fd;
	int stop_fd;              /* eventfd: wakes the acceptor */
	pthread_t acceptor;
	bool started;
	struct lock_mutex lock;   /* a leaf of lock.h's table */
	pthread_cond_t cond;      /* a connection ended */
	GList *conns;             /* struct conn *; lock */
	unsigned int nconns;      /* lock */
	enum control_phase phase; /* lock */
	GArray *kept;             /* struct kept: `stop`s waiting; lock */
	unsigned int percent;     /* of the stop's last "p" line; lock */
};

/* A `stop` waiting for the daemon's end, and whether it shows progress. */
struct kept {
	int fd;
	bool progress;
};

/*
 * SO_PEERCRED: the peer's effective uid when it connected, as this
 * daemon's user namespace sees it (root of a user namespace is its owner
 * here).  Root controls any mdevfs; a root daemon serves nobody else.  A
 * daemon of an ordinary user (its own mount, which only it can use) also
 * serves that user: the socket is its own, as its files are.
 */
static bool authorized(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	*uid = cred.uid;
	if (cred.uid == 0)
		return true;
	return geteuid() != 0 && cred.uid == geteuid();
}

static void conn_free(struct conn *c)
{
	if (c->requests[0] >= 0) {
		close(c->requests[0]);
		close(c->requests[1]);
	}
	close(c->fd);
	g_string_free(c->in, TRUE);
	g_free(c);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct control *ctl = c->ctl;

	conn_serve(c);
	lock_mutex(&ctl->lock);
	ctl->conns = g_list_remove(ctl->conns, c);
	ctl->nconns--;
	conn_free(c);
	pthread_cond_broadcast(&ctl->cond);
	unlock_mutex(&ctl->lock);
	return NULL;
}

/* The answer a client gets without a thread of its own, and its end. */
static void answer_and_close(int fd, const char *text, int status)
{
	g_autofree char *lines = g_strdup_printf("e %s\nx %d\n", text, status);

	(void)!send(fd, lines, strlen(lines), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* False when no client was waiting. */
static bool accept_one(struct control *ctl, struct daemon *d)
{
	struct conn *c;
	pthread_t thread;
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	enum control_phase phase;
	unsigned int nconns;
	uid_t uid;

	if (fd < 0)
		return false; /* EAGAIN: the client gave up meanwhile */
	/* Before anything else: nobody else can take a connection's place. */
	if (!authorized(fd, &uid)) {
		log_warn("ctl: refused a client of uid %d", (int)uid);
		answer_and_close(fd, geteuid() == 0 ?
			"permission denied: only root may control this mdevfs" :
			"permission denied: only root and the daemon's user may "
			"control this mdevfs", 1);
		return true;
	}
	lock_mutex(&ctl->lock);
	phase = ctl->phase;
	nconns = ctl->nconns;
	unlock_mutex(&ctl->lock);
	if (phase == CONTROL_STOPPING) {
		g_autofree char *why = g_strdup_printf(CONTROL_STOPPING_FMT,
			(int)getpid(), mdev_device_count());

		answer_and_close(fd, why, CONTROL_EX_STOPPING);
		return true;
	}
	if (nconns >= CONTROL_MAX_CONNS) {
		answer_and_close(fd, "too many control connections at once; "
				 "try again", 1);
		return true;
	}
	c = g_new0(struct conn, 1);
	c->d = d;
	c->ctl = ctl;
	c->fd = fd;
	c->in = g_string_new(NULL);
	c->requests[0] = c->requests[1] = -1;
	c->reading = true;
	lock_mutex(&ctl->lock);
	if (thread_spawn(&thread, conn_main, c)) {
		conn_free(c);
	} else {
		ctl->conns = g_list_prepend(ctl->conns, c);
		ctl->nconns++;
		pthread_detach(thread);
	}
	unlock_mutex(&ctl->lock);
	return true;
}

struct acceptor {
	struct daemon *d;
	struct control *ctl;
};

static void *acceptor_main(void *arg)
{
	struct acceptor *a = arg;
	struct pollfd fds[] = {
		{ .fd = a->ctl->listen_fd, .events = POLLIN },
		{ .fd = a->ctl->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents & POLLIN)
			accept_one(a->ctl, a->d);
	}
	g_free(a);
	return NULL;
}

int control_open(struct daemon *d, const char *name)
{
	struct control *ctl = g_new0(struct control, 1);
	struct sockaddr_un sa;
	socklen_t len = control_address(name, &sa);

	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ctl->stop_fd = eventfd(0, EFD_CLOEXEC);
	lock_mutex_init(&ctl->lock, LOCK_CONTROL);
	pthread_cond_init(&ctl->cond, NULL);
	ctl->kept = g_array_new(FALSE, FALSE, sizeof(struct kept));
	d->control = ctl;
	if (ctl->listen_fd < 0 || ctl->stop_fd < 0 ||
	    bind(ctl->listen_fd, (struct sockaddr *)&sa, len) ||
	    listen(ctl->listen_fd, 128)) {
		int err = errno;

		/* Taken: restart.c asks who holds it. */
		if (err != EADDRINUSE)
			log_err("control socket @%s: %s", name, g_strerror(err));
		control_close(d);
		return -err;
	}
	return 0;
}

int control_start(struct daemon *d)
{
	struct control *ctl = d->control;
	struct acceptor *a = g_new(struct acceptor, 1);

	a->d = d;
	a->ctl = ctl;
	/* Again after fuse_daemonize(): SO_PEERCRED gives a client the pid
	 * of the last listen(), which must be this daemon's, not its dead
	 * parent's (restart.c looks at it). */
	listen(ctl->listen_fd, 128);
	lock_mutex(&ctl->lock);
	ctl->phase = CONTROL_SERVING;
	unlock_mutex(&ctl->lock);
	if (thread_spawn(&ctl->acceptor, acceptor_main, a)) {
		log_err("cannot start the control socket's thread");
		g_free(a);
		return -1;
	}
	ctl->started = true;
	return 0;
}

/* Every connection ends (holds let go); clients from now on are told
 * that the daemon stops.  One still reading its command line reads what
 * was sent and is answered: a `stop` sent as another began waits too.
 * So does a `stop` read but not yet kept (control_keep()): it may still
 * write, to be answered at the end. */
static void end_connections(struct control *ctl)
{
	lock_mutex(&ctl->lock);
	ctl->phase = CONTROL_STOPPING;
	for (GList *l = ctl->conns; l; l = l->next) {
		struct conn *c = l->data;

		if (!c->kept)
			shutdown(c->fd, c->reading || c->stop ?
				 SHUT_RD : SHUT_RDWR);
	}
	while (ctl->conns)
		lock_wait(&ctl->cond, &ctl->lock);
	unlock_mutex(&ctl->lock);
}

void control_stop(struct daemon *d)
{
	if (d->control)
		end_connections(d->control);
}

int control_command_begins(struct conn *c, bool stop)
{
	struct control *ctl = c->ctl;
	int ret = 0;

	if (!ctl)
		return 0;
	lock_mutex(&ctl->lock);
	c->reading = false;
	c->stop = stop;
	if (ctl->phase == CONTROL_STOPPING && !stop)
		ret = -1;
	unlock_mutex(&ctl->lock);
	return ret;
}

int control_keep(struct conn *c)
{
	struct control *ctl = c->ctl;
	int fd, ret = -1;

	lock_mutex(&ctl->lock);
	/* The same socket under a second number: the connection's own
	 * closes when its thread ends.  Answered by control_end(), which
	 * runs once every connection's thread has ended. */
	fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0) {
		struct kept k = { .fd = fd, .progress = c->progress };

		g_array_append_val(ctl->kept, k);
		c->kept = true;
		ret = ctl->phase == CONTROL_STOPPING;
	}
	unlock_mutex(&ctl->lock);
	return ret;
}

/* The last line each `stop` gets, after everything else is done. */
static void answer_kept(GArray *kept, int status)
{
	g_autoptr(GString) line = g_string_new(NULL);

	if (status > 0)
		g_string_printf(line, "e mdevfs (pid %d) stopped with exit status "
				"%d: see its log\n", (int)getpid(), status);
	g_string_append_printf(line, "x %d\n", status);
	for (guint i = 0; i < kept->len; i++) {
		int fd = g_array_index(kept, struct kept, i).fd;

		if (status >= 0)
			(void)!send(fd, line->str, line->len, MSG_NOSIGNAL);
		close(fd);
	}
	g_array_free(kept, TRUE);
}

void control_stop_progress(struct daemon *d, unsigned int done,
			   unsigned int total)
{
	struct control *ctl = d->control;
	g_autofree char *line = NULL;

	if (!ctl)
		return;
	line = g_strdup_printf("p removing devices: %u/%u\n", done, total);
	lock_mutex(&ctl->lock);
	/* A client that does not read never blocks the stop (MSG_DONTWAIT). */
	if (progress_due(&ctl->percent, done, total)) {
		for (guint i = 0; i < ctl->kept->len; i++) {
			struct kept *k = &g_array_index(ctl->kept, struct kept, i);

			if (k->progress)
				(void)!send(k->fd, line, strlen(line),
					    MSG_NOSIGNAL | MSG_DONTWAIT);
		}
	}
	unlock_mutex(&ctl->lock);
}

void control_close(struct daemon *d)
{
	control_end(d, -1);
}

void control_end(struct daemon *d, int status)
{
	struct control *ctl = move_ptr(d->control);
	uint64_t one = 1;

	if (!ctl)
		return;
	end_connections(ctl);
	if (ctl->started) {
		(void)!write(ctl->stop_fd, &one, sizeof(one));
		pthread_join(ctl->acceptor, NULL);
		/* Connections from now on are refused; those queued already
		 * are told that the daemon stops, not reset by the close. */
		shutdown(ctl->listen_fd, SHUT_RD);
		while (accept_one(ctl, NULL))
			;
	}
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	if (ctl->stop_fd >= 0)
		close(ctl->stop_fd);
	pthread_cond_destroy(&ctl->cond);
	lock_mutex_destroy(&ctl->lock);
	/* The name is free: a daemon may start there as they hear this. */
	answer_kept(ctl->kept, status);
	g_free(ctl);
}
