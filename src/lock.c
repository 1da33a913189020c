// SPDX-License-Identifier: MIT
/*
 * The checks of the lock table (lock.h), as the kernel's lockdep makes
 * them, but per lock instance and per thread only: each thread keeps the
 * locks it holds, in the order it took them.  That is enough for what the
 * table says: a thread takes locks in increasing rank, so two threads
 * cannot wait for each other through the locks of the table.
 *
 * A violation is a bug in mdevfs (or in a backend calling what its hook
 * may not): the message names the locks, and the process aborts where the
 * bug is, rather than deadlocking somewhere later.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lock.h"
#include "log.h"

/* lockdep's MAX_LOCK_DEPTH is 48; mdevfs nests a few deep (d->lock,
 * sysfs_rwsem, a leaf). */
#define LOCK_DEPTH_MAX 16

static const char *const lock_names[LOCK_NR] = {
	[LOCK_TOKEN] = "the notifier's token",
	[LOCK_DAEMON] = "the daemon's d->lock",
	[LOCK_OPEN_FILE] = "an open file's of->lock",
	[LOCK_UNREG] = "a parent's unreg_sem",
	[LOCK_ACTIVE] = "an active_sem",
	[LOCK_SYSFS] = "sysfs_rwsem",
	[LOCK_MDEV_LIST] = "mdev_list_lock",
	[LOCK_OVERRIDES] = "sysfs overrides_lock",
	[LOCK_XATTRS] = "sysfs xattrs_lock",
	[LOCK_IDA] = "an IDA's lock",
	[LOCK_REPAIRS] = "the state's repairs.lock",
	[LOCK_PLUGINS] = "the plugin registry_lock",
	[LOCK_NAME_TREE] = "a name tree's snap_lock",
	[LOCK_HANDLES] = "handles_lock",
	[LOCK_OPEN_FILES] = "open_files_lock",
	[LOCK_NOTIFY] = "the notifier's nt.lock",
	[LOCK_WRITERS] = "the writer pool's wp.lock",
	[LOCK_CONTROL] = "the control socket's ctl->lock",
	[LOCK_RUN] = "run's r->lock",
};

struct held {
	const void *lock;
	enum lock_id id;
	bool write;
};

static _Thread_local struct held held[LOCK_DEPTH_MAX];
static _Thread_local unsigned int depth;

static unsigned int rank(enum lock_id id)
{
	return id < LOCK_LEAF ? (unsigned int)id : LOCK_LEAF;
}

static const char *name(enum lock_id id)
{
	return id < LOCK_NR && lock_names[id] ? lock_names[id] : "an unknown lock";
}

/* The message, and what this thread holds, where the daemon logs; not
 * into a control client's capture, which would die with the process. */
static _Noreturn void violation(const char *what)
{
	log_capture(NULL);
	log_err("lock rules (src/include/lock.h) broken: %s", what);
	for (unsigned int i = depth; i-- > 0;)
		log_err("  holding %s (rank %u)%s", name(held[i].id),
			rank(held[i].id), held[i].write ? "" : ", shared");
	fflush(stderr);
	abort();
}

static struct held *find(const void *lock)
{
	for (unsigned int i = depth; i-- > 0;)
		if (held[i].lock == lock)
			return &held[i];
	return NULL;
}

void lockdep_acquire(enum lock_id id, const void *lock, bool try)
{
	char what[256];

	if (find(lock)) {
		snprintf(what, sizeof(what), "taking %s again", name(id));
		violation(what);
	}
	if (try)
		return;
	for (unsigned int i = 0; i < depth; i++) {
		if (rank(held[i].id) < rank(id))
			continue;
		snprintf(what, sizeof(what), "taking %s (rank %u) while "
			 "holding %s (rank %u)", name(id), rank(id),
			 name(held[i].id), rank(held[i].id));
		violation(what);
	}
}

void lockdep_acquired(enum lock_id id, const void *lock, bool write)
{
	if (depth == LOCK_DEPTH_MAX)
		violation("more locks held at once than any path of mdevfs takes");
	held[depth++] = (struct held){ lock, id, write };
}

void lockdep_release(const void *lock)
{
	struct held *h = find(lock);

	if (!h)
		violation("releasing a lock this thread does not hold");
	/* Any order: what stays held keeps its order. */
	for (const struct held *end = &held[--depth]; h < end; h++)
		h[0] = h[1];
}

void lockdep_assert_held(enum lock_id id, const void *lock, bool write)
{
	const struct held *h = find(lock);
	char what[256];

	if (h && (h->write || !write))
		return;
	snprintf(what, sizeof(what), "%s not held%s where it must be",
		 name(id), h ? " exclusively" : "");
	violation(what);
}

void lockdep_assert_hook_ok(const char *hook, unsigned int may_hold)
{
	char what[256];

	if (may_hold & ~LOCK_HOOK_OK) {
		snprintf(what, sizeof(what), "hook %s() said to run under a "
			 "lock no hook may run under", hook);
		violation(what);
	}
	for (unsigned int i = 0; i < depth; i++) {
		if (may_hold & LOCK_BIT(held[i].id))
			continue;
		snprintf(what, sizeof(what), "calling the backend's %s() "
			 "while holding %s", hook, name(held[i].id));
		violation(what);
	}
}

unsigned int lockdep_depth(void)
{
	return depth;
}

bool lockdep_enabled(void)
{
	return LOCKDEP_ON;
}

void lock_mutex_init(struct lock_mutex *m, enum lock_id id)
{
	pthread_mutex_init(&m->mutex, NULL);
	m->id = id;
}

void lock_mutex_destroy(struct lock_mutex *m)
{
	pthread_mutex_destroy(&m->mutex);
}

void lock_rw_init(struct lock_rw *s, enum lock_id id)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	s->id = id;
}

void lock_rw_destroy(struct lock_rw *s)
{
	pthread_rwlock_destroy(&s->rw);
}
