// SPDX-License-Identifier: MIT
/*
 * The notifier thread.  Cache invalidations must never be sent from a
 * request handler (libfuse doc/README.notifications: the kernel may hold a
 * lock the notification needs), so they are queued here together with
 * uevents and the replies to writes; one thread sends them all in order.
 * So a uevent goes out after the invalidations of the change it reports
 * (a monitor that gets `remove` finds the device gone, kernel caches
 * included), and a writer gets its reply after both.
 *
 * Until the mount is up the queue only collects (the parents' add and
 * registered uevents wait for the tree to be visible); once stopped,
 * replies and uevents are sent in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "log.h"
#include "uevent_netlink.h"

enum note_kind { NOTE_INVAL_ENTRY, NOTE_REPLY_WRITE, NOTE_UEVENT };

struct note {
	struct note *next;
	enum note_kind kind;
	fuse_ino_t parent;  /* NOTE_INVAL_ENTRY */
	fuse_req_t req;     /* NOTE_REPLY_WRITE */
	ssize_t result;
	struct uevent *ev;  /* NOTE_UEVENT */
	char name[];
};

enum notifier_state { COLLECTING, RUNNING, STOPPED };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct note *head, **tail; /* lock */
	enum notifier_state state; /* lock */
	struct fuse_session *se;
	pthread_t thread;
} nt = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.tail = &nt.head,
};

static void send_note(struct note *n)
{
	int ret;

	switch (n->kind) {
	case NOTE_INVAL_ENTRY:
		ret = fuse_lowlevel_notify_inval_entry(nt.se, n->parent, n->name,
						       strlen(n->name));
		/* ENOENT: the kernel had no dentry, nothing to drop. */
		if (ret && ret != -ENOENT && ret != -ENOTCONN && ret != -ENODEV)
			log_dbg("invalidating %s: %s", n->name, strerror(-ret));
		break;
	case NOTE_REPLY_WRITE:
		if (n->result < 0)
			fuse_reply_err(n->req, (int)-n->result);
		else
			fuse_reply_write(n->req, (size_t)n->result);
		break;
	case NOTE_UEVENT:
		uevent_netlink_send(n->ev);
		uevent_free(n->ev);
		break;
	}
}

static void *notifier_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&nt.lock);
	for (;;) {
		struct note *batch = nt.head;

		if (!batch) {
			if (nt.state == STOPPED)
				break;
			pthread_cond_wait(&nt.cond, &nt.lock);
			continue;
		}
		nt.head = NULL;
		nt.tail = &nt.head;
		pthread_mutex_unlock(&nt.lock);
		while (batch) {
			struct note *n = batch;

			batch = n->next;
			send_note(n);
			free(n);
		}
		pthread_mutex_lock(&nt.lock);
	}
	pthread_mutex_unlock(&nt.lock);
	return NULL;
}

/* Starts sending what was collected and what comes. */
void notifier_start(struct fuse_session *se)
{
	nt.se = se;
	pthread_mutex_lock(&nt.lock);
	if (thread_spawn(&nt.thread, notifier_main, NULL) == 0)
		nt.state = RUNNING;
	else
		log_err("cannot start the notifier thread");
	pthread_mutex_unlock(&nt.lock);
}

/* Sends what is queued (drops it if never started), then ends. */
void notifier_stop(void)
{
	struct note *n;
	bool running;

	pthread_mutex_lock(&nt.lock);
	running = nt.state == RUNNING;
	nt.state = STOPPED;
	pthread_cond_signal(&nt.cond);
	pthread_mutex_unlock(&nt.lock);
	if (running)
		pthread_join(nt.thread, NULL);
	while ((n = nt.head)) {
		nt.head = n->next;
		if (n->kind == NOTE_UEVENT)
			uevent_free(n->ev);
		free(n);
	}
	nt.tail = &nt.head;
}

static void queue(struct note *n)
{
	n->next = NULL;
	pthread_mutex_lock(&nt.lock);
	if (nt.state == STOPPED) {
		/* Unmounting: nothing left to invalidate. */
		pthread_mutex_unlock(&nt.lock);
		if (n->kind != NOTE_INVAL_ENTRY)
			send_note(n);
		free(n);
		return;
	}
	*nt.tail = n;
	nt.tail = &n->next;
	pthread_cond_signal(&nt.cond);
	pthread_mutex_unlock(&nt.lock);
}

void notify_inval_entry(fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name) + 1;
	struct note *n = malloc(sizeof(*n) + len);

	if (!n)
		return; /* the entry times out instead */
	n->kind = NOTE_INVAL_ENTRY;
	n->parent = parent;
	memcpy(n->name, name, len);
	queue(n);
}

void notify_reply_write(fuse_req_t req, ssize_t result)
{
	struct note *n = malloc(sizeof(*n) + 1);

	if (!n) {
		/* Nothing acknowledged is lost: reply in place. */
		if (result < 0)
			fuse_reply_err(req, (int)-result);
		else
			fuse_reply_write(req, (size_t)result);
		return;
	}
	n->kind = NOTE_REPLY_WRITE;
	n->req = req;
	n->result = result;
	queue(n);
}

void notify_uevent(void *ctx, struct uevent *ev)
{
	struct note *n = malloc(sizeof(*n));

	(void)ctx;
	if (!n) {
		uevent_free(ev);
		return;
	}
	n->kind = NOTE_UEVENT;
	n->ev = ev;
	queue(n);
}
