// SPDX-License-Identifier: MIT
/*
 * The FUSE floor: the cheapest low-level FUSE file system with mdevfs's
 * path shape, so that bench/mdevbench's ratios show what mdevfs adds over
 * the FUSE round trips themselves.
 *
 *   class/mdev_bus/benchK -> ../../devices/virtual/benchK/benchK
 *   devices/virtual/benchK/benchK/mdev_supported_types/benchK-a/
 *       create (0200), available_instances (0444)
 *   devices/virtual/benchK/benchK/<any name>/remove (0200)
 *   bus/mdev/devices/<any name> -> ../../../devices/virtual/bench0/bench0/<name>
 *
 * for K = 0..7.  Every write is accepted and answered in place; nothing is
 * validated.  The only state is what the protocol forces on a low-level
 * file system (a node per looked-up name, freed at FORGET, as in
 * passthrough_ll.c) and a count of creates minus removes, so that readdir
 * of bus/mdev/devices lists as many made-up names as mdevfs lists devices.
 *
 * It mirrors mdevfs's FUSE options where they change what the kernel sends
 * (fs/fuse/fuse_ops.c, fs/daemon/daemon.c): entries cached 60 s except writable files
 * (0 s, a new node per lookup), attributes 60 s except directories (0 s),
 * opens answered FOPEN_DIRECT_IO | FOPEN_NOFLUSH |
 * FOPEN_PARALLEL_DIRECT_WRITES, no atomic O_TRUNC, no writeback cache,
 * allow_other,default_permissions, the multithreaded loop with 10 workers.
 *
 * Usage: bench_baseline_fs MOUNTPOINT (foreground; SIGTERM unmounts).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <fuse_lowlevel.h>
#include <linux/fuse.h>

#define NPARENTS 8
#define TIMEOUT 60.0
#define UUID_LEN 36

/* Fixed nodes: the ones below, then per parent K the block at PARENT(K). */
enum {
	ROOT = FUSE_ROOT_ID, CLASS, MDEV_BUS, DEVICES, VIRTUAL, BUS, BUS_MDEV,
	BUS_DEVICES, PARENT0,
};
enum { P_LINK, P_VDIR, P_DIR, P_TYPES, P_TYPE, P_AVAIL, P_SLOTS };
#define PARENT(k, slot) ((fuse_ino_t)(PARENT0 + (k) * P_SLOTS + (slot)))
#define NFIXED PARENT(NPARENTS, 0)

/* Nodes made per lookup: their address is their fuse_ino_t. */
enum dyn_kind { D_CREATE, D_DEVDIR, D_REMOVE, D_DEVLINK };
struct dyn {
	enum dyn_kind kind;
	unsigned int parent;
	char name[UUID_LEN + 1];
};

static atomic_long live; /* creates minus removes */

static bool is_fixed(fuse_ino_t ino)
{
	return ino < NFIXED;
}

static struct dyn *dyn_of(fuse_ino_t ino)
{
	return (struct dyn *)(uintptr_t)ino;
}

static fuse_ino_t dyn_new(enum dyn_kind kind, unsigned int parent,
			  const char *name)
{
	struct dyn *d = calloc(1, sizeof(*d));

	if (!d)
		return 0;
	d->kind = kind;
	d->parent = parent;
	snprintf(d->name, sizeof(d->name), "%s", name);
	/* freed at FORGET */
	return (fuse_ino_t)(uintptr_t)d; // cppcheck-suppress memleak
}

static mode_t mode_of(fuse_ino_t ino)
{
	if (!is_fixed(ino)) {
		static const mode_t dyn_modes[] = {
			[D_CREATE] = S_IFREG | 0200, [D_DEVDIR] = S_IFDIR | 0755,
			[D_REMOVE] = S_IFREG | 0200, [D_DEVLINK] = S_IFLNK | 0777,
		};
		return dyn_modes[dyn_of(ino)->kind];
	}
	if (ino < PARENT0)
		return S_IFDIR | 0755;
	switch ((ino - PARENT0) % P_SLOTS) {
	case P_LINK: return S_IFLNK | 0777;
	case P_AVAIL: return S_IFREG | 0444;
	default: return S_IFDIR | 0755;
	}
}

static void stat_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = mode_of(ino);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_size = S_ISREG(st->st_mode) ? 4096 : 0;
	st->st_blksize = 4096;
}

/* Which parent a name "benchK" is, or -1. */
static int parent_named(const char *name)
{
	if (strncmp(name, "bench", 5) != 0 || !name[5] || name[6] ||
	    name[5] < '0' || name[5] >= '0' + NPARENTS)
		return -1;
	return name[5] - '0';
}

static fuse_ino_t lookup_parent_block(unsigned int k, unsigned int slot,
				      const char *name)
{
	char type[32];

	switch (slot) {
	case P_VDIR:
		return parent_named(name) == (int)k ? PARENT(k, P_DIR) : 0;
	case P_DIR:
		if (!strcmp(name, "mdev_supported_types"))
			return PARENT(k, P_TYPES);
		return strlen(name) == UUID_LEN ? dyn_new(D_DEVDIR, k, name) : 0;
	case P_TYPES:
		snprintf(type, sizeof(type), "bench%u-a", k);
		return strcmp(name, type) ? 0 : PARENT(k, P_TYPE);
	case P_TYPE:
		if (!strcmp(name, "create"))
			return dyn_new(D_CREATE, k, name);
		return strcmp(name, "available_instances") ? 0 : PARENT(k, P_AVAIL);
	default:
		return 0;
	}
}

static fuse_ino_t lookup_fixed(fuse_ino_t dir, const char *name)
{
	int k = parent_named(name);

	switch (dir) {
	case ROOT:
		return !strcmp(name, "class") ? CLASS : !strcmp(name, "bus") ? BUS :
		       !strcmp(name, "devices") ? DEVICES : 0;
	case CLASS: return strcmp(name, "mdev_bus") ? 0 : MDEV_BUS;
	case MDEV_BUS: return k < 0 ? 0 : PARENT(k, P_LINK);
	case DEVICES: return strcmp(name, "virtual") ? 0 : VIRTUAL;
	case VIRTUAL: return k < 0 ? 0 : PARENT(k, P_VDIR);
	case BUS: return strcmp(name, "mdev") ? 0 : BUS_MDEV;
	case BUS_MDEV: return strcmp(name, "devices") ? 0 : BUS_DEVICES;
	case BUS_DEVICES:
		return strlen(name) == UUID_LEN ? dyn_new(D_DEVLINK, 0, name) : 0;
	default:
		return lookup_parent_block((unsigned int)(dir - PARENT0) / P_SLOTS,
					   (unsigned int)(dir - PARENT0) % P_SLOTS, name);
	}
}

static void bl_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= ~(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_WRITEBACK_CACHE |
			FUSE_CAP_EXPORT_SUPPORT);
}

static void bl_lookup(fuse_req_t req, fuse_ino_t dir, const char *name)
{
	struct fuse_entry_param e = { 0 };
	bool writable;

	if (is_fixed(dir))
		e.ino = lookup_fixed(dir, name);
	else if (dyn_of(dir)->kind == D_DEVDIR && !strcmp(name, "remove"))
		e.ino = dyn_new(D_REMOVE, dyn_of(dir)->parent, name);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	stat_of(e.ino, &e.attr);
	writable = S_ISREG(e.attr.st_mode) && (e.attr.st_mode & 0200);
	e.entry_timeout = writable ? 0.0 : TIMEOUT;
	e.attr_timeout = S_ISDIR(e.attr.st_mode) ? 0.0 : TIMEOUT;
	if (fuse_reply_entry(req, &e) && !is_fixed(e.ino))
		free(dyn_of(e.ino));
}

/* Each dynamic node is the answer to one lookup: its first FORGET ends it. */
static void forget_one(fuse_ino_t ino)
{
	if (!is_fixed(ino))
		free(dyn_of(ino));
}

static void bl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)nlookup;
	forget_one(ino);
	fuse_reply_none(req);
}

static void bl_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		forget_one(forgets[i].ino);
	fuse_reply_none(req);
}

static void bl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	stat_of(ino, &st);
	fuse_reply_attr(req, &st, S_ISDIR(st.st_mode) ? 0.0 : TIMEOUT);
}

/* Accepts truncation (shell `>`), as mdevfs does. */
static void bl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)attr, (void)to_set;
	bl_getattr(req, ino, fi);
}

static void bl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[128];

	if (is_fixed(ino)) {
		unsigned int k = (unsigned int)(ino - PARENT0) / P_SLOTS;

		snprintf(buf, sizeof(buf), "../../devices/virtual/bench%u/bench%u", k, k);
	} else {
		snprintf(buf, sizeof(buf), "../../../devices/virtual/bench0/bench0/%s",
			 dyn_of(ino)->name);
	}
	fuse_reply_readlink(req, buf);
}

struct dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
};

static bool add_entry(struct dirbuf *d, const char *name, fuse_ino_t ino,
		      mode_t mode, off_t next)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need = fuse_add_direntry(d->req, NULL, 0, name, NULL, 0);

	if (d->used + need > d->size)
		return false;
	fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, name,
			  &st, next);
	d->used += need;
	return true;
}

/* bus/mdev/devices: "." and "..", then one made-up name per live device. */
static void fill_devices(struct dirbuf *d, off_t off)
{
	long n = atomic_load(&live);
	char name[UUID_LEN + 1];

	if (off < 1 && !add_entry(d, ".", BUS_DEVICES, S_IFDIR, 1))
		return;
	if (off < 2 && !add_entry(d, "..", BUS_MDEV, S_IFDIR, 2))
		return;
	for (long i = off > 2 ? off - 2 : 0; i < n; i++) {
		snprintf(name, sizeof(name), "00000000-0000-4000-8000-%012lx",
			 (unsigned long)i & 0xffffffffffffUL);
		if (!add_entry(d, name, BUS_DEVICES + 1000 + (fuse_ino_t)i,
			       S_IFLNK, i + 3))
			return;
	}
}

static void bl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dirbuf d = { .req = req, .size = size };

	(void)fi;
	d.buf = malloc(size);
	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (ino == BUS_DEVICES)
		fill_devices(&d, off);
	else if (off < 1)
		add_entry(&d, ".", ino, S_IFDIR, 1);
	fuse_reply_buf(req, d.buf, d.used);
	free(d.buf);
}

/* What fs/fuse/fuse_ops.c's reply_open() sends. */
static void bl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 15)
	(void)ino;
	fi->direct_io = 1;
	fi->noflush = 1;
	fi->parallel_direct_writes = 1;
	fuse_reply_open(req, fi);
#else
	struct fuse_open_out out = {
		.open_flags = FOPEN_DIRECT_IO | FOPEN_NOFLUSH |
			      FOPEN_PARALLEL_DIRECT_WRITES,
	};
	struct iovec iov = { .iov_base = &out, .iov_len = sizeof(out) };

	(void)ino, (void)fi;
	fuse_reply_iov(req, &iov, 1);
#endif
}

static void bl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino, (void)fi;
	fuse_reply_err(req, 0);
}

static void bl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", 200000 - atomic_load(&live));

	(void)ino, (void)fi;
	if (off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, buf + off,
			       size < (size_t)(len - off) ? size : (size_t)(len - off));
}

static void bl_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)buf, (void)off, (void)fi;
	/* a remove never takes the count below 0 */
	if (dyn_of(ino)->kind == D_CREATE || atomic_fetch_sub(&live, 1) <= 0)
		atomic_fetch_add(&live, 1);
	fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops baseline_ops = {
	.init = bl_init,
	.lookup = bl_lookup,
	.forget = bl_forget,
	.forget_multi = bl_forget_multi,
	.getattr = bl_getattr,
	.setattr = bl_setattr,
	.readlink = bl_readlink,
	.readdir = bl_readdir,
	.open = bl_open,
	.release = bl_release,
	.read = bl_read,
	.write = bl_write,
};

int main(int argc, char *argv[])
{
	char *fargv[] = {
		argv[0], (char *)"-o",
		(char *)"fsname=baseline,subtype=baseline,allow_other,default_permissions",
	};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MOUNTPOINT\n", argv[0]);
		return 2;
	}
	se = fuse_session_new(&args, &baseline_ops, sizeof(baseline_ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, argv[1]))
		goto out_signals;
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, 10);
	ret = fuse_session_loop_mt(se, cfg) < 0 ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	return ret;
}
