// SPDX-License-Identifier: MIT
/*
 * The /dev of `mdevfs run`: an overlay, the real /dev below (the host's
 * devtmpfs) and the staging ramfs above, so that /dev/vfio can be made
 * without making anything on the host, and whatever COMMAND makes in /dev
 * (a udevd's nodes and links) stays in the run's upper layer.
 *
 * An overlay shows the lower layer's file system only, not the mounts on
 * it: /dev/pts, /dev/shm, /dev/mqueue, /dev/hugepages would be empty
 * directories.  So each of them (with what is mounted beneath it) is
 * cloned before the overlay covers /dev, and the clone put on the overlay
 * at the same place.  Device nodes work through the overlay as on the
 * real /dev: an open reaches the driver by the node's device number.
 *
 * /dev/vfio is a FUSE mount of its own (fs/fuse/vfio_dev.c) on a
 * directory of the upper layer.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fs.h"
#include "mount.h"
#include "run_private.h"

#define DEV_UPPER STAGE "/dev.upper"
#define DEV_WORK STAGE "/dev.work"
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

int run_dev_overlay(GPtrArray *mounts)
{
	g_auto(GStrv) paths = mount_points_under("/dev");
	int *trees = g_new(int, g_strv_length(paths) + 1);
	int ret = -1;

	if (run_make_dirs(DEV_UPPER, NULL) || run_make_dirs(DEV_WORK, NULL) ||
	    run_copy_mode("/dev", DEV_UPPER) || clone_submounts(paths, trees))
		goto out_free;
	/* lowerdir is looked up before the overlay covers it: the real /dev */
	if (run_mount(mounts, "mdevfs", "/dev", "overlay", 0,
		      "lowerdir=/dev,upperdir=" DEV_UPPER ",workdir=" DEV_WORK))
		goto out_trees;
	if (put_back(paths, trees))
		goto out_trees;
	/* As /sys: what the daemon mounts here later reaches COMMAND. */
	if (mount(NULL, "/dev", NULL, MS_SHARED, NULL)) {
		run_fail("cannot make shared", "/dev");
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
