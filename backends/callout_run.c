// SPDX-License-Identifier: MIT
/*
 * Running one callout, the way mdevctl runs its scripts (separate argv
 * tokens, the device's JSON on stdin, stdout and stderr captured) plus
 * what a daemon owes itself: no shell, a clean environment, no inherited
 * descriptor, output capped, and a deadline after which the script and
 * everything it started (its process group) are killed.
 *
 * The runner is the writer's thread itself: it polls the pipes until both
 * reach end of file, then waits for the exit, all against one deadline.
 * Nothing here is shared between calls, so calls run in parallel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "callout.h"

struct stream {
	int fd;           /* -1 once at end of file */
	GString *buf;
	bool *truncated;
};

/* In the child between fork and exec: async-signal-safe calls only.  The
 * daemon's threads block SIGTERM and friends and libfuse ignores SIGPIPE;
 * a script inherits both through exec, and must not (a blocked SIGTERM
 * would leave only SIGKILL to stop it). */
static void child_setup(gpointer data)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	(void)data;
	setpgid(0, 0);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A write to a pipe whose reader has gone raises SIGPIPE, which would
 * end the daemon if it is not ignored: block it on this thread around the
 * write and consume the one the write raised. */
static ssize_t write_nosigpipe(int fd, const char *buf, size_t len)
{
	static const struct timespec zero;
	sigset_t pipe_set, old;
	ssize_t n;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	saved = errno;
	if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}

/* Reads what is there; closes the stream at end of file. */
static void drain(struct stream *s)
{
	char chunk[4096];

	for (;;) {
		ssize_t n = read(s->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(s->fd);
			s->fd = -1;
			return;
		}
		if (s->buf->len + (size_t)n > CALLOUT_OUTPUT_MAX) {
			*s->truncated = true;
			n = (ssize_t)(CALLOUT_OUTPUT_MAX - s->buf->len);
		}
		g_string_append_len(s->buf, chunk, n);
	}
}

static int ms_left(gint64 deadline)
{
	gint64 left = deadline - g_get_monotonic_time();

	return left <= 0 ? 0 : (int)MIN((left + 999) / 1000, G_MAXINT);
}

/* Feeds stdin and collects the outputs until both end (true) or the
 * deadline passes (false). */
static bool pump(int in, const char *input, struct stream *out,
		 struct stream *err, gint64 deadline)
{
	size_t left = input ? strlen(input) : 0;

	if (!left) {
		close(in);
		in = -1;
	}
	while (out->fd >= 0 || err->fd >= 0) {
		struct pollfd fds[3];
		nfds_t n = 0;
		int ms = ms_left(deadline);

		if (!ms)
			break;
		if (in >= 0)
			fds[n++] = (struct pollfd){ .fd = in, .events = POLLOUT };
		if (out->fd >= 0)
			fds[n++] = (struct pollfd){ .fd = out->fd, .events = POLLIN };
		if (err->fd >= 0)
			fds[n++] = (struct pollfd){ .fd = err->fd, .events = POLLIN };
		if (poll(fds, n, ms) < 0 && errno != EINTR)
			break;
		if (in >= 0 && fds[0].revents) {
			ssize_t w = write_nosigpipe(in, input, left);

			if (w > 0) {
				input += w;
				left -= (size_t)w;
			}
			/* Done, or the script does not read its stdin. */
			if (!left || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in);
				in = -1;
			}
		}
		if (out->fd >= 0)
			drain(out);
		if (err->fd >= 0)
			drain(err);
	}
	if (in >= 0)
		close(in);
	return out->fd < 0 && err->fd < 0;
}

/* Whether @pid has exited, without reaping it: an unreaped leader keeps
 * its process group's id from being reused while we may still kill it. */
static bool exited(GPid pid)
{
	siginfo_t info = { 0 };

	return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid == pid;
}

/* The outputs are closed; the exit follows at once, unless the script
 * closed them itself and carries on. */
static bool wait_exit(GPid pid, gint64 deadline)
{
	while (!exited(pid)) {
		if (g_get_monotonic_time() >= deadline)
			return false;
		g_usleep(1000);
	}
	return true;
}

static void kill_group(GPid pid)
{
	kill(-pid, SIGTERM);
	wait_exit(pid, g_get_monotonic_time() + CALLOUT_KILL_GRACE_MS * 1000);
	/* Whatever is left of the group, also what ignored SIGTERM. */
	kill(-pid, SIGKILL);
}

static int set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void callout_run(const char *const *argv, const char *const *envp,
		 const char *input, unsigned long timeout_ms,
		 struct callout_result *res)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	struct stream out = { -1, NULL, &res->truncated };
	struct stream err = { -1, NULL, &res->truncated };
	g_autoptr(GError) error = NULL;
	int in = -1, status = 0;
	GPid pid;

	*res = (struct callout_result){ .out = g_string_new(NULL),
					.err = g_string_new(NULL) };
	out.buf = res->out;
	err.buf = res->err;
	/* Without G_SPAWN_LEAVE_DESCRIPTORS_OPEN the child closes every
	 * descriptor but 0-2 before exec; CLOEXEC keeps our pipe ends out of
	 * children that other threads spawn meanwhile. */
	if (!g_spawn_async_with_pipes_and_fds("/", argv, envp,
			G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
			child_setup, NULL, -1, -1, -1, NULL, NULL, 0, &pid,
			&in, &out.fd, &err.fd, &error)) {
		res->spawn_errno = error->domain == G_SPAWN_ERROR &&
				   error->code == G_SPAWN_ERROR_NOENT ? ENOENT : EIO;
		g_string_assign(res->err, error->message);
		return;
	}
	/* Also from here, in case the child was not scheduled yet (GLib
	 * returns after its exec, but be sure). */
	setpgid(pid, pid);
	set_nonblock(in);
	set_nonblock(out.fd);
	set_nonblock(err.fd);
	if (!pump(in, input, &out, &err, deadline) || !wait_exit(pid, deadline)) {
		res->timed_out = true;
		kill_group(pid);
	}
	if (out.fd >= 0)
		close(out.fd);
	if (err.fd >= 0)
		close(err.fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	g_spawn_close_pid(pid);
	res->exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
						WEXITSTATUS(status);
}

void callout_result_clear(struct callout_result *res)
{
	if (res->out)
		g_string_free(res->out, TRUE);
	if (res->err)
		g_string_free(res->err, TRUE);
	res->out = res->err = NULL;
}
