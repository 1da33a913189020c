// SPDX-License-Identifier: MIT
/*
 * Starting again after a crash (docs/crash-safety.md): the dead mount a
 * killed mdevfs left is replaced, and the state directory where the
 * devices are recorded is opened, so that daemon_prepare() can restore
 * them once the parents are registered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

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

int daemon_replace_dead_mount(const char *mountpoint)
{
	g_autofree char *path = absolute_path(mountpoint);
	g_auto(GStrv) mounts = mdevfs_mountpoints();
	int ret;

	if (!path || !g_strv_contains((const char *const *)mounts, path)) {
		log_err("mountpoint %s: a dead FUSE mount is there; unmount it "
			"with fusermount3 -u %s", mountpoint, mountpoint);
		return -ENOTCONN;
	}
	log_warn("replacing the dead mdevfs mount on %s", path);
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
