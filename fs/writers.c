// SPDX-License-Identifier: MIT
/*
 * The writer pool: every write runs its store here, so a vendor hook that
 * takes seconds ties up a writer thread, never one of libfuse's workers,
 * and lookups, reads and readdir keep being served.  Threads are started
 * on demand up to a maximum and stay for later writes.
 *
 * (GLib's GThreadPool would do, but its futex-based GMutex is invisible to
 * ThreadSanitizer, which is how this project finds races.)
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include <glib.h>

#include "fs.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	GQueue jobs;          /* struct write_job *; lock */
	GArray *threads;      /* pthread_t; lock */
	unsigned int idle;    /* lock */
	unsigned int max;
	bool stop;            /* lock */
} wp = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.jobs = G_QUEUE_INIT,
};

int thread_spawn(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ret = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* FUSE_INTERRUPT: the writer got a signal (Ctrl-C).  Only a remove that
 * waits for a device's users gives up; everything else runs to its end. */
static void interrupt_job(fuse_req_t req, void *waiter)
{
	(void)req;
	mdev_interrupt(waiter);
}

static void run_job(struct write_job *job)
{
	struct mdev_waiter waiter = { .interrupted = false };
	ssize_t ret;

	fuse_req_interrupt_func(job->req, interrupt_job, &waiter);
	mdev_waiter_enter(&waiter);
	ret = sysfs_store(job->node, job->buf, job->len);
	mdev_waiter_enter(NULL);
	/* Returns once no interrupt_job() runs: then the waiter can go. */
	fuse_req_interrupt_func(job->req, NULL, NULL);

	if (ret > (ssize_t)job->len)
		ret = (ssize_t)job->len;
	notify_reply_write(job->req, ret);
	kobj_put(job->node.obj);
	free(job);
}

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wp.lock);
	for (;;) {
		struct write_job *job = g_queue_pop_head(&wp.jobs);

		if (job) {
			pthread_mutex_unlock(&wp.lock);
			run_job(job);
			pthread_mutex_lock(&wp.lock);
			continue;
		}
		if (wp.stop)
			break;
		wp.idle++;
		pthread_cond_wait(&wp.cond, &wp.lock);
		wp.idle--;
	}
	pthread_mutex_unlock(&wp.lock);
	return NULL;
}

int writers_start(unsigned int max)
{
	wp.max = max ? max : 1;
	wp.threads = g_array_new(FALSE, FALSE, sizeof(pthread_t));
	wp.stop = false;
	return 0;
}

/* Finishes every queued write, then ends the threads. */
void writers_stop(void)
{
	pthread_mutex_lock(&wp.lock);
	wp.stop = true;
	pthread_cond_broadcast(&wp.cond);
	pthread_mutex_unlock(&wp.lock);
	for (guint i = 0; wp.threads && i < wp.threads->len; i++)
		pthread_join(g_array_index(wp.threads, pthread_t, i), NULL);
	if (wp.threads)
		g_array_free(wp.threads, TRUE);
	wp.threads = NULL;
	/* A write queued after the threads ended still gets its answer. */
	for (struct write_job *job; (job = g_queue_pop_head(&wp.jobs));)
		run_job(job);
}

void writers_submit(struct write_job *job)
{
	pthread_t thread;

	kobj_get(job->node.obj);
	pthread_mutex_lock(&wp.lock);
	if (wp.stop) {
		pthread_mutex_unlock(&wp.lock);
		run_job(job);
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
			pthread_mutex_unlock(&wp.lock);
			log_err("cannot start a writer thread; writing in place");
			run_job(job);
			return;
		}
	}
	pthread_cond_signal(&wp.cond);
	pthread_mutex_unlock(&wp.lock);
}
