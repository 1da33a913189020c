// SPDX-License-Identifier: MIT
/*
 * Where stores run.  A store runs on the FUSE worker that received it, as
 * the kernel runs it in the writer's own task, while fewer than half of the
 * workers are busy that way; the rest stays for lookups, reads and readdir
 * however slow the vendors are.  Beyond that, stores go to the writer pool,
 * whose threads start on demand up to a maximum and stay for later writes.
 * A store on a worker never waits for a device's users (that can last
 * until the daemon stops, and the FUSE loop must end first): it gives up
 * with the device as it was (mdev_host.h says what stays), and the pool
 * runs it again.
 *
 * (GLib's GThreadPool would do, but its futex-based GMutex is invisible to
 * ThreadSanitizer, which is how this project finds races.)
 */
#include <errno.h>
#include <stdlib.h>

#include <glib.h>

#include "fs.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"

static struct {
	struct lock_mutex lock; /* a leaf of lock.h's table */
	pthread_cond_t cond;
	GQueue jobs;          /* struct write_job *; lock */
	GArray *threads;      /* pthread_t; lock */
	unsigned int idle;    /* lock */
	unsigned int max;
	unsigned int on_workers;     /* lock: stores running on FUSE workers */
	unsigned int max_on_workers;
	bool stop;            /* lock */
} wp = {
	.lock = LOCK_MUTEX_INIT(LOCK_WRITERS),
	.cond = PTHREAD_COND_INITIALIZER,
	.jobs = G_QUEUE_INIT,
};

/* FUSE_INTERRUPT: the writer got a signal (Ctrl-C).  Only a remove that
 * waits for a device's users gives up; everything else runs to its end. */
static void interrupt_job(fuse_req_t req, void *waiter)
{
	(void)req;
	mdev_interrupt(waiter);
}

/* Runs the store and replies; false (no reply, @job kept) if it ran on a
 * worker and would have waited for users. */
static bool run_job(struct write_job *job, bool on_worker)
{
	struct mdev_waiter *w = &job->store.waiter;
	ssize_t ret;

	w->must_not_wait = on_worker;
	w->again = w->would_wait;
	w->would_wait = false;
	fuse_req_interrupt_func(job->req, interrupt_job, w);
	ret = (w->again ? sysfs_store_again : sysfs_store)(job->node, job->buf,
							  job->len, &job->store);
	/* Returns once no interrupt_job() runs: then the waiter can go. */
	fuse_req_interrupt_func(job->req, NULL, NULL);
	if (w->would_wait) {
		notify_kick();
		return false;
	}

	if (ret > (ssize_t)job->len)
		ret = (ssize_t)job->len;
	notify_reply_write(job->req, ret);
	kobj_put(job->node.obj);
	free(job);
	return true;
}

static void *writer_main(void *arg)
{
	(void)arg;
	lock_mutex(&wp.lock);
	for (;;) {
		struct write_job *job = g_queue_pop_head(&wp.jobs);

		if (job) {
			unlock_mutex(&wp.lock);
			run_job(job, false);
			lock_mutex(&wp.lock);
			continue;
		}
		if (wp.stop)
			break;
		wp.idle++;
		lock_wait(&wp.cond, &wp.lock);
		wp.idle--;
	}
	unlock_mutex(&wp.lock);
	return NULL;
}

int writers_start(unsigned int max_threads, unsigned int max)
{
	wp.max = max ? max : 1;
	wp.max_on_workers = max_threads / 2;
	wp.threads = g_array_new(FALSE, FALSE, sizeof(pthread_t));
	wp.stop = false;
	return 0;
}

/* Finishes every queued write, then ends the threads. */
void writers_stop(void)
{
	lock_mutex(&wp.lock);
	wp.stop = true;
	pthread_cond_broadcast(&wp.cond);
	unlock_mutex(&wp.lock);
	for (guint i = 0; wp.threads && i < wp.threads->len; i++)
		pthread_join(g_array_index(wp.threads, pthread_t, i), NULL);
	if (wp.threads)
		g_array_free(wp.threads, TRUE);
	wp.threads = NULL;
	/* A write queued after the threads ended still gets its answer. */
	for (struct write_job *job; (job = g_queue_pop_head(&wp.jobs));)
		run_job(job, false);
}

static bool take_worker_slot(void)
{
	bool ok;

	lock_mutex(&wp.lock);
	ok = !wp.stop && wp.on_workers < wp.max_on_workers;
	if (ok)
		wp.on_workers++;
	unlock_mutex(&wp.lock);
	return ok;
}

static void put_worker_slot(void)
{
	lock_mutex(&wp.lock);
	wp.on_workers--;
	unlock_mutex(&wp.lock);
}

static void queue_job(struct write_job *job)
{
	pthread_t thread;

	lock_mutex(&wp.lock);
	if (wp.stop) {
		unlock_mutex(&wp.lock);
		run_job(job, false);
		return;
	}
	g_queue_push_tail(&wp.jobs, job);
	/* Every queued job gets a thread of its own, up to the maximum. */
	if (wp.idle < wp.jobs.length && wp.threads->len < wp.max) {
		if (thread_spawn(&thread, writer_main, NULL) == 0) {
			g_array_append_val(wp.threads, thread);
		} else if (wp.threads->len == 0) {
			/* No thread at all: run it here rather than never. */
			g_queue_remove(&wp.jobs, job);
			unlock_mutex(&wp.lock);
			log_err("cannot start a writer thread; writing in place");
			run_job(job, false);
			return;
		}
	}
	pthread_cond_signal(&wp.cond);
	unlock_mutex(&wp.lock);
}

/* Called on a FUSE worker. */
void writers_submit(struct write_job *job)
{
	bool done = false;

	kobj_get(job->node.obj);
	/* The notes its store causes wait for its reply, which sends them. */
	job->store = (struct mdev_store_ctx){ 0 };
	if (take_worker_slot()) {
		done = run_job(job, true);
		put_worker_slot();
	}
	if (!done)
		queue_job(job);
}
