// SPDX-License-Identifier: MIT
/* Threads of the program: the termination signals go to the thread that
 * runs the FUSE loop (libfuse's handlers end it), never to a worker. */
#include <pthread.h>
#include <signal.h>

#include "fs.h"

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
