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
 * "One thread" is a token, not always the notifier: a writer whose store
 * is done takes it when nobody is sending, sends what is queued (its own
 * change's notes among them) and replies itself.  That keeps the order and
 * spares the common write two thread switches; the notifier sends
 * whenever the token is free and the queue is not empty.
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
#include "uevent.h"

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
	struct lock_mutex lock;    /* a leaf of lock.h's table */
	pthread_cond_t cond;
	struct note *head, **tail; /* lock */
	enum notifier_state state; /* lock */
	bool sending;              /* lock: someone holds the token */
	struct fuse_session *se;
	notify_send_uevent_t *send_uevent; /* the host's route to listeners */
	pthread_t thread;
} nt = {
	.lock = LOCK_MUTEX_INIT(LOCK_NOTIFY),
	.cond = PTHREAD_COND_INITIALIZER,
	.tail = &nt.head,
};

static void reply_write(fuse_req_t req, ssize_t result)
{
	if (result < 0)
		fuse_reply_err(req, (int)-result);
	else
		fuse_reply_write(req, (size_t)result);
}

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
		reply_write(n->req, n->result);
		break;
	case NOTE_UEVENT:
		nt.send_uevent(n->ev);
		uevent_free(n->ev);
		break;
	}
}

static void send_batch(struct note *batch)
{
	lock_assert_claimed(LOCK_TOKEN, &nt.sending);
	while (batch) {
		struct note *n = batch;

		batch = n->next;
		send_note(n);
		free(n);
	}
}

/* Caller holds nt.lock and has just set nt.sending: the queue is theirs
 * to send, once it claims the token (lock.h) with nt.lock dropped. */
static struct note *take_batch_locked(void)
{
	struct note *batch = nt.head;

	lock_assert_held(&nt.lock);
	nt.head = NULL;
	nt.tail = &nt.head;
	return batch;
}

static void *notifier_main(void *arg)
{
	(void)arg;
	lock_mutex(&nt.lock);
	for (;;) {
		struct note *batch;

		if (!nt.head || nt.sending) {
			if (nt.state == STOPPED && !nt.head && !nt.sending)
				break;
			lock_wait(&nt.cond, &nt.lock);
			continue;
		}
		nt.sending = true;
		batch = take_batch_locked();
		unlock_mutex(&nt.lock);
		lock_claim(LOCK_TOKEN, &nt.sending);
		send_batch(batch);
		lock_mutex(&nt.lock);
		nt.sending = false;
		lock_unclaim(&nt.sending);
	}
	unlock_mutex(&nt.lock);
	return NULL;
}

/* Starts sending what was collected and what comes. */
void notifier_start(struct fuse_session *se, notify_send_uevent_t *send_uevent)
{
	nt.se = se;
	nt.send_uevent = send_uevent;
	lock_mutex(&nt.lock);
	if (thread_spawn(&nt.thread, notifier_main, NULL) == 0)
		nt.state = RUNNING;
	else
		log_err("cannot start the notifier thread");
	unlock_mutex(&nt.lock);
}

/* Sends what is queued (drops it if never started), then ends. */
void notifier_stop(void)
{
	struct note *n;
	bool running;

	lock_mutex(&nt.lock);
	running = nt.state == RUNNING;
	nt.state = STOPPED;
	pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
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

/* A deferred note (one a store causes, which its reply will send, with
 * anyone else's queued before it) does not wake the notifier to compete
 * with the store for the token. */
static void queue(struct note *n, bool defer)
{
	n->next = NULL;
	lock_mutex(&nt.lock);
	if (nt.state == STOPPED) {
		/* Unmounting: nothing left to invalidate. */
		unlock_mutex(&nt.lock);
		if (n->kind != NOTE_INVAL_ENTRY)
			send_note(n);
		free(n);
		return;
	}
	*nt.tail = n;
	nt.tail = &n->next;
	if (!defer)
		pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
}

/* A store ended without a reply: its notes, if any, go without it. */
void notify_kick(void)
{
	lock_mutex(&nt.lock);
	if (nt.head)
		pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
}

/* A note a store causes (it has the store's context) waits for that
 * store's reply: only a writer runs stores, and it always replies. */
static bool deferred(const struct mdev_store_ctx *sc)
{
	return sc != NULL;
}

void notify_inval_entry(fuse_ino_t parent, const char *name,
			const struct mdev_store_ctx *sc)
{
	size_t len = strlen(name) + 1;
	struct note *n = malloc(sizeof(*n) + len);

	if (!n)
		return; /* the entry times out instead */
	n->kind = NOTE_INVAL_ENTRY;
	n->parent = parent;
	memcpy(n->name, name, len);
	queue(n, deferred(sc));
}

/* With the token free, sends the queue (which holds every note of this
 * write's change: they were queued before its store returned) and
 * replies here. */
static bool reply_in_place(fuse_req_t req, ssize_t result)
{
	struct note *batch;

	lock_mutex(&nt.lock);
	if (nt.state != RUNNING || nt.sending) {
		unlock_mutex(&nt.lock);
		return false;
	}
	nt.sending = true;
	batch = take_batch_locked();
	unlock_mutex(&nt.lock);

	lock_claim(LOCK_TOKEN, &nt.sending);
	send_batch(batch);
	reply_write(req, result);

	lock_mutex(&nt.lock);
	nt.sending = false;
	lock_unclaim(&nt.sending);
	if (nt.head || nt.state == STOPPED)
		pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
	return true;
}

void notify_reply_write(fuse_req_t req, ssize_t result)
{
	struct note *n;

	if (reply_in_place(req, result))
		return;
	n = malloc(sizeof(*n) + 1);
	if (!n) {
		/* Nothing acknowledged is lost: reply in place. */
		reply_write(req, result);
		return;
	}
	n->kind = NOTE_REPLY_WRITE;
	n->req = req;
	n->result = result;
	queue(n, false);
}

void notify_uevent(void *ctx, const struct mdev_store_ctx *sc,
		   struct uevent *ev)
{
	struct note *n = malloc(sizeof(*n));

	(void)ctx;
	if (!n) {
		uevent_free(ev);
		return;
	}
	n->kind = NOTE_UEVENT;
	n->ev = ev;
	queue(n, deferred(sc));
}
