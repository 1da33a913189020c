// SPDX-License-Identifier: MIT
/*
 * bench_baseline_fs: the baseline of bench/mdevbench, the cheapest honest
 * alternative to mdevfs.  It is the plainest low-level FUSE file system
 * with mdevfs's path shape, written as libfuse's example/hello_ll.c and
 * passthrough_ll.c are, with libfuse's defaults.  It is NOT given
 * mdevfs's choices: entries and attributes of every node are cached for
 * 1.0 s (the examples' timeout; no zero timeouts, directories included),
 * each name has one node for as long as the kernel holds it (no new node
 * per lookup), opens answer direct_io and nothing else (no noflush, no
 * parallel direct writes), FLUSH and RELEASE are left to libfuse's
 * defaults, no mount options beyond fsname/subtype (no allow_other, no
 * default_permissions: as in the examples, open checks the access mode),
 * the capabilities libfuse asks for by default, and fuse_session_loop_mt()
 * with the default loop configuration.  It sends no invalidations: a
 * removed device's dentries may stay in the kernel's cache for up to 1 s
 * (mdevfs must not allow that; see issue 16's goal 2).
 *
 *   class/mdev_bus/benchK -> ../../devices/virtual/benchK/benchK
 *   devices/virtual/benchK/benchK/mdev_supported_types/benchK-a/
 *       create (0200), available_instances (0444)
 *   devices/virtual/benchK/benchK/UUID/remove (0200)
 *   bus/mdev/devices/UUID -> ../../../devices/virtual/benchK/benchK/UUID
 *
 * for K = 0..7.  A write of a UUID to create makes the device (EEXIST if
 * it is live, EINVAL if not 36 characters), a write to its remove ends
 * it; available_instances is 200000 minus the type's live devices.  Those
 * are the only checks: there is no vendor, no uevent, no record.
 *
 * Usage: bench_baseline_fs [-d] MOUNTPOINT (foreground; SIGTERM unmounts;
 * -d: libfuse's debug output, every request on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fuse_lowlevel.h>

#include <glib.h>

#define NPARENTS 8
#define TIMEOUT 1.0
#define UUID_LEN 36
#define MAX_INSTANCES 200000L

/* Fixed nodes: the ones below, then per parent K a block of P_SLOTS. */
enum {
	ROOT = FUSE_ROOT_ID, CLASS, MDEV_BUS, DEVICES, VIRTUAL, BUS, BUS_MDEV,
	BUS_DEVICES, PARENT0,
};
enum { P_LINK, P_VDIR, P_DIR, P_TYPES, P_TYPE, P_CREATE, P_AVAIL, P_SLOTS };
#define PARENT(k, slot) ((fuse_ino_t)(PARENT0 + (k) * P_SLOTS + (slot)))
#define NFIXED PARENT(NPARENTS, 0)

struct fixed {
	fuse_ino_t parent;
	char name[32];
	mode_t mode;
};
static struct fixed fixed[NFIXED];

/* A device: three nodes (its bus/mdev/devices link, its directory, its
 * remove), whose ids are its address plus the kind.  It lives in the
 * table while live and in memory while the kernel holds one of them. */
enum dev_kind { K_LINK = 1, K_DIR = 2, K_REMOVE = 3, K_MASK = 3 };
struct dev {
	char uuid[UUID_LEN + 1];
	unsigned int parent;
	bool live;          /* lock */
	uint64_t nlookup;   /* lock: of all three nodes */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *devs;             /* uuid -> live struct dev; lock */
static long live_count[NPARENTS];    /* lock */

static void fixed_add(fuse_ino_t ino, fuse_ino_t parent, const char *name,
		      mode_t mode)
{
	fixed[ino].parent = parent;
	snprintf(fixed[ino].name, sizeof(fixed[ino].name), "%s", name);
	fixed[ino].mode = mode;
}

static void fixed_init(void)
{
	static const struct { fuse_ino_t ino, parent; const char *name; } dirs[] = {
		{ CLASS, ROOT, "class" }, { MDEV_BUS, CLASS, "mdev_bus" },
		{ DEVICES, ROOT, "devices" }, { VIRTUAL, DEVICES, "virtual" },
		{ BUS, ROOT, "bus" }, { BUS_MDEV, BUS, "mdev" },
		{ BUS_DEVICES, BUS_MDEV, "devices" },
	};
	char name[32];

	fixed_add(ROOT, ROOT, "", S_IFDIR | 0755);
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++)
		fixed_add(dirs[i].ino, dirs[i].parent, dirs[i].name, S_IFDIR | 0755);
	for (unsigned int k = 0; k < NPARENTS; k++) {
		snprintf(name, sizeof(name), "bench%u", k);
		fixed_add(PARENT(k, P_LINK), MDEV_BUS, name, S_IFLNK | 0777);
		fixed_add(PARENT(k, P_VDIR), VIRTUAL, name, S_IFDIR | 0755);
		fixed_add(PARENT(k, P_DIR), PARENT(k, P_VDIR), name, S_IFDIR | 0755);
		fixed_add(PARENT(k, P_TYPES), PARENT(k, P_DIR),
			  "mdev_supported_types", S_IFDIR | 0755);
		snprintf(name, sizeof(name), "bench%u-a", k);
		fixed_add(PARENT(k, P_TYPE), PARENT(k, P_TYPES), name, S_IFDIR | 0755);
		fixed_add(PARENT(k, P_CREATE), PARENT(k, P_TYPE), "create",
			  S_IFREG | 0200);
		fixed_add(PARENT(k, P_AVAIL), PARENT(k, P_TYPE),
			  "available_instances", S_IFREG | 0444);
	}
}

static bool is_fixed(fuse_ino_t ino)
{
	return ino < NFIXED;
}

static struct dev *dev_of(fuse_ino_t ino)
{
	return (struct dev *)(uintptr_t)(ino & ~(fuse_ino_t)K_MASK);
}

static enum dev_kind kind_of(fuse_ino_t ino)
{
	return (enum dev_kind)(ino & K_MASK);
}

static fuse_ino_t dev_ino(const struct dev *d, enum dev_kind kind)
{
	return (fuse_ino_t)(uintptr_t)d | kind;
}

/* Which parent K a directory devices/virtual/benchK/benchK is, or -1. */
static int parent_dir(fuse_ino_t ino)
{
	if (ino < PARENT0 || !is_fixed(ino) || (ino - PARENT0) % P_SLOTS != P_DIR)
		return -1;
	return (int)((ino - PARENT0) / P_SLOTS);
}

static unsigned int parent_of_file(fuse_ino_t ino)
{
	return (unsigned int)((ino - PARENT0) / P_SLOTS);
}

static mode_t mode_of(fuse_ino_t ino)
{
	static const mode_t dev_modes[] = {
		[K_LINK] = S_IFLNK | 0777, [K_DIR] = S_IFDIR | 0755,
		[K_REMOVE] = S_IFREG | 0200,
	};

	return is_fixed(ino) ? fixed[ino].mode : dev_modes[kind_of(ino)];
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

/* A live device named @name (under parent @k, or any if -1), one more
 * lookup of its node @kind; 0 if none.  Called with the lock held. */
static fuse_ino_t lookup_dev(const char *name, int k, enum dev_kind kind)
{
	struct dev *d = g_hash_table_lookup(devs, name);

	if (!d || (k >= 0 && d->parent != (unsigned int)k))
		return 0;
	d->nlookup++;
	return dev_ino(d, kind);
}

static fuse_ino_t lookup_locked(fuse_ino_t dir, const char *name)
{
	if (!is_fixed(dir)) {
		struct dev *d = dev_of(dir);

		if (kind_of(dir) != K_DIR || !d->live || strcmp(name, "remove") != 0)
			return 0;
		d->nlookup++;
		return dev_ino(d, K_REMOVE);
	}
	for (fuse_ino_t i = CLASS; i < NFIXED; i++)
		if (fixed[i].parent == dir && strcmp(fixed[i].name, name) == 0)
			return i;
	if (dir == BUS_DEVICES)
		return lookup_dev(name, -1, K_LINK);
	if (parent_dir(dir) >= 0)
		return lookup_dev(name, parent_dir(dir), K_DIR);
	return 0;
}

static void bl_lookup(fuse_req_t req, fuse_ino_t dir, const char *name)
{
	struct fuse_entry_param e = { 0 };

	pthread_mutex_lock(&lock);
	e.ino = lookup_locked(dir, name);
	pthread_mutex_unlock(&lock);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	stat_of(e.ino, &e.attr);
	e.entry_timeout = TIMEOUT;
	e.attr_timeout = TIMEOUT;
	fuse_reply_entry(req, &e);
}

static void forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	struct dev *d;

	if (is_fixed(ino))
		return;
	d = dev_of(ino);
	pthread_mutex_lock(&lock);
	d->nlookup -= nlookup;
	if (!d->nlookup && !d->live)
		free(d);
	pthread_mutex_unlock(&lock);
}

static void bl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void bl_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		forget_one(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void bl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	stat_of(ino, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

/* Truncation (an O_TRUNC open, the shell's `>`) is accepted, as by sysfs. */
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
		unsigned int k = parent_of_file(ino);

		snprintf(buf, sizeof(buf), "../../devices/virtual/bench%u/bench%u", k, k);
	} else {
		const struct dev *d = dev_of(ino);

		snprintf(buf, sizeof(buf), "../../../devices/virtual/bench%u/bench%u/%s",
			 d->parent, d->parent, d->uuid);
	}
	fuse_reply_readlink(req, buf);
}

/* A directory's entries, taken when it is opened (as a readdir of
 * passthrough_ll's reads one open directory stream). */
struct listing {
	size_t n, cap;
	struct entry {
		char name[UUID_LEN + 1];
		fuse_ino_t ino;
		mode_t mode;
	} *e;
};

static void list_add(struct listing *l, const char *name, fuse_ino_t ino,
		     mode_t mode)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->e = g_renew(struct entry, l->e, l->cap);
	}
	snprintf(l->e[l->n].name, sizeof(l->e[l->n].name), "%s", name);
	l->e[l->n].ino = ino;
	l->e[l->n].mode = mode;
	l->n++;
}

static void list_devs(struct listing *l, fuse_ino_t dir)
{
	int k = parent_dir(dir);
	GHashTableIter it;
	gpointer value;

	if (dir != BUS_DEVICES && k < 0)
		return;
	pthread_mutex_lock(&lock);
	g_hash_table_iter_init(&it, devs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const struct dev *d = value;

		if (dir == BUS_DEVICES)
			list_add(l, d->uuid, dev_ino(d, K_LINK), S_IFLNK);
		else if (d->parent == (unsigned int)k)
			list_add(l, d->uuid, dev_ino(d, K_DIR), S_IFDIR);
	}
	pthread_mutex_unlock(&lock);
}

static void bl_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct listing *l = g_new0(struct listing, 1);

	list_add(l, ".", ino, S_IFDIR);
	list_add(l, "..", is_fixed(ino) ? fixed[ino].parent : ino, S_IFDIR);
	if (is_fixed(ino)) {
		for (fuse_ino_t i = CLASS; i < NFIXED; i++)
			if (fixed[i].parent == ino)
				list_add(l, fixed[i].name, i, fixed[i].mode);
		list_devs(l, ino);
	} else {
		list_add(l, "remove", dev_ino(dev_of(ino), K_REMOVE), S_IFREG);
	}
	fi->fh = (uintptr_t)l;
	if (fuse_reply_open(req, fi)) {
		g_free(l->e);
		g_free(l);
	}
}

static void bl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct listing *l = (const struct listing *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off > 0 ? (size_t)off : 0; i < l->n; i++) {
		struct stat st = { .st_ino = l->e[i].ino, .st_mode = l->e[i].mode };
		size_t need = fuse_add_direntry(req, buf + used, size - used,
						l->e[i].name, &st, (off_t)i + 1);

		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void bl_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct listing *l = (struct listing *)(uintptr_t)fi->fh;

	(void)ino;
	g_free(l->e);
	g_free(l);
	fuse_reply_err(req, 0);
}

/* As hello_ll.c: the access mode checked against the file's mode. */
static void bl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	mode_t mode = mode_of(ino);
	int acc = fi->flags & O_ACCMODE;

	if (S_ISDIR(mode)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((acc != O_RDONLY && !(mode & 0200)) || (acc != O_WRONLY && !(mode & 0400))) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1; /* a sysfs-like file has no stable size */
	fuse_reply_open(req, fi);
}

static void bl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	unsigned int k = parent_of_file(ino);
	char buf[32];
	long avail;
	int len;

	(void)fi;
	pthread_mutex_lock(&lock);
	avail = MAX_INSTANCES - live_count[k];
	pthread_mutex_unlock(&lock);
	len = snprintf(buf, sizeof(buf), "%ld\n", avail);
	if (off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, buf + off,
			       size < (size_t)(len - off) ? size : (size_t)(len - off));
}

static int do_create(unsigned int k, const char *buf, size_t size)
{
	struct dev *d;

	if (size && buf[size - 1] == '\n')
		size--;
	if (size != UUID_LEN)
		return EINVAL;
	d = g_new0(struct dev, 1);
	memcpy(d->uuid, buf, UUID_LEN);
	d->parent = k;
	d->live = true;
	pthread_mutex_lock(&lock);
	if (g_hash_table_contains(devs, d->uuid)) {
		pthread_mutex_unlock(&lock);
		g_free(d);
		return EEXIST;
	}
	g_hash_table_insert(devs, d->uuid, d);
	live_count[k]++;
	pthread_mutex_unlock(&lock);
	return 0;
}

/* Its remove node is held (the kernel has it open): the struct stays. */
static int do_remove(struct dev *d)
{
	int err = 0;

	pthread_mutex_lock(&lock);
	if (d->live) {
		d->live = false;
		g_hash_table_remove(devs, d->uuid);
		live_count[d->parent]--;
	} else {
		err = ENODEV;
	}
	pthread_mutex_unlock(&lock);
	return err;
}

static void bl_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	int err;

	(void)off, (void)fi;
	if (is_fixed(ino))
		err = do_create(parent_of_file(ino), buf, size);
	else
		err = do_remove(dev_of(ino));
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops baseline_ops = {
	.lookup = bl_lookup,
	.forget = bl_forget,
	.forget_multi = bl_forget_multi,
	.getattr = bl_getattr,
	.setattr = bl_setattr,
	.readlink = bl_readlink,
	.opendir = bl_opendir,
	.readdir = bl_readdir,
	.releasedir = bl_releasedir,
	.open = bl_open,
	.read = bl_read,
	.write = bl_write,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	bool debug = argc == 3 && strcmp(argv[1], "-d") == 0;
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int ret = 1;

	if (argc != 2 && !debug) {
		fprintf(stderr, "usage: %s [-d] MOUNTPOINT\n", argv[0]);
		return 2;
	}
	fixed_init();
	devs = g_hash_table_new(g_str_hash, g_str_equal);
	fuse_opt_add_arg(&args, argv[0]);
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, "fsname=baseline,subtype=baseline");
	if (debug)
		fuse_opt_add_arg(&args, "-d");
	se = fuse_session_new(&args, &baseline_ops, sizeof(baseline_ops), NULL);
	fuse_opt_free_args(&args);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, argv[argc - 1]))
		goto out_signals;
	cfg = fuse_loop_cfg_create(); /* libfuse's defaults, unchanged */
	ret = fuse_session_loop_mt(se, cfg) < 0 ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	return ret;
}
