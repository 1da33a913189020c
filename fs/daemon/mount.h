/* SPDX-License-Identifier: MIT */
/*
 * The mount table and mdevfs's own mounts (mount.c).
 *
 * Who may change the mounts on a mountpoint: only the daemon that holds
 * its control socket's name (restart.c claims it first), so two mdevfs
 * started on one mountpoint never act on each other's mounts.
 */
#ifndef MDEVFS_MOUNT_H
#define MDEVFS_MOUNT_H

#include <stdbool.h>

#include <fuse_lowlevel.h>
#include <glib.h>

/* The topmost mount on a path, from /proc/self/mountinfo, which never
 * asks the file system (a dead FUSE mount would answer ENOTCONN, one
 * whose daemon is stuck would not answer at all). */
struct mount_top {
	int id;          /* the mount's id; 0: nothing is mounted there */
	bool fuse;       /* fuse or fuse.SUBTYPE */
	bool mdevfs;     /* fuse.mdevfs */
	long conn;       /* FUSE: its connection as fusectl names it */
};

/* The absolute path of @mountpoint without looking at the mountpoint
 * itself (realpath() of its directory, its name), or NULL. */
char *mount_absolute_path(const char *mountpoint);
/* The topmost mount on the absolute @path (id 0 if none). */
struct mount_top mount_topmost(const char *path);
/* Whether mount @id is on @path, on top or not. */
bool mount_on_path(const char *path, int id);
/* Where mdevfs is mounted (the topmost mount), sorted; NULL-terminated,
 * for g_strfreev(). */
char **mount_mdevfs_paths(void);

/* The outermost mount points strictly beneath the absolute @dir, once
 * each (a recursive bind of one takes those beneath it along), sorted;
 * NULL-terminated, for g_strfreev(). */
char **mount_points_under(const char *dir);

/* How a daemon's tree is mounted. */
struct tree_mount {
	char *path;      /* absolute */
	int id;          /* as root: the mount's id, once mounted */
	bool own;        /* as root: mounted by mdevfs, unmounted by it */
};

/*
 * Mounts @se on @m->path with @opts (the -o list libfuse was given).  As
 * root mdevfs mounts it itself (fsopen()/fsmount()/move_mount()); as a
 * user libfuse does, through fusermount3.  @dead_id: the id of a dead
 * mdevfs mount on the path to replace (0: none).  It is replaced without
 * a moment in which the path is empty where the kernel can mount beneath
 * it (Linux 6.5, root), else detached just before the new mount.  0, or
 * -1 after one line saying why.
 */
int tree_mount(struct tree_mount *m, struct fuse_session *se,
	       const char *opts, int dead_id);
/* Unmounts the tree if it is still mounted where it was (lazily, as
 * libfuse does); a no-op once unmounted by anyone. */
void tree_unmount(struct tree_mount *m, struct fuse_session *se);

/* Detaches the topmost mount on @path lazily: umount2() as root, else
 * fusermount3 -u -z.  0 or -errno. */
int mount_detach(const char *path);

#endif /* MDEVFS_MOUNT_H */
