// SPDX-License-Identifier: MIT
/*
 * Taking a mountpoint (docs/crash-safety.md).
 *
 * The daemon that serves a mountpoint holds its control socket's name, an
 * abstract unix socket bound from the daemon's first step to its last
 * (after its unmount and its state directory).  Binding it is atomic, and
 * the kernel lets go of it when the process ends, however it ends; so it
 * is the mountpoint's lock: only its holder looks at the mountpoint's
 * mounts or changes them.  Two mdevfs started at once on a dead mount
 * cannot both replace it, and one started while the last is stopping
 * waits for it instead of racing its unmount and its state directory.
 *
 * A killed daemon can keep its name: one of its threads was sending an
 * invalidation that waits for a directory lock held by a lookup, which
 * waits for an answer from the dead workers.  The kernel cannot end that
 * thread; aborting the connection (fusectl's `abort`) fails the lookup,
 * the thread ends, and the name and the state directory's lock go.  Such
 * a daemon is known by its main thread being a zombie, and its mount must
 * not be looked at (a stat() of it would wait for ever too).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mount.h"
#include "state.h"

/* How long a start waits for the daemon before it on its mountpoint to
 * finish starting or stopping (removing every device can take a while). */
#define CLAIM_WAIT_SECONDS 60
/* How long the holder's answer to `status` may take: a daemon that has
 * not started its control socket's thread (it is starting) says nothing. */
#define STATUS_WAIT_MS 200

/* In place: g_file_set_contents() would rename a new file over it. */
static int write_abort(const char *connections, long conn)
{
	g_autofree char *abort_file = g_strdup_printf("%s/%ld/abort",
						      connections, conn);
	int fd = open(abort_file, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, "1", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* As root, fusectl is mounted for the moment if the host has not.  Once
 * per connection: a killed daemon's stuck one is aborted while its name
 * is claimed, and found dead again when the mountpoint is looked at. */
static void abort_connection(long conn)
{
	static long aborted = -1; /* one start, one mountpoint: main thread */
	g_autofree char *tmp = NULL;

	if (conn == aborted)
		return;
	aborted = conn;

	if (write_abort("/sys/fs/fuse/connections", conn) == 0) {
		log_info("aborted FUSE connection %ld of the dead mount", conn);
		return;
	}
	if (geteuid() != 0)
		return;
	tmp = g_dir_make_tmp("mdevfs-fusectl-XXXXXX", NULL);
	if (!tmp)
		return;
	if (mount("fusectl", tmp, "fusectl", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) == 0) {
		if (write_abort(tmp, conn))
			log_warn("cannot abort FUSE connection %ld", conn);
		else
			log_info("aborted FUSE connection %ld of the dead mount",
				 conn);
		umount2(tmp, MNT_DETACH);
	}
	rmdir(tmp);
}

/* The state of process @pid ('R', 'S', 'Z'...), or 0 if there is none. */
static char process_state(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	const char *end;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	end = strrchr(text, ')'); /* the command may hold anything */
	if (!end || end[1] != ' ')
		return 0;
	return end[2];
}

enum holder_kind { HOLDER_GONE, HOLDER_KILLED, HOLDER_STARTING,
		   HOLDER_SERVING, HOLDER_STOPPING };

struct holder {
	enum holder_kind kind;
	int pid;
	unsigned int devices;
};

/* The holder's answer to `status` (control.c's cmd_status(), or the
 * acceptor's line while it stops); nothing yet: it is starting. */
static void read_status(int fd, struct holder *h)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	h->kind = HOLDER_STARTING;
	(void)!send(fd, "status\n", 7, MSG_NOSIGNAL);
	if (poll(&pfd, 1, STATUS_WAIT_MS) != 1)
		return;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "o serving pid=%d devices=%u", &h->pid, &h->devices) == 2)
		h->kind = HOLDER_SERVING;
	else if (sscanf(buf, "e " CONTROL_STOPPING_FMT, &h->pid, &h->devices) == 2)
		h->kind = HOLDER_STOPPING;
}

/* Who holds the control socket's @name. */
static struct holder ask_holder(const char *name)
{
	struct holder h = { .kind = HOLDER_GONE };
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);
	int fd = control_connect(name);

	if (fd < 0)
		return h; /* it went meanwhile */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		h.pid = cred.pid;
	if (h.pid > 0 && process_state(h.pid) == 'Z')
		h.kind = HOLDER_KILLED;
	else
		read_status(fd, &h);
	close(fd);
	return h;
}

static void abort_killed(const char *path, const struct holder *h, bool *said)
{
	struct mount_top top = mount_topmost(path);

	if (!*said)
		log_info("the mdevfs on %s (pid %d) was killed, and one of its "
			 "threads waits in the kernel for it", path, h->pid);
	*said = true;
	if (top.mdevfs && top.conn >= 0)
		abort_connection(top.conn);
}

static void say_waiting(const char *path, const struct holder *h, bool *said)
{
	if (*said)
		return;
	*said = true;
	if (h->kind == HOLDER_STOPPING)
		log_warn("waiting for the mdevfs on %s (pid %d) to stop: it is "
			 "removing its devices (%u left)", path, h->pid, h->devices);
	else
		log_warn("waiting for the mdevfs on %s (pid %d): it is starting",
			 path, h->pid);
}

int daemon_claim_mountpoint(struct daemon *d, const char *path)
{
	g_autofree char *name = g_strconcat(CONTROL_PREFIX, path, NULL);
	gint64 deadline = g_get_monotonic_time() +
			  (gint64)CLAIM_WAIT_SECONDS * G_USEC_PER_SEC;
	bool said = false;

	for (;;) {
		int ret = control_open(d, name);
		struct holder h;

		if (ret != -EADDRINUSE)
			return ret;
		h = ask_holder(name);
		if (h.kind == HOLDER_SERVING) {
			log_err("mountpoint %s is busy: mdevfs is already mounted "
				"there (pid %d)", path, h.pid);
			return -EBUSY;
		}
		if (h.kind == HOLDER_KILLED)
			abort_killed(path, &h, &said);
		else if (h.kind != HOLDER_GONE)
			say_waiting(path, &h, &said);
		if (g_get_monotonic_time() > deadline) {
			log_err("the mdevfs on %s (pid %d) is still %s after %d s; "
				"not waiting longer", path, h.pid,
				h.kind == HOLDER_STOPPING ? "stopping" : "there",
				CLAIM_WAIT_SECONDS);
			return -EBUSY;
		}
		g_usleep(20000);
	}
}

/* A FUSE mount on top of @path whose daemon is gone: one of mdevfs's is
 * replaced (its id in *@dead_id), another file system's is not. */
static int dead_mount(const char *path, struct mount_top top, int *dead_id)
{
	if (!top.mdevfs) {
		log_err("mountpoint %s: a dead FUSE mount is there; unmount it "
			"with fusermount3 -u %s", path, path);
		return -1;
	}
	log_warn("replacing the dead mdevfs mount on %s", path);
	/* Ends any thread of the dead daemon the kernel still holds. */
	abort_connection(top.conn);
	*dead_id = top.id;
	return 0;
}

int daemon_inspect_mountpoint(const char *path, int *dead_id)
{
	struct mount_top top = mount_topmost(path);
	struct statx stx;

	*dead_id = 0;
	/* Forced: the kernel would answer from its attribute cache for a
	 * daemon that is gone. */
	if (statx(AT_FDCWD, path, AT_STATX_FORCE_SYNC, STATX_TYPE, &stx)) {
		int err = errno;

		/* ECONNABORTED: the stat was in flight as the daemon died */
		if (top.fuse && (err == ENOTCONN || err == ECONNABORTED))
			return dead_mount(path, top, dead_id);
		if (err == ENOENT)
			log_err("mountpoint %s does not exist", path);
		else
			log_err("mountpoint %s: %s", path, strerror(err));
		return -1;
	}
	if (!S_ISDIR(stx.stx_mode)) {
		log_err("mountpoint %s is not a directory", path);
		return -1;
	}
	/* Alive, yet nobody here holds its name: served from elsewhere
	 * (another network namespace). */
	if (top.mdevfs) {
		log_err("mountpoint %s is busy: mdevfs is already mounted there",
			path);
		return -1;
	}
	return 0;
}

int daemon_open_state(const struct daemon_options *o, const char *path)
{
	g_autofree char *dir = NULL;

	if (o->no_state_dir)
		return 0;
	dir = o->state_dir ? g_strdup(o->state_dir) : state_default_dir(path);
	if (!dir) {
		log_warn("no state directory (not root, and no XDG_RUNTIME_DIR): "
			 "devices will not survive a crash; choose one with "
			 "--state-dir");
		return 0;
	}
	if (state_open(dir, o->durable_state))
		return -1;
	log_info("state directory %s", dir);
	return 0;
}
