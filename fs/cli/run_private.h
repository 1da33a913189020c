/* SPDX-License-Identifier: MIT */
/* What run.c and run_dev.c share: the daemon's staging ramfs and the
 * steps both make in the daemon's mount namespace. */
#ifndef MDEVFS_RUN_PRIVATE_H
#define MDEVFS_RUN_PRIVATE_H

#include <glib.h>

#define STAGE "/tmp" /* the daemon's: overlay layers, the tree */

/* Each 0, or -1 after one line naming @path and errno. */
int run_fail(const char *what, const char *path);
/* mount(2), with @dst added to @mounts (unmounted at the end, last
 * first). */
int run_mount(GPtrArray *mounts, const char *src, const char *dst,
	      const char *type, unsigned long flags, const char *data);
/* mkdir -p (in an overlay); records in @made (if not NULL) what it made. */
int run_make_dirs(const char *path, GPtrArray *made);
/* An overlay's root stats as its upper layer's: @upper gets @real's mode. */
int run_copy_mode(const char *real, const char *upper);

/* run_mirror.c: in a user namespace (not the host's), a directory that
 * needs a name is covered by a copy (run_mirror.c says why).  Each 0, or
 * -1 after one line. */
bool run_unprivileged(void);
int run_mirror(const char *dir);
/* @path cannot be made (EACCES, in a user namespace): its directory
 * mirrored, to try again. */
int run_mirror_for(const char *path);
void run_mirrors_unmount(void);

/* run_ready.c: --ready-fd.  Check: 0, or -1 after one line (the fd is
 * not open); it is made close-on-exec.  Ready: once @want_monitors uevent
 * monitors listen, @child's pid on @fd (if not -1), which is closed
 * (with nothing written when @child is 0: COMMAND did not start). */
int run_ready_check(int fd);
void run_ready(int fd, pid_t child, unsigned int want_monitors);

/* run_dev.c: the run's /dev.  The overlay, with the real /dev's own
 * mounts put back on it and made shared, in the daemon's new namespace;
 * then /dev/vfio served (vfio_dev.c), its mount added to @mounts. */
int run_dev_overlay(GPtrArray *mounts);
/* Where no udevd runs, an overlay on /run (the same way) with udevd's
 * control file, so that sd-device hears mdevfs's udev route. */
int run_udev_stand_in(GPtrArray *mounts);
int run_dev_vfio(GPtrArray *mounts);

#endif /* MDEVFS_RUN_PRIVATE_H */
