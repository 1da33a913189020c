// SPDX-License-Identifier: MIT
/*
 * The `passthrough` backend: serves a real kernel mdev parent found under
 * a sysfs root (default /sys), as mdevfs's own parent of the same name.
 *
 *   types       read from the real parent's mdev_supported_types at
 *               registration: name, device_api, description;
 *   available   the real available_instances, read on every read;
 *   create      the UUID written to the real `create` in one write of 36
 *               bytes, its errno passed to the writer unchanged;
 *   remove      `1` written to the real device's `remove` (it blocks while
 *               a VM holds the device, as the kernel's does).
 *
 * The real tree also changes behind mdevfs's back: someone runs mdevctl
 * on the host, or the device is unplugged.  A watcher thread rescans it
 * every `rescan_ms` and brings the view in line through the core, as the
 * kernel's driver core would report it: devices that appeared are adopted,
 * devices that went are dropped, and a parent that went is unplugged.
 * Polling, not inotify: sysfs does not notify attribute or directory
 * changes reliably (nor does a FUSE mount of it).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "attr_io.h"
#include "builtin.h"

struct pt_parent {
	struct mdevfs_parent *parent;
	char *root;           /* the sysfs root */
	char *dir;            /* root/class/mdev_bus/NAME */
	unsigned long rescan_ms;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;            /* lock */
	GHashTable *devices;  /* uuid -> type, ours on both sides; lock */
	pthread_t watcher;
	bool watching;
};

/* A small sysfs file's first line, or NULL. */
static char *read_line(const char *path)
{
	char *text = NULL;

	if (attr_read(path, &text))
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static char *type_dir(struct pt_parent *pp, const char *id)
{
	return g_build_filename(pp->dir, "mdev_supported_types", id, NULL);
}

/* The real types, declared as the parent's own. */
static int add_types(struct pt_parent *pp, struct mdevfs_settings *s)
{
	g_autofree char *types = g_build_filename(pp->dir, "mdev_supported_types", NULL);
	g_autoptr(GDir) dir = g_dir_open(types, 0, NULL);
	const char *prefix = mdevfs_parent_type_prefix(pp->parent);
	size_t plen = strlen(prefix);
	const char *id;

	if (!dir)
		return mdevfs_settings_error(s, "sysfs_root", "%s: cannot read "
			"the real parent's types", types);
	while ((id = g_dir_read_name(dir))) {
		g_autofree char *d = type_dir(pp, id);
		g_autofree char *name = g_build_filename(d, "name", NULL);
		g_autofree char *api = g_build_filename(d, "device_api", NULL);
		g_autofree char *desc = g_build_filename(d, "description", NULL);
		g_autofree char *name_v = read_line(name), *api_v = read_line(api);
		g_autofree char *desc_v = read_line(desc);
		struct mdevfs_type_info info = {
			.sysfs_name = id + plen + 1, .name = name_v,
			.device_api = api_v, .description = desc_v,
		};

		if (strncmp(id, prefix, plen) != 0 || id[plen] != '-')
			return mdevfs_settings_error(s, "sysfs_root", "real type "
				"'%s' does not start with '%s-': set device_driver "
				"(see docs/configuration.md)", id, prefix);
		if (!mdevfs_parent_add_type(pp->parent, &info))
			return mdevfs_settings_error(s, "sysfs_root",
				"cannot serve the real type '%s'", id);
	}
	return 0;
}

/* The real devices of the parent: uuid -> our type. */
static GHashTable *scan_real(struct pt_parent *pp)
{
	GHashTable *real = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, NULL);

	for (unsigned int i = 0;; i++) {
		struct mdevfs_type *t = mdevfs_parent_type(pp->parent, i);
		g_autofree char *d = NULL;
		GDir *dir;
		const char *u;

		if (!t)
			break;
		d = g_build_filename(pp->dir, "mdev_supported_types",
				     mdevfs_type_id(t), "devices", NULL);
		dir = g_dir_open(d, 0, NULL);
		while (dir && (u = g_dir_read_name(dir)))
			g_hash_table_insert(real, g_strdup(u), t);
		if (dir)
			g_dir_close(dir);
	}
	return real;
}

/* One rescan; false once the parent is gone. */
static bool sync_once(struct pt_parent *pp)
{
	g_autoptr(GHashTable) ours = NULL, real = NULL;
	GHashTableIter it;
	gpointer uuid, type;

	if (access(pp->dir, F_OK) != 0) {
		mdevfs_log(MDEVFS_LOG_WARNING, "%s: %s is gone",
			   mdevfs_parent_name(pp->parent), pp->dir);
		mdevfs_parent_gone(pp->parent);
		return false;
	}
	/* Ours first: a device we create meanwhile is in both or in real. */
	pthread_mutex_lock(&pp->lock);
	ours = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_iter_init(&it, pp->devices);
	while (g_hash_table_iter_next(&it, &uuid, &type))
		g_hash_table_insert(ours, g_strdup(uuid), type);
	pthread_mutex_unlock(&pp->lock);
	real = scan_real(pp);
	g_hash_table_iter_init(&it, real);
	while (g_hash_table_iter_next(&it, &uuid, &type))
		if (!g_hash_table_contains(ours, uuid))
			mdevfs_type_adopt_device(type, uuid); /* EEXIST: in flight */
	g_hash_table_iter_init(&it, ours);
	while (g_hash_table_iter_next(&it, &uuid, &type))
		if (!g_hash_table_contains(real, uuid))
			mdevfs_parent_drop_device(pp->parent, uuid); /* EAGAIN: ditto */
	return true;
}

static void *watch_main(void *arg)
{
	struct pt_parent *pp = arg;
	bool stop;

	do {
		gint64 until = g_get_monotonic_time() +
			       (gint64)pp->rescan_ms * G_TIME_SPAN_MILLISECOND;
		struct timespec ts = { until / G_USEC_PER_SEC,
				       (until % G_USEC_PER_SEC) * 1000 };

		pthread_mutex_lock(&pp->lock);
		while (!pp->stop && g_get_monotonic_time() < until)
			pthread_cond_timedwait(&pp->wake, &pp->lock, &ts);
		stop = pp->stop;
		pthread_mutex_unlock(&pp->lock);
	} while (!stop && sync_once(pp));
	return NULL;
}

static void pt_parent_fini(struct mdevfs_parent *parent);

static int pt_parent_init(struct mdevfs_parent *parent,
			  struct mdevfs_settings *s)
{
	struct pt_parent *pp = g_new0(struct pt_parent, 1);
	const char *root = "/sys";
	g_autofree char *link = NULL;
	pthread_condattr_t attr;

	mdevfs_parent_set_drvdata(parent, pp);
	pp->parent = parent;
	pp->rescan_ms = 1000;
	pthread_mutex_init(&pp->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pp->wake, &attr);
	pthread_condattr_destroy(&attr);
	pp->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (mdevfs_settings_string(s, "sysfs_root", &root) == -EINVAL ||
	    mdevfs_settings_uint(s, "rescan_ms", 3600000, &pp->rescan_ms) == -EINVAL)
		goto fail;
	pp->root = g_strdup(root);
	link = g_build_filename(root, "class", "mdev_bus", mdevfs_parent_name(parent), NULL);
	pp->dir = realpath(link, NULL);
	if (!pp->dir) {
		mdevfs_settings_error(s, "sysfs_root", "%s: no mdev parent %s "
			"there (%s)", root, mdevfs_parent_name(parent),
			g_strerror(errno));
		goto fail;
	}
	if (add_types(pp, s))
		goto fail;
	return 0;

fail:
	pt_parent_fini(parent);
	return -EINVAL;
}

static void pt_parent_start(struct mdevfs_parent *parent)
{
	struct pt_parent *pp = mdevfs_parent_drvdata(parent);

	if (pp->rescan_ms && !pthread_create(&pp->watcher, NULL, watch_main, pp))
		pp->watching = true;
}

static void pt_parent_fini(struct mdevfs_parent *parent)
{
	struct pt_parent *pp = mdevfs_parent_drvdata(parent);

	if (pp->watching) {
		pthread_mutex_lock(&pp->lock);
		pp->stop = true;
		pthread_cond_signal(&pp->wake);
		pthread_mutex_unlock(&pp->lock);
		pthread_join(pp->watcher, NULL);
	}
	g_hash_table_destroy(pp->devices);
	pthread_cond_destroy(&pp->wake);
	pthread_mutex_destroy(&pp->lock);
	free(pp->dir);
	g_free(pp->root);
	g_free(pp);
}

static struct pt_parent *pt_of(struct mdevfs_device *dev)
{
	return mdevfs_parent_drvdata(mdevfs_type_parent(mdevfs_device_type(dev)));
}

static void track(struct mdevfs_device *dev, bool add)
{
	struct pt_parent *pp = pt_of(dev);

	pthread_mutex_lock(&pp->lock);
	if (add)
		g_hash_table_insert(pp->devices, g_strdup(mdevfs_device_uuid(dev)),
				    mdevfs_device_type(dev));
	else
		g_hash_table_remove(pp->devices, mdevfs_device_uuid(dev));
	pthread_mutex_unlock(&pp->lock);
}

static int pt_probe(struct mdevfs_device *dev)
{
	struct pt_parent *pp = pt_of(dev);
	g_autofree char *d = type_dir(pp, mdevfs_type_id(mdevfs_device_type(dev)));
	g_autofree char *create = g_build_filename(d, "create", NULL);
	int ret = attr_write(create, mdevfs_device_uuid(dev));

	if (!ret)
		track(dev, true);
	return ret;
}

static int pt_adopt(struct mdevfs_device *dev)
{
	mdevfs_log(MDEVFS_LOG_INFO, "%s: adopted %s, created behind mdevfs",
		   mdevfs_parent_name(pt_of(dev)->parent), mdevfs_device_uuid(dev));
	track(dev, true);
	return 0;
}

static void pt_remove(struct mdevfs_device *dev)
{
	struct pt_parent *pp = pt_of(dev);
	g_autofree char *remove = g_build_filename(pp->root, "bus", "mdev", "devices",
		mdevfs_device_uuid(dev), "remove", NULL);
	int ret = attr_write(remove, "1");

	/* ENOENT: removed behind our back, which is why it goes here too */
	if (ret && ret != -ENOENT)
		mdevfs_log(MDEVFS_LOG_WARNING, "%s: %s: %s", mdevfs_device_uuid(dev),
			   remove, g_strerror(-ret));
	track(dev, false);
}

static unsigned int pt_get_available(struct mdevfs_type *type)
{
	struct pt_parent *pp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	g_autofree char *d = type_dir(pp, mdevfs_type_id(type));
	g_autofree char *path = g_build_filename(d, "available_instances", NULL);
	g_autofree char *text = read_line(path);
	unsigned long n;

	if (!text || attr_parse_count(text, &n))
		return 0; /* gone or garbled: nothing to create */
	return (unsigned int)n;
}

const struct mdevfs_backend passthrough_backend = {
	.abi = MDEVFS_BACKEND_ABI,
	.struct_size = sizeof(struct mdevfs_backend),
	.name = "passthrough",
	.parent_init = pt_parent_init,
	.parent_start = pt_parent_start,
	.parent_fini = pt_parent_fini,
	.probe = pt_probe,
	.remove = pt_remove,
	.get_available = pt_get_available,
	.adopt = pt_adopt,
};
