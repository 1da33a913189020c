// SPDX-License-Identifier: MIT
/*
 * Low-level FUSE handlers: each maps one request onto the sysfs tables and
 * sends one reply (in the manner of libfuse's passthrough_ll.c).
 *
 * Caching: entries and attributes are cached for opts.timeout and dropped
 * by the notifier as soon as they change (an entry vanishes, a
 * directory's nlink moves); file data is never cached
 * (direct_io), since every read must run the attribute's show, but for
 * the page a MAP_PRIVATE mapping reads (read_for_page_cache()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <linux/fuse.h>

#include <glib.h>

#include "fs.h"
#include "log.h"
#include "macro.h"

static struct fs_options opts = { .timeout = 60.0 };
/* fs_set_session(): a session to invalidate in; set by the loop's thread,
 * read by whoever changes the tree */
static atomic_bool serving;

/* One per open file: the page a read at offset 0 rendered, so short reads
 * continue through one consistent value, as seq_file does. */
struct open_file {
	struct lock_mutex lock; /* LOCK_OPEN_FILE: held around the show */
	bool valid;          /* lock */
	bool shown;          /* lock: a read reached show (kernfs's of->event) */
	size_t len;          /* lock */
	char buf[PAGE_SIZE]; /* lock */
};

/* Files the kernel has open: a RELEASE still in flight when the daemon
 * stops never arrives, and fs_close_files() frees what is left. */
static struct lock_mutex open_files_lock = LOCK_MUTEX_INIT(LOCK_OPEN_FILES);
static GHashTable *open_files; /* owns its struct open_file; open_files_lock */

static void free_file(gpointer data)
{
	struct open_file *of = data;

	lock_mutex_destroy(&of->lock);
	free(of);
}

static void file_opened(struct open_file *of)
{
	lock_mutex(&open_files_lock);
	if (!open_files)
		open_files = g_hash_table_new_full(NULL, NULL, free_file, NULL);
	g_hash_table_add(open_files, of);
	unlock_mutex(&open_files_lock);
}

static void file_closed(struct open_file *of)
{
	lock_mutex(&open_files_lock);
	g_hash_table_remove(open_files, of); /* frees it */
	unlock_mutex(&open_files_lock);
}

void fs_close_files(void)
{
	lock_mutex(&open_files_lock);
	g_clear_pointer(&open_files, g_hash_table_destroy);
	unlock_mutex(&open_files_lock);
}

/* Only a node the kernel holds (its handle has lookups) can have a
 * dentry: lookups that fail leave none that outlives them, and an
 * uncached writable file's dentry is looked up again at each use.  The
 * node's handle is detached: what comes back under the name is new. */
void fs_entry_gone(void *ctx, const struct mdev_store_ctx *sc,
		   struct sysfs_node dir, struct sysfs_node node,
		   const char *name)
{
	fuse_ino_t dir_ino, ino;

	(void)ctx;
	if (serving && handle_find(dir, &dir_ino) && handle_detach(node, &ino))
		notify_inval_entry(dir_ino, name, sc);
}

void fs_attr_changed(void *ctx, const struct mdev_store_ctx *sc,
		     struct sysfs_node dir)
{
	fuse_ino_t ino;

	(void)ctx;
	if (serving && handle_find(dir, &ino))
		notify_inval_attr(ino, sc);
}

void fs_set_options(const struct fs_options *o)
{
	opts = *o;
}

const struct fs_options *fs_get_options(void)
{
	return &opts;
}

void fs_set_session(const struct fuse_session *se)
{
	serving = se != NULL;
}

static struct sysfs_node node_of(fuse_ino_t ino)
{
	return handle_of(ino)->node;
}

/* Whether the node is still in the tree (kernfs_get_active() succeeds). */
static bool node_live(fuse_ino_t ino)
{
	bool live;

	sysfs_read_lock();
	live = sysfs_visible(node_of(ino));
	sysfs_read_unlock();
	return live;
}

static void mdevfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* A link's target never changes while it exists (a link that goes
	 * and comes back is a new inode: handle_detach()). */
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* Not atomic O_TRUNC: with it the kernel sets the file's size to 0
	 * on an O_TRUNC open, and writes past the size are serialised again
	 * (see reply_open()).  The SETATTR it sends instead is a no-op that
	 * answers with the size 4096. */
	conn->want &= ~(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_WRITEBACK_CACHE |
			FUSE_CAP_EXPORT_SUPPORT);
}

/*
 * A write holds its file's inode lock shared in the kernel until mdevfs
 * replies, and the truncate of an O_TRUNC open (the shell's `>`, mdevctl)
 * takes it exclusively: on one inode, `echo UUID > create` would wait for
 * every create in flight on the type, where kernfs has no such lock.  So a
 * writable attribute's entry is never cached (timeout 0: each path walk
 * asks) and a lookup never answers with an inode a file is open on
 * (handle_lookup_unshared()): every opener locks its own, and one opener
 * after another reuses one, so the kernel's dentry stays valid and the
 * walk asks once.  st_ino stays the node's.
 */
static bool inode_per_lookup(struct sysfs_node node, const struct stat *st)
{
	return S_ISREG(st->st_mode) && sysfs_entry(node)->store;
}

static void mdevfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };
	struct sysfs_node child;
	struct handle *h = NULL;
	bool own = false;
	int err;

	/* The reply goes out under the lock: a change that hides this entry
	 * takes the lock exclusively, so its invalidation comes after. */
	sysfs_read_lock();
	err = sysfs_lookup(node_of(parent), name, &child);
	if (!err)
		err = sysfs_getattr(child, &e.attr);
	if (!err) {
		own = inode_per_lookup(child, &e.attr);
		h = own ? handle_lookup_unshared(child) : handle_lookup(child);
		err = h ? 0 : -ENOMEM;
	}
	if (err) {
		sysfs_read_unlock();
		fuse_reply_err(req, -err);
		return;
	}
	e.ino = handle_ino(h);
	e.entry_timeout = own ? 0.0 : opts.timeout;
	e.attr_timeout = opts.timeout;
	err = fuse_reply_entry(req, &e);
	sysfs_read_unlock();
	if (err)
		handle_forget(h, 1);
}

static void mdevfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	handle_forget(handle_of(ino), nlookup);
	fuse_reply_none(req);
}

static void mdevfs_forget_multi(fuse_req_t req, size_t count,
				struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		handle_forget(handle_of(forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

static void reply_attr(fuse_req_t req, fuse_ino_t ino)
{
	struct stat st;
	int err;

	sysfs_read_lock();
	err = sysfs_getattr(node_of(ino), &st);
	sysfs_read_unlock();
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, opts.timeout);
}

static void mdevfs_getattr(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	(void)fi;
	reply_attr(req, ino);
}

/* kernfs keeps chmod/chown; truncation and times are accepted as no-ops
 * (shell `>` on an attribute truncates). */
static void mdevfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			   int to_set, struct fuse_file_info *fi)
{
	int err;

	(void)fi;
	err = sysfs_setattr(node_of(ino),
			    (to_set & FUSE_SET_ATTR_MODE) ? &attr->st_mode : NULL,
			    (to_set & FUSE_SET_ATTR_UID) ? &attr->st_uid : NULL,
			    (to_set & FUSE_SET_ATTR_GID) ? &attr->st_gid : NULL);
	if (err)
		fuse_reply_err(req, -err);
	else
		reply_attr(req, ino);
}

static void mdevfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX];
	ssize_t ret = sysfs_readlink(node_of(ino), buf, sizeof(buf));

	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else
		fuse_reply_readlink(req, buf);
}

struct dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
};

static bool fill_dirent(void *ctx, const char *name, struct sysfs_node child,
			uint64_t next_off)
{
	struct dirbuf *d = ctx;
	const struct sysfs_entry *ent = sysfs_entry(child);
	struct stat st = {
		.st_ino = sysfs_ino(child),
		.st_mode = ent ? ent->mode : S_IFDIR,
	};
	size_t need = fuse_add_direntry(d->req, NULL, 0, name, NULL, 0);

	if (d->used + need > d->size)
		return false;
	fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, name,
			  &st, (off_t)next_off);
	d->used += need;
	return true;
}

static void mdevfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	struct dirbuf d = { .req = req, .size = size };
	int err;

	(void)fi;
	d.buf = malloc(size);
	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	sysfs_read_lock();
	err = sysfs_readdir(node_of(ino), (uint64_t)off, fill_dirent, &d);
	sysfs_read_unlock();
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, d.buf, d.used);
	free(d.buf);
}

/* sysfs's extra open check (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK): the mode
 * bits and the attribute's methods decide, even for root. */
static int open_allowed(struct sysfs_node node, int flags)
{
	const struct sysfs_entry *ent;
	int acc = flags & O_ACCMODE;
	struct stat st;
	int err;

	sysfs_read_lock();
	err = sysfs_visible(node) ? sysfs_getattr(node, &st) : -ENODEV;
	ent = sysfs_entry(node);
	sysfs_read_unlock();
	if (err)
		return -ENODEV; /* kernfs_fop_open(): no active reference */
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if ((acc == O_WRONLY || acc == O_RDWR) &&
	    (!(st.st_mode & 0222) || !ent->store))
		return -EACCES;
	if ((acc == O_RDONLY || acc == O_RDWR) &&
	    (!(st.st_mode & 0444) || !ent->show))
		return -EACCES;
	/* do_dentry_open(), after kernfs_fop_open() said yes: kernfs files
	 * cannot do O_DIRECT.  (FUSE's can, so the VFS lets it through.) */
	if (flags & O_DIRECT)
		return -EINVAL;
	return 0;
}

/*
 * Without FOPEN_PARALLEL_DIRECT_WRITES the kernel serialises writes to one
 * file on its inode lock, so every create of a type would queue behind the
 * slowest vendor probe, where kernfs lets them run together.  libfuse 3.15
 * has fi->parallel_direct_writes; Debian 12's 3.14 cannot set the flag, so
 * the reply is written here (struct fuse_open_out is fixed in size).
 */
static int reply_open(fuse_req_t req, struct fuse_file_info *fi)
{
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 15)
	fi->parallel_direct_writes = 1;
	return fuse_reply_open(req, fi);
#else
	struct fuse_open_out out = {
		.fh = fi->fh,
		.open_flags = FOPEN_DIRECT_IO | FOPEN_NOFLUSH |
			      FOPEN_PARALLEL_DIRECT_WRITES,
	};
	struct iovec iov = { .iov_base = &out, .iov_len = sizeof(out) };

	return fuse_reply_iov(req, &iov, 1);
#endif
}

static void mdevfs_open(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	int err = open_allowed(node_of(ino), fi->flags);
	struct open_file *of;

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	of = calloc(1, sizeof(*of));
	if (!of) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	lock_mutex_init(&of->lock, LOCK_OPEN_FILE);
	fi->fh = (uintptr_t)of;
	fi->direct_io = 1;
	fi->noflush = 1;
	file_opened(of);
	handle_opened(handle_of(ino));
	if (reply_open(req, fi)) {
		handle_released(handle_of(ino));
		file_closed(of);
	}
}

static void mdevfs_release(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

	/* A read may still be returning from its reply: wait for it. */
	lock_mutex(&of->lock);
	unlock_mutex(&of->lock);
	file_closed(of);
	handle_released(handle_of(ino));
	fuse_reply_err(req, 0);
}

/*
 * poll(2) of an attribute, answered as kernfs answers for a file whose
 * attribute has no notification of its own (kernfs_generic_poll()):
 * always readable and writable; POLLPRI and POLLERR, what clients of
 * sysfs_notify() sleep for, until a read has reached show (kernfs starts
 * an open file's event count behind its node's, and a show catches up),
 * and whenever the attribute is gone.  No mdev attribute is ever
 * notified, so the poll handle is not kept.
 */
static void mdevfs_poll(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	unsigned int revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	bool shown;

	if (ph)
		fuse_pollhandle_destroy(ph);
	lock_mutex(&of->lock);
	shown = of->shown;
	unlock_mutex(&of->lock);
	if (!shown || !node_live(ino))
		revents |= POLLERR | POLLPRI;
	fuse_reply_poll(req, revents);
}

/*
 * A read for the page cache, which a direct_io file gets only from a
 * MAP_PRIVATE mapping (the kernel's FUSE lets it through to
 * generic_file_mmap(), where sysfs refuses every mmap with ENODEV) or from
 * readahead(2).  Its error would be SIGBUS for the process touching the
 * page, and a short reply would shrink the file's cached size below the
 * page it stats as: so the reply is always the page, the value padded with
 * NULs, or only NULs when show fails.  docs/bad-input.md has the rest.
 */
static void read_for_page_cache(fuse_req_t req, fuse_ino_t ino, size_t size,
				off_t off)
{
	char page[PAGE_SIZE];
	ssize_t ret;

	if (off >= PAGE_SIZE) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* what a failing show left in the page is not shown */
	ret = MAX(sysfs_show(node_of(ino), page), 0);
	memset(page + ret, 0, PAGE_SIZE - (size_t)ret);
	fuse_reply_buf(req, page + off, MIN(size, PAGE_SIZE - (size_t)off));
}

/* A read(2), pread(2) or readv(2) of a direct_io file names its task's
 * files as lock owner (fuse_send_read() sets FUSE_READ_LOCKOWNER); the
 * page cache's reads (fuse_read_folio(), fuse_readahead()) leave the owner
 * 0, which libfuse copies as it is: so in Linux 6.1 and in 6.18 alike.  A
 * kernel thread has no files, and its read looks like the page cache's. */
static bool from_page_cache(const struct fuse_file_info *fi)
{
	return fi->lock_owner == 0;
}

static void mdevfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	ssize_t ret = 0;

	if (from_page_cache(fi)) {
		read_for_page_cache(req, ino, size, off);
		return;
	}
	lock_mutex(&of->lock);
	if (off == 0 || !of->valid) {
		of->shown = true;
		ret = sysfs_show(node_of(ino), of->buf);
		of->valid = ret >= 0;
		of->len = ret >= 0 ? (size_t)ret : 0;
	} else if ((size_t)off >= of->len && !node_live(ino)) {
		/* seq_read_iter() gives what is left of the page; past it,
		 * even at the end, it asks kernfs_seq_start() for more, which
		 * fails once the node is gone. */
		ret = -ENODEV;
	}
	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else if ((size_t)off >= of->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, of->buf + off, MIN(size, of->len - (size_t)off));
	unlock_mutex(&of->lock);
}

/* kernfs_fop_write_iter(): the offset is ignored, at most a page reaches
 * the store, as a NUL-terminated copy; the store runs on a writer thread. */
static void mdevfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			 size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = MIN(size, (size_t)PAGE_SIZE);
	struct write_job *job;

	(void)off, (void)fi;
	if (!size) {
		fuse_reply_write(req, 0);
		return;
	}
	job = malloc(sizeof(*job) + len + 1);
	if (!job) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	job->req = req;
	job->node = node_of(ino);
	job->len = len;
	memcpy(job->buf, buf, len);
	job->buf[len] = '\0';
	writers_submit(job);
}

/* kernfs_fop_poll(): a node that is gone adds EPOLLERR and EPOLLPRI to
 * the default mask; no mdev attribute notifies, so a live one has only
 * the default and nothing is left to wake. */
/* kernfs's directories have no fsync, so fsync(2) and fdatasync(2) of one
 * are EINVAL; its files have noop_fsync(), which is what FUSE does for a
 * daemon without fsync. */
static void mdevfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			    struct fuse_file_info *fi)
{
	(void)ino, (void)datasync, (void)fi;
	fuse_reply_err(req, EINVAL);
}

static void mdevfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = PAGE_SIZE, .f_frsize = PAGE_SIZE,
			      .f_namemax = NAME_MAX };

	(void)ino;
	fuse_reply_statfs(req, &sv);
}

/* sysfs has no create, mkdir, link, rename, unlink or rmdir. */
static void reply_eperm(fuse_req_t req)
{
	fuse_reply_err(req, EPERM);
}

static void mdevfs_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m)
{
	(void)p, (void)n, (void)m;
	reply_eperm(req);
}

/* A regular file comes through vfs_create(), which without ->create is
 * EACCES (fs/namei.c); other kinds through vfs_mknod(): EPERM. */
static void mdevfs_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m,
			 dev_t d)
{
	(void)p, (void)n, (void)d;
	fuse_reply_err(req, S_ISREG(m) ? EACCES : EPERM);
}

static void mdevfs_unlink(fuse_req_t req, fuse_ino_t p, const char *n)
{
	(void)p, (void)n;
	reply_eperm(req);
}

static void mdevfs_symlink(fuse_req_t req, const char *l, fuse_ino_t p,
			   const char *n)
{
	(void)l, (void)p, (void)n;
	reply_eperm(req);
}

static void mdevfs_rename(fuse_req_t req, fuse_ino_t p, const char *n,
			  fuse_ino_t np, const char *nn, unsigned int f)
{
	(void)p, (void)n, (void)np, (void)nn;
	/* kernfs_iop_rename(): flags are EINVAL before anything else. */
	fuse_reply_err(req, f ? EINVAL : EPERM);
}

static void mdevfs_link(fuse_req_t req, fuse_ino_t i, fuse_ino_t np,
			const char *nn)
{
	(void)i, (void)np, (void)nn;
	reply_eperm(req);
}

/* open(O_CREAT) of a new name: vfs_create() without ->create is EACCES. */
static void mdevfs_create(fuse_req_t req, fuse_ino_t p, const char *n,
			  mode_t m, struct fuse_file_info *fi)
{
	(void)p, (void)n, (void)m, (void)fi;
	fuse_reply_err(req, EACCES);
}

const struct fuse_lowlevel_ops mdevfs_ops = {
	.init = mdevfs_init,
	.lookup = mdevfs_lookup,
	.forget = mdevfs_forget,
	.forget_multi = mdevfs_forget_multi,
	.getattr = mdevfs_getattr,
	.setattr = mdevfs_setattr,
	.readlink = mdevfs_readlink,
	.readdir = mdevfs_readdir,
	.open = mdevfs_open,
	.release = mdevfs_release,
	.read = mdevfs_read,
	.write = mdevfs_write,
	.poll = mdevfs_poll,
	.fsyncdir = mdevfs_fsyncdir,
	.statfs = mdevfs_statfs,
	.mkdir = mdevfs_mkdir,
	.mknod = mdevfs_mknod,
	.unlink = mdevfs_unlink,
	.rmdir = mdevfs_unlink,
	.symlink = mdevfs_symlink,
	.rename = mdevfs_rename,
	.link = mdevfs_link,
	.create = mdevfs_create,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.setxattr = fs_setxattr,
	.removexattr = fs_removexattr,
};
