// SPDX-License-Identifier: MIT
/*
 * `mdevfs run` for a user who is not root: the run happens in a user
 * namespace of its own, where the user is root (as `unshare -Ur`), so it
 * may make the mount and network namespaces, mount FUSE (Linux 4.18+),
 * ramfs and tmpfs, and bind.  The user namespace owns those namespaces,
 * so nothing of it reaches the host's.
 *
 * mdevfs starts itself again in it: clone(2) of a child in a new user
 * namespace, which maps its user and group to 0 and executes
 * /proc/self/exe with the same arguments, and from then on is root there
 * like any other run.  clone(2), not unshare(2): a process with threads
 * (a sanitizer's) cannot unshare its user namespace.  The child makes
 * only raw system calls until it executes.  This process waits for it,
 * passes SIGTERM and SIGHUP on, and returns its exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"
#include "run.h"

static pid_t child;

static void pass_on(int sig)
{
	kill(child, sig);
}

/* @text to /proc/self/@file, in raw system calls: 0, or -1. */
static int write_proc(const char *file, const char *text)
{
	long fd = syscall(SYS_open, file, O_WRONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = syscall(SYS_write, fd, text, strlen(text));
	(void)syscall(SYS_close, fd);
	return n == (long)strlen(text) ? 0 : -1;
}

static void child_fail(const char *msg)
{
	(void)syscall(SYS_write, 2, msg, strlen(msg));
	syscall(SYS_exit_group, 127);
}

/* In the new user namespace: its root is the user, then mdevfs again,
 * which ends its COMMAND when this process is killed (SIGKILL too). */
static void child_main(char **argv, const char *uid_map, const char *gid_map,
		       pid_t parent)
{
	if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) ||
	    syscall(SYS_getppid) != parent)
		syscall(SYS_exit_group, 1);
	if (write_proc("/proc/self/uid_map", uid_map) ||
	    write_proc("/proc/self/setgroups", "deny") ||
	    write_proc("/proc/self/gid_map", gid_map))
		child_fail("mdevfs: run: cannot map the user to root of its "
			   "user namespace\n");
	syscall(SYS_execve, "/proc/self/exe", argv, environ);
	child_fail("mdevfs: run: cannot start itself in its user namespace\n");
}

static int wait_child(void)
{
	struct sigaction pass = { .sa_handler = pass_on };
	int status;

	sigaction(SIGTERM, &pass, NULL);
	sigaction(SIGHUP, &pass, NULL);
	/* from the terminal they reach the run itself */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int run_as_user(char **argv, int ready_fd)
{
	g_autofree char *uid_map = g_strdup_printf("0 %u 1", (unsigned)geteuid());
	g_autofree char *gid_map = g_strdup_printf("0 %u 1", (unsigned)getegid());
	pid_t self = getpid();

	if (geteuid() == 0)
		return -1;
	child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD,
			       NULL, NULL, NULL, NULL);
	if (child == 0)
		child_main(argv, uid_map, gid_map, self);
	if (child < 0) {
		/* EPERM: kernel.unprivileged_userns_clone=0 (Debian's) or an
		 * LSM; ENOSPC: user.max_user_namespaces reached, or 0 */
		log_err("run: needs root, or a user namespace, which the kernel "
			"refuses: %s (see user.max_user_namespaces)",
			strerror(errno));
		return 1;
	}
	/* the run's to close: its reader waits for the end of the file */
	if (ready_fd >= 0)
		close(ready_fd);
	return wait_child();
}
