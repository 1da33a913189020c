/* SPDX-License-Identifier: MIT */
/*
 * The lock table: every lock mdevfs takes, the one order they nest in,
 * what each guards and whether a backend hook may run while it is held.
 * This is the only place the rules are written; docs/design.md,
 * include/mdevfs/backend.h, docs/plugins.md and the comments at each lock
 * point here.
 *
 * A thread takes locks in increasing rank only: holding a lock of rank r
 * it may take one of rank > r, never one of rank <= r (so a lock is never
 * taken twice, nor two leaves nested).  A trylock never waits, so it is
 * not held to the order, but what is taken under it is.
 *
 *  rank  lock (where)                guards                        hook
 *  ----  --------------------------  ----------------------------  -----
 *   0    the daemon's d->lock        the plugged parents, their    yes
 *        (fs/daemon/parents.c)       states, serving, stopping,
 *                                    unplugging; and a plugged
 *                                    parent's life: it leaves the
 *                                    list under it before its
 *                                    parent_fini()
 *   1    an open file's of->lock     the page a read rendered;     yes
 *        (fs/fuse/fuse_ops.c)        held around the show
 *   2    parent->unreg_sem           shared: a create, remove,     yes
 *        (src/mdev_core.c)           unbind or hold in flight
 *                                    (trylock: ENODEV once an
 *                                    unregistration waits);
 *                                    exclusive: the parent's
 *                                    unregistration
 *   3    active_sem of a device or   shared: a show or store of a  yes
 *        of a parent, for its types  SYSFS_ACTIVE entry in flight;
 *        (src/sysfs.c)               exclusive: the drain before
 *                                    the vendor stops serving them
 *   4    the notifier's token        the right to send the queued  no
 *        (fs/fuse/notify.c,          invalidations, uevents and
 *        nt.sending)                 write replies, in order
 *   5    sysfs_rwsem (src/sysfs.c)   every kobj's flags, every     no
 *                                    collection (lookups, readdir,
 *                                    getattr: shared; the core's
 *                                    changes: exclusive); a device
 *                                    leaves the UUID table under
 *                                    it too
 *   6    leaves, each held briefly around no other lock:           no
 *        mdev_list_lock              UUID table, active, the core
 *        (src/mdev_core.c)           counter, users and holders
 *                                    (holders' request callbacks
 *                                    run under it: they must not
 *                                    block)
 *        overrides_lock (sysfs.c)    chmod/chown overrides
 *        xattrs_lock (sysfs_xattr.c) every node's extended
 *                                    attributes
 *        ida->lock (src/ida.c)       an IDA's numbers
 *        repairs.lock (src/state.c)  pending record repairs (held
 *                                    while one runs: file I/O)
 *        registry_lock (plugins.c)   loaded plugins (a plugin's
 *                                    dlopen() and entry point run
 *                                    under it)
 *        snap_lock (sysfs_key.c)     a name tree's array for walks
 *        handles_lock, open_files_lock, nt.lock, wp.lock (fs/fuse),
 *        ctl->lock (fs/daemon/control.c), r->lock (fs/cli/run.c):
 *                                    what their files say
 *
 * Why this order:
 *  - The token comes after 0-3 and before sysfs_rwsem: its holder sends
 *    invalidations, for which the kernel may wait on a FUSE request in a
 *    directory it holds locked (a lookup, a readdir, a setattr or an
 *    xattr change), whose handler takes sysfs_rwsem shared or a leaf and
 *    nothing of 0-3.  So a uevent is sent where the kernel sends it, in
 *    the middle of a create under unreg_sem (notify.c), and never under
 *    sysfs_rwsem or a leaf; the holder takes only nt.lock.
 *  - d->lock is held around parent_start() and parent_status(), so no
 *    hook, which may run under 1-3, may take it (mdevfs_parent_gone()).
 *  - A read holds of->lock around its show, which takes active_sem.
 *  - A remove and an unregistration drain active_sem under unreg_sem.
 *  - A show or store checks under active_sem that its entry is live.
 *  - Under sysfs_rwsem a lookup finds a device in the UUID table
 *    (mdev_list_lock) and its handle (handles_lock), getattr reads the
 *    overrides; under it held exclusively the core takes a device out of
 *    the UUID table, drops an object's last reference (overrides_lock)
 *    and has vanished entries invalidated (handles_lock, then nt.lock to
 *    queue the note).
 *
 * Hooks: a call into a backend (src/mdev_vendor.c, per kind of hook, and
 * include/mdevfs/backend.h, per hook) runs with locks marked "yes" held
 * only, each kind with these:
 *   d->lock     parent_start, parent_status; parent_fini of a failed plug
 *   of->lock    get_available, show_description, attr_show (a read)
 *   unreg_sem   probe, adopt, init, remove, release, request
 *   active_sem  get_available, show_description, attr_show, attr_store
 *   none        parent_init, type_init; parent_fini
 * So a hook must not call what takes a lock ranked at or before one it
 * runs under (mdevfs_type_adopt_device(), mdevfs_parent_drop_device(),
 * mdevfs_parent_gone()), nor, under a lock, wait for a thread that does
 * (parent_fini() under none may join one).  A backend's own locks are
 * its business: they nest inside the hook's.
 *
 * Not locks in this sense: the state directory's flock() and the control
 * socket's name (one daemon per directory and mountpoint), condition
 * variables (each waits with its mutex above), atomics.
 *
 * Enforced as lockdep does, per thread, in builds with MDEVFS_LOCKDEP
 * (every build without NDEBUG; sanitizer and fuzz builds; cmake
 * -DMDEVFS_LOCKDEP=ON): taking a lock out of order, releasing one not
 * held, calling a _locked function without its lock and calling a hook
 * under a lock it may not run under abort with a message naming the
 * locks.  Without it the wrappers are the bare pthread calls.
 */
#ifndef MDEVFS_LOCK_H
#define MDEVFS_LOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#if !defined(MDEVFS_LOCKDEP) && !defined(NDEBUG)
#define MDEVFS_LOCKDEP 1
#endif

/* The locks by rank: the value is the rank up to the leaves, which all
 * rank LOCK_LEAF. */
enum lock_id {
	LOCK_DAEMON,       /* 0 */
	LOCK_OPEN_FILE,    /* 1 */
	LOCK_UNREG,        /* 2 */
	LOCK_ACTIVE,       /* 3 */
	LOCK_TOKEN,        /* 4 */
	LOCK_SYSFS,        /* 5 */
	LOCK_LEAF,         /* 6: the first leaf */
	LOCK_MDEV_LIST = LOCK_LEAF,
	LOCK_OVERRIDES,
	LOCK_XATTRS,
	LOCK_IDA,
	LOCK_REPAIRS,
	LOCK_PLUGINS,
	LOCK_NAME_TREE,
	LOCK_HANDLES,
	LOCK_OPEN_FILES,
	LOCK_NOTIFY,
	LOCK_WRITERS,
	LOCK_CONTROL,
	LOCK_RUN,
	LOCK_NR
};

#define LOCK_BIT(id) (1u << (id))
/* The table's "hook" column. */
#define LOCK_HOOK_OK (LOCK_BIT(LOCK_DAEMON) | LOCK_BIT(LOCK_OPEN_FILE) | \
		      LOCK_BIT(LOCK_UNREG) | LOCK_BIT(LOCK_ACTIVE))

struct lock_mutex {
	pthread_mutex_t mutex;
	enum lock_id id;
};

/* Writer-preferring, like a kernel rwsem: once a writer waits, a trylock
 * fails and new readers queue behind it. */
struct lock_rw {
	pthread_rwlock_t rw;
	enum lock_id id;
};

#define LOCK_MUTEX_INIT(lock_id) { PTHREAD_MUTEX_INITIALIZER, (lock_id) }

void lock_mutex_init(struct lock_mutex *m, enum lock_id id);
void lock_mutex_destroy(struct lock_mutex *m);
void lock_rw_init(struct lock_rw *s, enum lock_id id);
void lock_rw_destroy(struct lock_rw *s);

/* The checks (lock.c), built always, called only with MDEVFS_LOCKDEP.
 * @lock is any address naming one lock. */
void lockdep_acquire(enum lock_id id, const void *lock, bool try);
void lockdep_acquired(enum lock_id id, const void *lock, bool write);
void lockdep_release(const void *lock);
void lockdep_assert_held(enum lock_id id, const void *lock, bool write);
void lockdep_assert_hook_ok(const char *hook, unsigned int may_hold);
unsigned int lockdep_depth(void); /* locks this thread holds */
bool lockdep_enabled(void);       /* the core's own calls are checked */

#ifdef MDEVFS_LOCKDEP
#define LOCKDEP_ON 1
#else
#define LOCKDEP_ON 0
#endif

static inline void lock_before(enum lock_id id, const void *lock, bool try)
{
	if (LOCKDEP_ON)
		lockdep_acquire(id, lock, try);
}

static inline void lock_after(enum lock_id id, const void *lock, bool write)
{
	if (LOCKDEP_ON)
		lockdep_acquired(id, lock, write);
}

static inline void lock_gone(const void *lock)
{
	if (LOCKDEP_ON)
		lockdep_release(lock);
}

static inline void lock_mutex(struct lock_mutex *m)
{
	lock_before(m->id, m, false);
	pthread_mutex_lock(&m->mutex);
	lock_after(m->id, m, true);
}

static inline void unlock_mutex(struct lock_mutex *m)
{
	lock_gone(m);
	pthread_mutex_unlock(&m->mutex);
}

static inline void lock_rw(struct lock_rw *s, bool write)
{
	lock_before(s->id, s, false);
	if (write)
		pthread_rwlock_wrlock(&s->rw);
	else
		pthread_rwlock_rdlock(&s->rw);
	lock_after(s->id, s, write);
}

static inline void lock_read(struct lock_rw *s) { lock_rw(s, false); }
static inline void lock_write(struct lock_rw *s) { lock_rw(s, true); }

/* True if taken. */
static inline bool lock_try_read(struct lock_rw *s)
{
	lock_before(s->id, s, true);
	if (pthread_rwlock_tryrdlock(&s->rw))
		return false;
	lock_after(s->id, s, false);
	return true;
}

static inline void unlock_rw(struct lock_rw *s)
{
	lock_gone(s);
	pthread_rwlock_unlock(&s->rw);
}

/* The waits keep @m counted as held: nothing else runs on this thread
 * meanwhile, and it is held again when they return. */
static inline void lock_wait(pthread_cond_t *cond, struct lock_mutex *m)
{
	if (LOCKDEP_ON)
		lockdep_assert_held(m->id, m, true);
	pthread_cond_wait(cond, &m->mutex);
}

static inline int lock_timedwait(pthread_cond_t *cond, struct lock_mutex *m,
				 const struct timespec *deadline)
{
	if (LOCKDEP_ON)
		lockdep_assert_held(m->id, m, true);
	return pthread_cond_timedwait(cond, &m->mutex, deadline);
}

/* What no pthread lock is (the notifier's token): held from claim to
 * unclaim as far as the checks go. */
static inline void lock_claim(enum lock_id id, const void *what)
{
	lock_before(id, what, false);
	lock_after(id, what, true);
}

static inline void lock_unclaim(const void *what)
{
	lock_gone(what);
}

/* lockdep_assert_held(): in every _locked function and wherever a caller
 * must hold a lock.  Any mode, or exclusive. */
#define lock_assert_held(l) \
	(LOCKDEP_ON ? lockdep_assert_held((l)->id, (l), false) : (void)0)
#define lock_assert_held_write(l) \
	(LOCKDEP_ON ? lockdep_assert_held((l)->id, (l), true) : (void)0)
#define lock_assert_claimed(id, what) \
	(LOCKDEP_ON ? lockdep_assert_held((id), (what), false) : (void)0)

/* Before a backend's @hook: every lock held is in @may_hold (LOCK_BITs,
 * within LOCK_HOOK_OK). */
static inline void lock_assert_hook_ok(const char *hook, unsigned int may_hold)
{
	if (LOCKDEP_ON)
		lockdep_assert_hook_ok(hook, may_hold);
}

#endif /* MDEVFS_LOCK_H */
