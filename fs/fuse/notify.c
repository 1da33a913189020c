// SPDX-License-Identifier: MIT
/*
 * The notifier thread.  Cache invalidations must never be sent from a
 * request handler (libfuse doc/README.notifications: the kernel may hold a
 * lock the notification needs), so they are queued here together with
 * uevents and the replies to writes; one thread sends them all in order.
 * So a uevent goes out after the invalidations of the change it reports
 * (a monitor that gets `unbind` finds the driver link gone, kernel caches
 * included), and a writer gets its reply after both.
 *
 * "One thread" is a token, not always the notifier: a writer whose store
 * is done takes it when nobody is sending, sends what is queued (its own
 * change's notes among them) and replies itself.  That keeps the order and
 * spares the common write two thread switches; the notifier sends
 * whenever the token is free and the queue is not empty.
 *
 * A uevent is out before the change goes on, as the kernel's
 * kobject_uevent() returns once the event is broadcast: its sender waits
 * until the queue is sent through it (sending itself when the token is
 * free).  So a monitor that looks when an event arrives sees what the
 * kernel's would (at a device's add, no driver link yet; at its remove,
 * the directory still there and empty), with the same race against the
 * change going on; -o uevent_pause makes the sender wait once the event
 * is out, so that a test's monitor wins it, as the kernel's does on the
 * writer's CPU.  The sender holds no tree lock (mdev_host.h), and the
 * token's holder takes none, so the wait cannot close a cycle (the token's
 * rank in lock.h says so and the lock checks hold it to that).
 *
 * Until the mount is up the queue only collects (the parents' add and
 * registered uevents wait for the tree to be visible); once stopped,
 * replies and uevents are sent in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "log.h"
#include "uevent.h"

enum note_kind { NOTE_INVAL_ENTRY, NOTE_INVAL_ATTR, NOTE_REPLY_WRITE, NOTE_UEVENT };

struct note {
	struct note *next;
	uint64_t seq;       /* its place in the queue, from 1 */
	enum note_kind kind;
	fuse_ino_t parent;  /* NOTE_INVAL_ENTRY; NOTE_INVAL_ATTR: the inode */
	fuse_req_t req;     /* NOTE_REPLY_WRITE */
	ssize_t result;
	struct uevent *ev;  /* NOTE_UEVENT */
	char name[];
};

enum notifier_state { COLLECTING, RUNNING, STOPPED };

static struct {
	struct lock_mutex lock;    /* a leaf of lock.h's table */
	pthread_cond_t cond;       /* for the notifier: work, or stop */
	pthread_cond_t sent_cond;  /* for senders waiting on their uevent */
	struct note *head, **tail; /* lock */
	enum notifier_state state; /* lock */
	bool sending;              /* lock: someone holds the token */
	uint64_t queued, sent;     /* lock: seq of the last queued, sent */
	unsigned int waiting;      /* lock: threads on sent_cond */
	struct fuse_session *se;
	notify_send_uevent_t *send_uevent; /* the host's route to listeners */
	pthread_t thread;
} nt = {
	.lock = LOCK_MUTEX_INIT(LOCK_NOTIFY),
	.cond = PTHREAD_COND_INITIALIZER,
	.sent_cond = PTHREAD_COND_INITIALIZER,
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
	case NOTE_INVAL_ATTR:
		/* Offset -1: the attributes only, no page cache. */
		ret = fuse_lowlevel_notify_inval_inode(nt.se, n->parent, -1, 0);
		if (ret && ret != -ENOENT && ret != -ENOTCONN && ret != -ENODEV)
			log_dbg("invalidating attributes: %s", strerror(-ret));
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

/* Caller holds nt.lock and the token is free: takes it, sends the queue
 * and then the reply to @req (if any) without the lock, gives it back. */
static void send_queue_locked(fuse_req_t req, ssize_t result)
{
	struct note *batch = nt.head;
	uint64_t upto = nt.queued;

	lock_assert_held(&nt.lock);
	nt.head = NULL;
	nt.tail = &nt.head;
	nt.sending = true;
	unlock_mutex(&nt.lock);
	lock_claim(LOCK_TOKEN, &nt.sending);
	send_batch(batch);
	if (req)
		reply_write(req, result);
	lock_mutex(&nt.lock);
	nt.sending = false;
	lock_unclaim(&nt.sending);
	nt.sent = upto;
	if (nt.waiting)
		pthread_cond_broadcast(&nt.sent_cond);
	if (nt.head || nt.state == STOPPED)
		pthread_cond_signal(&nt.cond);
}

static void *notifier_main(void *arg)
{
	(void)arg;
	lock_mutex(&nt.lock);
	for (;;) {
		if (nt.head && !nt.sending) {
			send_queue_locked(NULL, 0);
			continue;
		}
		if (nt.state == STOPPED && !nt.head && !nt.sending)
			break;
		lock_wait(&nt.cond, &nt.lock);
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
	pthread_cond_broadcast(&nt.sent_cond);
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

/* Whether an invalidation that drops @ino's attributes is queued since the
 * last uevent or reply: another of its attributes, or of an entry in it
 * (the kernel's fuse_dir_changed() drops the directory's attributes too;
 * sysfs reports a vanished entry before its directory's nlink).  Then one
 * more is not needed; none may move past a uevent, whose listener may
 * look.  Caller holds nt.lock. */
static bool attr_inval_queued(fuse_ino_t ino)
{
	bool queued = false;

	for (struct note *q = nt.head; q; q = q->next)
		if (q->kind == NOTE_UEVENT || q->kind == NOTE_REPLY_WRITE)
			queued = false;
		else if (q->parent == ino)
			queued = true;
	return queued;
}

/* Queues @n and returns its seq (0: sent already, or dropped).  A note a
 * store causes (with the store's context) does not wake the notifier: the
 * store's uevent or its reply sends it, without two thread switches. */
static uint64_t queue(struct note *n, const struct mdev_store_ctx *sc)
{
	uint64_t seq;

	n->next = NULL;
	lock_mutex(&nt.lock);
	if (nt.state == STOPPED) {
		/* Unmounting: nothing left to invalidate. */
		unlock_mutex(&nt.lock);
		if (n->kind != NOTE_INVAL_ENTRY && n->kind != NOTE_INVAL_ATTR)
			send_note(n);
		free(n);
		return 0;
	}
	if (n->kind == NOTE_INVAL_ATTR && attr_inval_queued(n->parent)) {
		unlock_mutex(&nt.lock);
		free(n);
		return 0;
	}
	seq = n->seq = ++nt.queued;
	*nt.tail = n;
	nt.tail = &n->next;
	if (!sc)
		pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
	return seq;
}

/* Returns once the queue is sent through @seq: sends it here when the
 * token is free, else waits for whoever holds it.  Before the mount is up
 * (and once stopped) nothing waits: false. */
static bool send_through(uint64_t seq)
{
	bool running;

	lock_mutex(&nt.lock);
	while (nt.state == RUNNING && nt.sent < seq) {
		if (!nt.sending) {
			send_queue_locked(NULL, 0);
			continue;
		}
		nt.waiting++;
		lock_wait(&nt.sent_cond, &nt.lock);
		nt.waiting--;
	}
	running = seq && nt.state == RUNNING;
	unlock_mutex(&nt.lock);
	return running;
}

/* -o uevent_pause: the sender waits, holding no tree lock (mdev_host.h),
 * so the tree stays as the event found it while a monitor looks. */
static void uevent_pause(void)
{
	double s = fs_get_options()->uevent_pause;
	long ns = (long)(s * 1e9);
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	if (ns > 0)
		nanosleep(&ts, NULL);
}

/* A store ended without a reply: its notes, if any, go without it. */
void notify_kick(void)
{
	lock_mutex(&nt.lock);
	if (nt.head)
		pthread_cond_signal(&nt.cond);
	unlock_mutex(&nt.lock);
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
	queue(n, sc);
}

void notify_inval_attr(fuse_ino_t ino, const struct mdev_store_ctx *sc)
{
	struct note *n = malloc(sizeof(*n));

	if (!n)
		return; /* the attributes time out instead */
	n->kind = NOTE_INVAL_ATTR;
	n->parent = ino;
	queue(n, sc);
}

/* With the token free, sends the queue (which holds every note of this
 * write's change: they were queued before its store returned) and
 * replies here. */
static bool reply_in_place(fuse_req_t req, ssize_t result)
{
	bool ok;

	lock_mutex(&nt.lock);
	ok = nt.state == RUNNING && !nt.sending;
	if (ok)
		send_queue_locked(req, result);
	unlock_mutex(&nt.lock);
	return ok;
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
	queue(n, NULL);
}

/* The host's uevent: out, after the invalidations before it, when this
 * returns (a malloc failure loses it, as the kernel's would be). */
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
	if (send_through(queue(n, sc)))
		uevent_pause();
}
