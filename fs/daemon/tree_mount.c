// SPDX-License-Identifier: MIT
/*
 * The tree's mount (see mount.h and the comment of mount.c): as root with
 * the kernel's mount API, so that a dead mount can be replaced from
 * beneath; as a user through libfuse and fusermount3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "log.h"
#include "mount.h"

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif

/* What libfuse's mount_flags[] makes of an -o option, as mount
 * attributes; ro and rw also go to the superblock, as MS_RDONLY does. */
static const struct attr_opt {
	const char *name;
	unsigned int clear, set;
} attr_opts[] = {
	{ "rw", MOUNT_ATTR_RDONLY, 0 },   { "ro", 0, MOUNT_ATTR_RDONLY },
	{ "suid", MOUNT_ATTR_NOSUID, 0 }, { "nosuid", 0, MOUNT_ATTR_NOSUID },
	{ "dev", MOUNT_ATTR_NODEV, 0 },   { "nodev", 0, MOUNT_ATTR_NODEV },
	{ "exec", MOUNT_ATTR_NOEXEC, 0 }, { "noexec", 0, MOUNT_ATTR_NOEXEC },
	{ "symfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "nosymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "diratime", MOUNT_ATTR_NODIRATIME, 0 },
	{ "nodiratime", 0, MOUNT_ATTR_NODIRATIME },
	{ "atime", MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME },
	{ "strictatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME },
	{ "noatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_NOATIME },
	{ "relatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME },
	{ "norelatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME },
	{ "nostrictatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME },
};

/* The kernel's reason, from the file system context's log. */
static void log_refused(int fs, const char *what)
{
	char msg[256];
	ssize_t n = read(fs, msg, sizeof(msg) - 1);

	if (n > 2) {
		msg[n] = '\0';
		g_strchomp(msg);
		log_err("cannot mount the tree: %s: %s", what, msg + 2);
	} else {
		log_err("cannot mount the tree: %s: %s", what, g_strerror(errno));
	}
}

/* One -o option: a mount attribute, nothing (libfuse's session and
 * mount helpers' x-), or a parameter for the kernel's fuse. */
static int apply_option(int fs, const char *opt, unsigned int *attrs)
{
	g_autofree char *key = g_strdup(opt);
	char *value = strchr(key, '=');
	int ret;

	for (size_t i = 0; i < G_N_ELEMENTS(attr_opts); i++)
		if (!strcmp(opt, attr_opts[i].name)) {
			*attrs = (*attrs & ~attr_opts[i].clear) | attr_opts[i].set;
			if (strcmp(opt, "ro") != 0 && strcmp(opt, "rw") != 0)
				return 0;
		}
	if (!strcmp(opt, "debug") || g_str_has_prefix(opt, "x-") || !*opt)
		return 0;
	if (value)
		*value++ = '\0';
	if (!strcmp(key, "fsname"))
		ret = fsconfig(fs, FSCONFIG_SET_STRING, "source", value, 0);
	else if (value)
		ret = fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0);
	else
		ret = fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0);
	if (ret)
		log_refused(fs, opt);
	return ret;
}

/* Whether a later option of @list after @o sets the same key: as with
 * libfuse, the last one counts (the kernel refuses a second subtype). */
static bool overridden(char **o)
{
	size_t len = strcspn(*o, "=");

	for (char **later = o + 1; *later; later++)
		if (strcspn(*later, "=") == len && !strncmp(*later, *o, len))
			return true;
	return false;
}

/* A detached FUSE mount served by *@fuse_fd: its mount fd, or -1. */
static int new_fuse_mount(const char *opts, int *fuse_fd)
{
	g_auto(GStrv) list = g_strsplit(opts, ",", -1);
	unsigned int attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV; /* libfuse's */
	char num[3][24];
	int fs, mfd = -1;

	*fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (*fuse_fd < 0) {
		log_err("cannot open /dev/fuse: %s", g_strerror(errno));
		return -1;
	}
	fs = fsopen("fuse", FSOPEN_CLOEXEC);
	if (fs < 0) {
		log_err("cannot mount the tree: fsopen: %s", g_strerror(errno));
		goto out_fuse;
	}
	snprintf(num[0], sizeof(num[0]), "%d", *fuse_fd);
	snprintf(num[1], sizeof(num[1]), "%u", (unsigned int)getuid());
	snprintf(num[2], sizeof(num[2]), "%u", (unsigned int)getgid());
	if (fsconfig(fs, FSCONFIG_SET_STRING, "fd", num[0], 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "rootmode", "40000", 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "user_id", num[1], 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "group_id", num[2], 0)) {
		log_refused(fs, "fd");
		goto out_fs;
	}
	for (char **o = list; *o; o++)
		if (!overridden(o) && apply_option(fs, *o, &attrs))
			goto out_fs;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		log_refused(fs, "create");
		goto out_fs;
	}
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned int)attrs);
	if (mfd < 0)
		log_err("cannot mount the tree: fsmount: %s", g_strerror(errno));
out_fs:
	close(fs);
out_fuse:
	if (mfd < 0) {
		close(*fuse_fd);
		*fuse_fd = -1;
	}
	return mfd;
}

static int move_mount_to(int mfd, const char *path, unsigned int flags)
{
	return move_mount(mfd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | flags);
}

/* The id of the mount behind @fd (its fdinfo's mnt_id). */
static int mount_id_of(int fd)
{
	g_autofree char *path = g_strdup_printf("/proc/self/fdinfo/%d", fd);
	g_autofree char *text = NULL;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	p = strstr(text, "mnt_id:");
	return p ? atoi(p + strlen("mnt_id:")) : 0;
}

/* Detaches the dead mount @dead_id if it is still the topmost on @path. */
static int detach_dead(const char *path, int dead_id)
{
	if (mount_topmost(path).id != dead_id) {
		log_err("mountpoint %s: the dead mount is no longer on top", path);
		return -EBUSY;
	}
	return mount_detach(path);
}

/* Over the dead mount @dead_id: beneath it, then it goes; or, where the
 * kernel cannot, it goes first (clients see the empty directory for the
 * time the log line gives). */
static int attach_replacing(int mfd, const char *path, int dead_id)
{
	gint64 gap;
	int ret;

	if (move_mount_to(mfd, path, MOVE_MOUNT_BENEATH) == 0) {
		ret = detach_dead(path, dead_id);
		if (ret == 0)
			log_info("replaced the dead mount on %s from beneath", path);
		return ret;
	}
	log_info("cannot mount beneath the dead mount on %s (%s): detaching it "
		 "first", path, g_strerror(errno));
	gap = g_get_monotonic_time();
	ret = detach_dead(path, dead_id);
	if (ret == 0 && move_mount_to(mfd, path, 0))
		ret = -errno;
	if (ret == 0)
		log_info("replaced the dead mount on %s: %s was empty for %" G_GINT64_FORMAT
			 " µs", path, path, g_get_monotonic_time() - gap);
	return ret;
}

static int mount_as_root(struct tree_mount *m, struct fuse_session *se,
			 const char *opts, int dead_id)
{
	g_autofree char *dev_fd = NULL;
	int fuse_fd, mfd = new_fuse_mount(opts, &fuse_fd);
	int ret;

	if (mfd < 0)
		return -1;
	ret = dead_id ? attach_replacing(mfd, m->path, dead_id) :
			(move_mount_to(mfd, m->path, 0) ? -errno : 0);
	if (ret) {
		log_err("cannot mount on %s: %s", m->path, g_strerror(-ret));
		close(mfd);
		close(fuse_fd);
		return -1;
	}
	m->id = mount_id_of(mfd);
	m->own = true;
	/* Not kept: an open fd on its root would make fusermount3 -u EBUSY. */
	close(mfd);
	dev_fd = g_strdup_printf("/dev/fd/%d", fuse_fd);
	return fuse_session_mount(se, dev_fd) ? -1 : 0;
}

int tree_mount(struct tree_mount *m, struct fuse_session *se,
	       const char *opts, int dead_id)
{
	if (geteuid() == 0)
		return mount_as_root(m, se, opts, dead_id);
	if (dead_id) {
		int ret = detach_dead(m->path, dead_id);

		if (ret) {
			log_err("mountpoint %s: cannot unmount the dead mdevfs: %s",
				m->path, g_strerror(-ret));
			return -1;
		}
	}
	if (fuse_session_mount(se, m->path)) {
		log_err("cannot mount on %s", m->path);
		return -1;
	}
	return 0;
}

void tree_unmount(struct tree_mount *m, struct fuse_session *se)
{
	struct mount_top top;

	if (!m->own) {
		fuse_session_unmount(se);
		return;
	}
	/* Gone already (fusermount3 -u): nothing to do, and the path may be
	 * another daemon's by now. */
	top = mount_topmost(m->path);
	if (top.id == m->id)
		umount2(m->path, MNT_DETACH);
	else if (mount_on_path(m->path, m->id))
		log_warn("%s: something is mounted over the tree; left it", m->path);
	m->own = false;
}
