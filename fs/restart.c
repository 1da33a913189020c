// SPDX-License-Identifier: MIT
/*
 * Starting again after a crash (docs/crash-safety.md): the dead mount a
 * killed mdevfs left is replaced, and the state directory where the
 * devices are recorded is opened, so that daemon_prepare() can restore
 * them once the parents are registered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "log.h"
#include "state.h"

/* The absolute path of @mountpoint without looking at the mountpoint
 * itself, which a dead mount makes unreadable (ENOTCONN). */
static char *absolute_path(const char *mountpoint)
{
	g_autofree char *dir = g_path_get_dirname(mountpoint);
	g_autofree char *base = g_path_get_basename(mountpoint);
	g_autofree char *real = realpath(dir, NULL);

	if (!real || !strcmp(base, ".") || !strcmp(base, "..") ||
	    !strcmp(base, "/"))
		return NULL;
	return g_build_filename(real, base, NULL);
}

/* Lazily: whatever still has the dead mount open keeps it, harmlessly. */
static int detach(const char *path)
{
	const char *argv[] = { "fusermount3", "-u", "-z", path, NULL };
	g_autoptr(GError) err = NULL;
	int status = 0;

	if (geteuid() == 0)
		return umount2(path, MNT_DETACH) ? -errno : 0;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
			  NULL, NULL, NULL, &status, &err)) {
		log_err("fusermount3: %s", err->message);
		return -ENOENT;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

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

/* A killed daemon can leave a thread the kernel cannot end: one that was
 * sending an invalidation and waits for a directory lock held by a lookup,
 * which waits for an answer from the daemon's dead workers.  Aborting the
 * connection (fusectl's `abort`) fails that lookup, so the thread ends and
 * the dead daemon lets go of its state directory.  As root, fusectl is
 * mounted for the moment if the host has not mounted it. */
static void abort_connection(long conn)
{
	g_autofree char *tmp = NULL;

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

/* The daemon that listens on @path's control socket, when its main thread
 * is a zombie: killed, but with a thread the kernel cannot end (sending an
 * invalidation that waits for a lock held by a request to this very
 * daemon).  Its mount is dead, yet asking the mount would hang. */
static bool held_by_killed_daemon(const char *path)
{
	g_autofree char *name = g_strconcat(CONTROL_PREFIX, path, NULL);
	struct ucred cred = { 0 };
	socklen_t cred_len = sizeof(cred);
	int fd = control_connect(name);
	bool zombie = false;

	if (fd < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0)
		zombie = cred.pid > 0 && process_state(cred.pid) == 'Z';
	close(fd);
	if (zombie)
		log_info("the mdevfs on %s (pid %d) was killed, and one of its "
			 "threads waits in the kernel for it", path, (int)cred.pid);
	return zombie;
}

bool daemon_mount_killed(const char *mountpoint)
{
	g_autofree char *path = absolute_path(mountpoint);

	return path && mdevfs_mount_connection(path) >= 0 &&
	       held_by_killed_daemon(path);
}

int daemon_replace_dead_mount(const char *mountpoint)
{
	g_autofree char *path = absolute_path(mountpoint);
	long conn = path ? mdevfs_mount_connection(path) : -1;
	int ret;

	if (conn < 0) {
		log_err("mountpoint %s: a dead FUSE mount is there; unmount it "
			"with fusermount3 -u %s", mountpoint, mountpoint);
		return -ENOTCONN;
	}
	log_warn("replacing the dead mdevfs mount on %s", path);
	abort_connection(conn);
	ret = detach(path);
	if (ret)
		log_err("mountpoint %s: cannot unmount the dead mdevfs: %s",
			mountpoint, g_strerror(-ret));
	return ret;
}

int daemon_open_state(const struct daemon_options *o)
{
	g_autofree char *real = NULL, *dir = NULL;

	if (o->no_state_dir)
		return 0;
	if (o->state_dir) {
		dir = g_strdup(o->state_dir);
	} else {
		real = realpath(o->mountpoint, NULL);
		if (!real) {
			log_err("mountpoint %s: %s", o->mountpoint, g_strerror(errno));
			return -1;
		}
		dir = state_default_dir(real);
		if (!dir) {
			log_warn("no state directory (not root, and no "
				 "XDG_RUNTIME_DIR): devices will not survive a "
				 "crash; choose one with --state-dir");
			return 0;
		}
	}
	if (state_open(dir))
		return -1;
	log_info("state directory %s", dir);
	return 0;
}
