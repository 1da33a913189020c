// SPDX-License-Identifier: MIT
/*
 * Sockets in the daemon's network namespace, and what goes over its
 * control socket (fs/daemon/control_protocol.h): parents plugged and
 * unplugged, devices held, faults.
 *
 * The control socket is an abstract one and uevents are broadcast, both
 * in the daemon's network namespace only.  A socket keeps the namespace
 * it was made in, so a short-lived child joins the namespaces, makes the
 * socket and hands it over (SCM_RIGHTS); a child because only a process
 * of one thread may join a user namespace.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "attr_io.h"
#include "control_protocol.h"
#include "testbed_private.h"

#define UEVENT_GROUP_KERNEL 1
#define UEVENT_RCVBUF (1 << 20)
#define TREE_MOUNTPOINT "/sys"

/*
 * What the child makes, prepared by the parent: the child of a bare
 * clone() runs raw system calls only.  A fork()ed child of a test under
 * ThreadSanitizer gets the runtime's thread again, and setns() of a user
 * namespace refuses a process of two threads (EINVAL); a bare clone()
 * starts none, and raw calls keep the sanitizers' interceptors (their
 * locks, perhaps held by another thread at the clone) out of the child.
 */
struct socket_job {
	int user_fd, net_fd, sock;
	int domain, type, protocol;
	struct sockaddr_storage addr;	/* bound (netlink) or connected */
	socklen_t addr_len;
	bool bind;
};

static void uevent_job(struct socket_job *job)
{
	struct sockaddr_nl *sa = (struct sockaddr_nl *)&job->addr;

	job->domain = AF_NETLINK;
	job->type = SOCK_DGRAM | SOCK_CLOEXEC;
	job->protocol = NETLINK_KOBJECT_UEVENT;
	sa->nl_family = AF_NETLINK;
	sa->nl_groups = UEVENT_GROUP_KERNEL;
	job->addr_len = sizeof(*sa);
	job->bind = true;
}

static void control_job(struct socket_job *job)
{
	job->domain = AF_UNIX;
	job->type = SOCK_STREAM | SOCK_CLOEXEC;
	job->addr_len = control_address(CONTROL_PREFIX TREE_MOUNTPOINT,
					(struct sockaddr_un *)&job->addr);
}

static long send_fd(int sock, int fd)
{
	char data = 0, cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return syscall(SYS_sendmsg, sock, &msg, 0) == 1 ? 0 : errno;
}

/* The child's work; its result (an errno, 0 for done) is its exit status. */
static long in_namespaces(const struct socket_job *job)
{
	int size = UEVENT_RCVBUF;
	long fd;

	if (syscall(SYS_setns, job->user_fd, CLONE_NEWUSER) ||
	    syscall(SYS_setns, job->net_fd, CLONE_NEWNET))
		return errno;
	fd = syscall(SYS_socket, job->domain, job->type, job->protocol);
	if (fd < 0)
		return errno;
	if (job->bind) {
		/* As udevd: a burst of creates must not overflow it (best
		 * effort: above rmem_max only with CAP_NET_ADMIN). */
		if (syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUFFORCE,
			    &size, sizeof(size)))
			syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUF,
				&size, sizeof(size));
		if (syscall(SYS_bind, fd, &job->addr, job->addr_len))
			return errno;
	} else if (syscall(SYS_connect, fd, &job->addr, job->addr_len)) {
		return errno;
	}
	return send_fd(job->sock, (int)fd);
}

static int receive_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

int testbed_socket(MdevTestbed *tb, enum tree_socket kind, GError **error)
{
	struct socket_job job = { .user_fd = tb->user_fd, .net_fd = tb->net_fd };
	int sv[2], status = 0, fd = -1, err;
	long pid;

	if (kind == TREE_SOCKET_UEVENT)
		uevent_job(&job);
	else
		control_job(&job);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		err = errno;
		goto fail;
	}
	job.sock = sv[1];
	pid = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		syscall(SYS_exit_group, in_namespaces(&job));
	err = errno;
	close(sv[1]);
	if (pid > 0) {
		fd = receive_fd(sv[0]);
		waitpid((pid_t)pid, &status, 0);
		err = WIFEXITED(status) && WEXITSTATUS(status) ?
			WEXITSTATUS(status) : EPROTO;
	}
	close(sv[0]);
	if (fd >= 0)
		return fd;
fail:
	g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
		    "%s in the tree's namespaces: %s",
		    kind == TREE_SOCKET_UEVENT ? "uevent socket" : "control socket",
		    g_strerror(err));
	return -1;
}

static bool send_request(int fd, const char *const *args, const char *input,
			 bool hold)
{
	g_autoptr(GString) line = g_string_new(NULL);

	for (int i = 0; args[i]; i++) {
		g_autofree char *q = g_shell_quote(args[i]);

		g_string_append_printf(line, "%s%s", i ? " " : "", q);
	}
	g_string_append_c(line, '\n');
	if (write_all(fd, line->str, line->len) ||
	    (input && write_all(fd, input, strlen(input))))
		return false;
	/* A hold ends when this side closes; the others end their input. */
	return hold || shutdown(fd, SHUT_WR) == 0;
}

/* The answer's lines until "x STATUS" (or, for a hold, "o holding"):
 * the exit status, its "e" lines in @errors; -1 if the daemon closed. */
static int read_answer(int fd, bool hold, GString *errors)
{
	g_autoptr(GString) in = g_string_new(NULL);
	char buf[4096], *nl;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(in->str, '\n', in->len))) {
			*nl = '\0';
			if (in->str[0] == 'x')
				return atoi(in->str + 2);
			if (hold && g_str_has_prefix(in->str, "o holding "))
				return 0;
			if (in->str[0] == 'e')
				g_string_append_printf(errors, "%s%s",
						       errors->len ? "; " : "",
						       in->str + 2);
			g_string_erase(in, 0, nl + 1 - in->str);
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		g_string_append_len(in, buf, n);
	}
}

bool testbed_ctl(MdevTestbed *tb, const char *const *args, const char *input,
		 int *hold_fd, GError **error)
{
	g_autoptr(GString) errors = g_string_new(NULL);
	int fd = testbed_socket(tb, TREE_SOCKET_CONTROL, error);
	int status;

	if (fd < 0)
		return false;
	status = send_request(fd, args, input, hold_fd) ?
		read_answer(fd, hold_fd, errors) : -1;
	if (status == 0 && hold_fd) {
		*hold_fd = fd;
		return true;
	}
	close(fd);
	if (status == 0)
		return true;
	g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
		    "%s: %s", args[0],
		    status < 0 ? "the daemon closed the connection" : errors->str);
	return false;
}

gboolean mdev_testbed_add_parents(MdevTestbed *tb, const char *config,
				  GError **error)
{
	const char *const args[] = { "register", "-", NULL };

	return testbed_ctl(tb, args, config, NULL, error);
}

gboolean mdev_testbed_remove_parent(MdevTestbed *tb, const char *name,
				    GError **error)
{
	const char *const args[] = { "unregister", name, NULL };

	return testbed_ctl(tb, args, NULL, NULL, error);
}

gboolean mdev_testbed_hold(MdevTestbed *tb, const char *uuid, GError **error)
{
	const char *const args[] = { "hold", uuid, NULL };
	int fd;

	if (g_hash_table_contains(tb->holds, uuid)) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
			    "hold: %s: held by this testbed already", uuid);
		return FALSE;
	}
	if (!testbed_ctl(tb, args, NULL, &fd, error))
		return FALSE;
	g_hash_table_insert(tb->holds, g_strdup(uuid), GINT_TO_POINTER(fd));
	return TRUE;
}

gboolean mdev_testbed_release(MdevTestbed *tb, const char *uuid, GError **error)
{
	gpointer fd;

	if (!g_hash_table_lookup_extended(tb->holds, uuid, NULL, &fd)) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
			    "release: %s: not held by this testbed", uuid);
		return FALSE;
	}
	close(GPOINTER_TO_INT(fd));
	g_hash_table_remove(tb->holds, uuid);
	return TRUE;
}

gboolean mdev_testbed_fault(MdevTestbed *tb, const char *parent,
			    const char *type, const char *settings,
			    GError **error)
{
	g_auto(GStrv) words = g_strsplit_set(settings ? settings : "", " ", -1);
	g_autoptr(GPtrArray) args = g_ptr_array_new();

	g_ptr_array_add(args, "fault");
	g_ptr_array_add(args, (char *)parent);
	g_ptr_array_add(args, (char *)type);
	for (char **w = words; *w; w++)
		if (**w)
			g_ptr_array_add(args, *w);
	g_ptr_array_add(args, NULL);
	return testbed_ctl(tb, (const char *const *)args->pdata, NULL, NULL, error);
}
