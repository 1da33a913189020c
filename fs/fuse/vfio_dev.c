// SPDX-License-Identifier: MIT
/*
 * /dev/vfio for `mdevfs run`: the container `vfio` and a file `N` for each
 * iommu group the tree has now, served by a FUSE session of their own
 * (the tree's is mounted nodev, and FUSE serves no device nodes on it
 * anyway): regular files that behave, for what their opener can see, as
 * the kernel's vfio character devices.
 *
 * An open of `N` holds the group (mdev_hold_group()): a second open, a
 * `mdevfs ctl hold` or a vendor's user makes it EBUSY, as
 * vfio_group_fops_open() does.  A read-write open is a VM's: the device's
 * users count goes up, so a remove waits and asks it to let go; a
 * read-only one only claims the group (see vfio_open()).  RELEASE lets
 * go.  The container can be opened any number of times.
 *
 * ioctls come in FUSE's restricted mode: only _IOC_SIZE bytes of data go
 * in and out, and VFIO's are _IO(';', 100 + x), which carry none.  What
 * needs no data is answered as the kernel answers with no IOMMU driver,
 * everything else is ENOTTY; read and write are EINVAL, as the kernel's
 * (vfio_fops_read() with no driver; the group has no read at all).
 *
 * Nothing is cached: entry and attribute timeouts are 0, so a group is
 * there exactly while the tree has it.
 *
 * Threads: one, the loop thread, runs every request; vfio_dev_stop()
 * takes over once it has ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <glib.h>

#include "fs.h"
#include "log.h"

/* Inodes: the directory, the container, then group N at GROUP_INO + N.
 * Directory positions are the inode numbers too, so a group keeps its
 * place across readdir calls while others come and go. */
enum { DIR_INO = FUSE_ROOT_ID, CONTAINER_INO, GROUP_INO };

static struct {
	struct fuse_session *se;
	pthread_t loop;
	bool running;       /* the loop thread was started */
	int stop;           /* eventfd: the loop ends when it is readable */
	time_t made;        /* every file's times */
	/* The groups open now: struct mdev_holder * (a file's fh), let go at
	 * RELEASE or, for files still open, by vfio_dev_stop().  The loop
	 * thread's, then vfio_dev_stop()'s once it has joined the loop. */
	GHashTable *holds;
} vd = { .stop = -1 };

/* The group an inode names, or -1. */
static int group_of(fuse_ino_t ino)
{
	return ino >= GROUP_INO && ino - GROUP_INO <= INT_MAX ?
		(int)(ino - GROUP_INO) : -1;
}

/* @ino's attributes, as devtmpfs has them (without the device numbers):
 * 0 or ENOENT for a group that is gone. */
static int stat_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = geteuid();
	st->st_gid = getegid();
	st->st_nlink = 1;
	st->st_atime = st->st_mtime = st->st_ctime = vd.made;
	if (ino == DIR_INO) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == CONTAINER_INO) {
		st->st_mode = S_IFREG | 0666; /* c 10:196 */
	} else if (group_of(ino) >= 0 && mdev_vfio_group_live(group_of(ino))) {
		st->st_mode = S_IFREG | 0600; /* c <vfio major>:N */
	} else {
		return ENOENT;
	}
	return 0;
}

/* A group's name as the kernel's: digits, no sign, no leading zero. */
static int parse_group(const char *name)
{
	char *end;
	long n;

	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1]))
		return -1;
	errno = 0;
	n = strtol(name, &end, 10);
	return *end || errno || n > INT_MAX ? -1 : (int)n;
}

static void vfio_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };
	int group = parse_group(name);
	int err = ENOENT;

	if (parent == DIR_INO && !strcmp(name, "vfio"))
		err = stat_of(CONTAINER_INO, &e.attr);
	else if (parent == DIR_INO && group >= 0)
		err = stat_of(GROUP_INO + (fuse_ino_t)group, &e.attr);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	e.ino = e.attr.st_ino;
	fuse_reply_entry(req, &e); /* timeouts 0: asked again at each use */
}

static void vfio_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;
	int err = stat_of(ino, &st);

	(void)fi;
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, 0.0);
}

struct dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
	off_t off;      /* where the reader is: entries before it are done */
};

/* Adds the entry at position @pos if it is at or after the reader and
 * fits; false when full. */
static bool add_entry(struct dirbuf *d, off_t pos, const char *name,
		      fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need;

	if (pos < d->off)
		return true;
	need = fuse_add_direntry(d->req, NULL, 0, name, NULL, 0);
	if (d->used + need > d->size)
		return false;
	fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, name,
			  &st, pos + 1);
	d->used += need;
	return true;
}

/* ".", "..", "vfio", then the groups in ascending order, each at the
 * position of its inode (0 for "."); an entry's offset is the position
 * after it. */
static void vfio_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct dirbuf d = { .req = req, .size = size, .off = off };
	GArray *groups;
	bool room;

	(void)fi;
	if (ino != DIR_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	d.buf = g_malloc(size);
	groups = mdev_vfio_groups();
	room = add_entry(&d, 0, ".", DIR_INO, S_IFDIR) &&
	       add_entry(&d, DIR_INO, "..", DIR_INO, S_IFDIR) &&
	       add_entry(&d, CONTAINER_INO, "vfio", CONTAINER_INO, S_IFREG);
	for (guint i = 0; room && i < groups->len; i++) {
		fuse_ino_t group_ino = GROUP_INO + (fuse_ino_t)g_array_index(groups, int, i);
		char name[16];

		snprintf(name, sizeof(name), "%d", g_array_index(groups, int, i));
		room = add_entry(&d, (off_t)group_ino, name, group_ino, S_IFREG);
	}
	g_array_free(groups, TRUE);
	fuse_reply_buf(req, d.buf, d.used);
	g_free(d.buf);
}

/* The kernel asks a VM to let go through the device's request eventfd
 * (VFIO_DEVICE_SET_IRQS), which a group file cannot give: a remove just
 * waits for the close.  Called under a core lock: must not block. */
static void group_request(void *ctx, unsigned int count)
{
	(void)ctx;
	(void)count;
}

static void vfio_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdev_holder *h = NULL;
	int group = group_of(ino);

	if (ino == DIR_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (group >= 0) {
		/* A VMM opens the group read-write and goes on to the device
		 * fd (GET_DEVICE_FD), which restricted ioctls cannot give:
		 * such an open stands for it, a user of the device.  A
		 * read-only open (libvirt's check, kept open while it stops
		 * the device) only claims the group, as the kernel's open
		 * does.  -ENOENT: gone; -EBUSY: open or held; -ENODEV: its
		 * device is being created or removed, as the kernel's race
		 * with vfio_device_remove_group(). */
		int ret = mdev_hold_group(group,
					  (fi->flags & O_ACCMODE) != O_RDONLY,
					  group_request, NULL, &h);

		if (ret) {
			fuse_reply_err(req, -ret);
			return;
		}
	}
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1; /* read and write reach vfio_read() and vfio_write() */
	if (fuse_reply_open(req, fi)) {
		/* the opener is gone: no RELEASE will come */
		if (h)
			mdev_unhold(h);
		return;
	}
	if (h)
		g_hash_table_add(vd.holds, h);
}

static void vfio_release(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct mdev_holder *h = (struct mdev_holder *)(uintptr_t)fi->fh;

	(void)ino;
	if (h && g_hash_table_remove(vd.holds, h))
		mdev_unhold(h);
	fuse_reply_err(req, 0);
}

/* VFIO_CHECK_EXTENSION's answer for @ext (a plain int: VFIO_TYPE1_IOMMU,
 * VFIO_NOIOMMU_IOMMU, ...): there is no IOMMU here, so no backend that
 * would support one is loaded. */
static int extension_supported(uintptr_t ext)
{
	(void)ext;
	return 0;
}

/* The container's, as vfio_fops_unl_ioctl() with no IOMMU driver. */
static int container_ioctl(unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return extension_supported(arg);
	case VFIO_SET_IOMMU:
		return -EINVAL; /* no group is in the container */
	default:
		/* The kernel says EINVAL while no driver is set and passes
		 * the rest to the driver once one is; none ever is here. */
		return -ENOTTY;
	}
}

/* The group's: those that need data (GET_STATUS, SET_CONTAINER,
 * GET_DEVICE_FD) cannot be served in restricted mode. */
static int group_ioctl(unsigned int cmd)
{
	return cmd == VFIO_GROUP_UNSET_CONTAINER ? -EINVAL /* none set */ :
						   -ENOTTY;
}

static void vfio_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		       void *arg, struct fuse_file_info *fi, unsigned int flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	int ret = ino == CONTAINER_INO ? container_ioctl(cmd, (uintptr_t)arg) :
					 group_ioctl(cmd);

	(void)fi;
	(void)flags;
	(void)in_buf;
	(void)in_bufsz;
	(void)out_bufsz;
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_ioctl(req, ret, NULL, 0);
}

static void vfio_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)ino;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, EINVAL);
}

static void vfio_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, EINVAL);
}

static const struct fuse_lowlevel_ops vfio_ops = {
	.lookup = vfio_lookup,
	.getattr = vfio_getattr,
	.readdir = vfio_readdir,
	.open = vfio_open,
	.release = vfio_release,
	.ioctl = vfio_ioctl,
	.read = vfio_read,
	.write = vfio_write,
};

struct fuse_session *vfio_dev_new(void)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);

	vd.made = time(NULL);
	vd.holds = g_hash_table_new(NULL, NULL);
	vd.stop = eventfd(0, EFD_CLOEXEC);
	if (vd.stop < 0) {
		log_err("/dev/vfio: eventfd: %s", g_strerror(errno));
		return NULL;
	}
	fuse_opt_add_arg(&args, "mdevfs");
	vd.se = fuse_session_new(&args, &vfio_ops, sizeof(vfio_ops), NULL);
	fuse_opt_free_args(&args);
	return vd.se;
}

/* Requests until vfio_dev_stop() or the connection's end. */
static void *loop_main(void *arg)
{
	struct fuse_buf buf = { .mem = NULL };
	struct pollfd fds[] = {
		{ .fd = fuse_session_fd(vd.se), .events = POLLIN },
		{ .fd = vd.stop, .events = POLLIN },
	};
	int ret = 0;

	(void)arg;
	/* The fd is non-blocking (vfio_dev_start()): a read after a stale
	 * POLLIN says EAGAIN rather than keeping the stop waiting. */
	while (ret >= 0 && !(fds[1].revents & POLLIN)) {
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0 || !fds[0].revents)
			continue; /* EINTR, or the stop */
		ret = fuse_session_receive_buf(vd.se, &buf);
		if (ret > 0)
			fuse_session_process_buf(vd.se, &buf);
		else if (ret == -EINTR || ret == -ENOENT || ret == -EAGAIN)
			ret = 0; /* an interrupted request, or none after all */
		else
			ret = -1; /* -ENODEV: unmounted */
	}
	free(buf.mem);
	return NULL;
}

int vfio_dev_start(void)
{
	int fd = fuse_session_fd(vd.se);

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    thread_spawn(&vd.loop, loop_main, NULL))
		return -1;
	vd.running = true;
	return 0;
}

void vfio_dev_stop(void)
{
	GHashTableIter it;
	gpointer h;

	if (vd.running) {
		(void)!write(vd.stop, &(uint64_t){ 1 }, sizeof(uint64_t));
		pthread_join(vd.loop, NULL);
		vd.running = false;
	}
	/* Files still open: their devices must be free for the unplug. */
	if (!vd.holds)
		return;
	g_hash_table_iter_init(&it, vd.holds);
	while (g_hash_table_iter_next(&it, &h, NULL)) {
		mdev_unhold(h);
		g_hash_table_iter_remove(&it);
	}
}

void vfio_dev_free(void)
{
	vfio_dev_stop();
	if (vd.se)
		fuse_session_destroy(vd.se);
	vd.se = NULL;
	if (vd.stop >= 0)
		close(vd.stop);
	vd.stop = -1;
	g_clear_pointer(&vd.holds, g_hash_table_destroy);
}
