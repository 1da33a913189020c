// SPDX-License-Identifier: MIT
/*
 * The /dev of `mdevfs run`: an overlay, the real /dev below (the host's
 * devtmpfs) and the staging ramfs above, so that /dev/vfio can be made
 * without making anything on the host, and whatever COMMAND makes in /dev
 * (a udevd's nodes and links) stays in the run's upper layer.  And, where
 * no udevd runs, /run the same way, for udevd's control file.
 *
 * An overlay shows the lower layer's file system only, not the mounts on
 * it: /dev/pts, /dev/shm, /run/user/N would be empty directories.  So each
 * of them (with what is mounted beneath it) is cloned before the overlay
 * covers the directory, and the clone put on the overlay at the same
 * place.  A unix socket of the lower layer cannot be connected to through
 * the overlay (ECONNREFUSED: the socket is found by the lower inode), so
 * each socket there (/dev/log, D-Bus's, journald's) is cloned and put
 * back the same way.  Device nodes work through the overlay as on the
 * real /dev: an open reaches the driver by the node's device number.
 *
 * /dev/vfio is a FUSE mount of its own (fs/fuse/vfio_dev.c) on a
 * directory of the upper layer.
 */
#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "mount.h"
#include "run_private.h"

/* Its files are root's with the kernel's modes, which the kernel checks
 * (default_permissions); every user may open /dev/vfio/vfio. */
#define VFIO_MOUNT_OPTS "fsname=mdevfs,subtype=mdevfs-vfio,allow_other," \
			"default_permissions"

/* The clones of the mounts beneath /dev, recursive, as *@trees (one fd
 * each, for @paths): 0, or -1 with none left open. */
static int clone_submounts(char **paths, int *trees)
{
	for (guint i = 0; paths[i]; i++) {
		trees[i] = open_tree(AT_FDCWD, paths[i], OPEN_TREE_CLONE |
				     OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (trees[i] < 0) {
			run_fail("cannot clone the mount on", paths[i]);
			while (i-- > 0)
				close(trees[i]);
			return -1;
		}
	}
	return 0;
}

/* The clones back in their places, on the overlay. */
static int put_back(char **paths, const int *trees)
{
	for (guint i = 0; paths[i]; i++)
		if (move_mount(trees[i], "", AT_FDCWD, paths[i],
			       MOVE_MOUNT_F_EMPTY_PATH))
			return run_fail("cannot put back the mount on", paths[i]);
	return 0;
}

/* The sockets found while walking a directory, not below its mounts. */
static GPtrArray *walk_sockets;

static int note_socket(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)flag, (void)ftw;
	if (S_ISSOCK(st->st_mode))
		g_ptr_array_add(walk_sockets, g_strdup(path));
	return FTW_CONTINUE;
}

/* What an overlay on @dir must put back: the mounts beneath it, then its
 * sockets (the daemon has no other thread yet: walk_sockets is its own). */
static char **to_put_back(const char *dir)
{
	g_auto(GStrv) submounts = mount_points_under(dir);

	walk_sockets = g_ptr_array_new();
	for (char **m = submounts; *m; m++)
		g_ptr_array_add(walk_sockets, g_strdup(*m));
	(void)nftw(dir, note_socket, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	g_ptr_array_add(walk_sockets, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&walk_sockets), FALSE);
}

/* An overlay on @dir (upper and work in the staging ramfs, named after
 * @dir), with what it would hide put back, made shared so that what the
 * daemon mounts there later reaches COMMAND. */
static int overlay_on(GPtrArray *mounts, const char *dir)
{
	g_auto(GStrv) paths = to_put_back(dir);
	g_autofree char *upper = g_strdup_printf(STAGE "%s.upper", dir);
	g_autofree char *work = g_strdup_printf(STAGE "%s.work", dir);
	g_autofree char *opts = g_strdup_printf("lowerdir=%s,upperdir=%s,"
						"workdir=%s", dir, upper, work);
	int *trees = g_new(int, g_strv_length(paths) + 1);
	int ret = -1;

	if (run_make_dirs(upper, NULL) || run_make_dirs(work, NULL) ||
	    run_copy_mode(dir, upper) || clone_submounts(paths, trees))
		goto out_free;
	/* lowerdir is looked up before the overlay covers it: the real one */
	if (run_mount(mounts, "mdevfs", dir, "overlay", 0, opts) ||
	    put_back(paths, trees))
		goto out_trees;
	if (mount(NULL, dir, NULL, MS_SHARED, NULL)) {
		run_fail("cannot make shared", dir);
		goto out_trees;
	}
	ret = 0;
out_trees:
	for (guint i = 0; paths[i]; i++)
		close(trees[i]);
out_free:
	g_free(trees);
	return ret;
}

/* In a user namespace /dev gets a mirror when /dev/vfio is made
 * (run_mirror.c), and a udevd's nodes could not be made in it anyway. */
int run_dev_overlay(GPtrArray *mounts)
{
	if (!run_unprivileged())
		return overlay_on(mounts, "/dev");
	if (mount(NULL, "/dev", NULL, MS_SHARED, NULL))
		return run_fail("cannot make shared", "/dev");
	return 0;
}

/*
 * sd-device (libudev, so pyudev, libvirt, `udevadm monitor --udev`)
 * subscribes to udev's group only where udevd runs (/run/udev/control is
 * there) or /dev is a devtmpfs, which the overlay is not.  Where the host
 * runs no udevd, mdevfs's udev route stands in for one, so the run says
 * so: /run gets an overlay too, with a control file that is a plain file
 * (nothing answers on it, as with a stopped udevd).  A udevd started
 * inside replaces it with its socket.
 */
int run_udev_stand_in(GPtrArray *mounts)
{
	int fd;

	if (access("/run/udev/control", F_OK) == 0)
		return 0;
	/* (in a user namespace, /run gets a mirror instead) */
	if ((!run_unprivileged() && overlay_on(mounts, "/run")) ||
	    run_make_dirs("/run/udev", NULL))
		return -1;
	fd = open("/run/udev/control", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return run_fail("cannot make", "/run/udev/control");
	close(fd);
	return 0;
}

int run_dev_vfio(GPtrArray *mounts)
{
	struct tree_mount m = { .path = g_strdup("/dev/vfio") };
	struct fuse_session *se = vfio_dev_new();
	int ret = -1;

	if (!se || run_make_dirs(m.path, NULL))
		goto out;
	if (tree_mount(&m, se, VFIO_MOUNT_OPTS, 0))
		goto out;
	g_ptr_array_add(mounts, g_strdup(m.path));
	ret = vfio_dev_start();
out:
	g_free(m.path);
	return ret;
}
