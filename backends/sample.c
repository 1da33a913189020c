// SPDX-License-Identifier: MIT
/*
 * The kernel's sample vendor drivers (samples/vfio-mdev: mtty, mdpy,
 * mbochs) as one configurable backend.  What tells them apart is their
 * accounting, so that is what the configuration sets:
 *
 *   parent `pool = N`: the vendor owns N units shared by all the parent's
 *       types (mtty: 24 ports, mbochs: 256 MB).  A type costs `cost` units;
 *       available_instances is free units / cost, and probe takes the
 *       units or fails with ENOSPC, as mtty and mbochs do.
 *   parent `max_instances = N` (a core key): the core counts and gives
 *       EUSERS, as for mdpy; the backend then has nothing to count.
 *
 * Type `attr.NAME = TEXT` adds a read-only vendor attribute whose value is
 * TEXT with {uuid} replaced by the device's UUID (mtty's sample_mdev_dev,
 * mdpy's resolution, mbochs's memory); `rwattr.NAME = VALUE` a writable
 * one that starts at VALUE and shows what was last written (one trailing
 * newline dropped), per device.
 *
 * Type `busy_until_request = N` puts every new device in use (a VM
 * started on it) until the Nth request to release it.  (Slow and flaky
 * vendors are the core's fault injection, for every backend.)
 *
 * adopt() takes back what a device held before mdevfs was restarted after
 * a crash (its units, its simulated user), as probe() does, but fails with
 * ENOSPC rather than overcommit the pool: the vendor's memory is the
 * configuration's, so re-taking is all there is to do.
 *
 * The parent counts what it did (probes, failures, adoptions, removes,
 * requests) and what it holds, shown by `mdevfs ctl list`: after every
 * device is gone, its pool is full again and probes - failures + adopts
 * == removes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "builtin.h"

struct sample_parent {
	atomic_ulong free;   /* pool units left */
	unsigned long total;
	GPtrArray *types;    /* struct sample_type *, freed with the parent */
	atomic_ulong probes, probe_failures, adopts, removes, requests;
};

struct sample_type {
	unsigned long cost;
	unsigned long busy_requests;
	GPtrArray *attrs;    /* attribute texts, by attribute index */
	GArray *writable;    /* gboolean, by attribute index */
};

struct sample_dev {
	pthread_mutex_t lock;
	char **values;       /* writable attributes' values (else NULL); lock */
	unsigned long requests; /* lock */
	bool busy;           /* holds a user (busy_until_request); lock */
};

static void sample_type_free(gpointer data)
{
	struct sample_type *st = data;

	g_ptr_array_free(st->attrs, TRUE);
	g_array_free(st->writable, TRUE);
	g_free(st);
}

static int sample_parent_init(struct mdevfs_parent *parent,
			      struct mdevfs_settings *s)
{
	struct sample_parent *sp;
	unsigned long pool = 0;
	int ret = mdevfs_settings_uint(s, "pool", G_MAXUINT, &pool);

	if (ret == -EINVAL)
		return ret;
	if (ret == 0 && mdevfs_parent_core_counts(parent))
		return mdevfs_settings_error(s, "pool",
			"either the vendor counts (pool) or the core does "
			"(max_instances), not both");
	if (ret == -ENOENT && !mdevfs_parent_core_counts(parent))
		return mdevfs_settings_error(s, "pool",
			"missing: set pool (the vendor counts) or "
			"max_instances (the core counts)");
	sp = g_new0(struct sample_parent, 1);
	atomic_init(&sp->free, pool);
	sp->total = pool;
	sp->types = g_ptr_array_new_with_free_func(sample_type_free);
	mdevfs_parent_set_drvdata(parent, sp);
	return 0;
}

static void sample_parent_fini(struct mdevfs_parent *parent)
{
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);

	g_ptr_array_free(sp->types, TRUE);
	g_free(sp);
}

static int sample_add_attrs(struct mdevfs_type *type, struct sample_type *st,
			    struct mdevfs_settings *s)
{
	for (const char *const *k = mdevfs_settings_keys(s); *k; k++) {
		gboolean rw = g_str_has_prefix(*k, "rwattr.");
		const char *name, *text;
		int ret;

		if (!rw && !g_str_has_prefix(*k, "attr."))
			continue;
		name = strchr(*k, '.') + 1;
		if (mdevfs_settings_string(s, *k, &text))
			return -EINVAL;
		ret = mdevfs_type_add_attr(type, name, rw ? 0644 : 0444);
		if (ret < 0)
			return mdevfs_settings_error(s, *k, "cannot add attribute "
						     "'%s': %s", name, g_strerror(-ret));
		g_ptr_array_add(st->attrs, g_strdup(text));
		g_array_append_val(st->writable, rw);
	}
	return 0;
}

static int sample_type_init(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	struct sample_parent *sp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct sample_type *st = g_new0(struct sample_type, 1);
	int ret;

	st->cost = 1;
	st->attrs = g_ptr_array_new_with_free_func(g_free);
	st->writable = g_array_new(FALSE, FALSE, sizeof(gboolean));
	g_ptr_array_add(sp->types, st);
	mdevfs_type_set_drvdata(type, st);
	ret = mdevfs_settings_uint(s, "cost", G_MAXUINT, &st->cost);
	if (ret == -EINVAL)
		return ret;
	if (ret == 0 && st->cost == 0)
		return mdevfs_settings_error(s, "cost", "must be at least 1");
	if (mdevfs_settings_uint(s, "busy_until_request", 1000,
				 &st->busy_requests) == -EINVAL)
		return -EINVAL;
	return sample_add_attrs(type, st, s);
}

/* Takes the device's units from the pool: atomically, as mbochs does
 * since 2021.  0 or -ENOSPC. */
static int reserve(struct sample_parent *sp, const struct sample_type *st)
{
	unsigned long free = atomic_load(&sp->free);

	do {
		if (free < st->cost)
			return -ENOSPC;
	} while (!atomic_compare_exchange_weak(&sp->free, &free, free - st->cost));
	return 0;
}

static struct sample_dev *sample_dev_new(const struct sample_type *st)
{
	struct sample_dev *sd = g_new0(struct sample_dev, 1);

	pthread_mutex_init(&sd->lock, NULL);
	sd->values = g_new0(char *, st->attrs->len + 1);
	for (guint i = 0; i < st->attrs->len; i++)
		if (g_array_index(st->writable, gboolean, i))
			sd->values[i] = g_strdup(g_ptr_array_index(st->attrs, i));
	return sd;
}

static void sample_dev_free(struct sample_dev *sd, guint n)
{
	for (guint i = 0; i < n; i++)
		g_free(sd->values[i]);
	g_free(sd->values);
	pthread_mutex_destroy(&sd->lock);
	g_free(sd);
}

/* What probe() and adopt() share: the units, the device's state. */
static int sample_take(struct mdevfs_device *dev)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct mdevfs_parent *parent = mdevfs_type_parent(type);
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	struct sample_type *st = mdevfs_type_drvdata(type);
	struct sample_dev *sd;

	if (!mdevfs_parent_core_counts(parent) && reserve(sp, st))
		return -ENOSPC;
	sd = sample_dev_new(st);
	mdevfs_device_set_drvdata(dev, sd);
	if (st->busy_requests) {
		sd->busy = true;
		mdevfs_device_get_user(dev);
	}
	return 0;
}

static int sample_probe(struct mdevfs_device *dev)
{
	struct mdevfs_parent *parent = mdevfs_type_parent(mdevfs_device_type(dev));
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	int ret;

	atomic_fetch_add(&sp->probes, 1);
	ret = sample_take(dev);
	if (ret)
		atomic_fetch_add(&sp->probe_failures, 1);
	return ret;
}

static int sample_adopt(struct mdevfs_device *dev)
{
	struct mdevfs_parent *parent = mdevfs_type_parent(mdevfs_device_type(dev));
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	int ret = sample_take(dev);

	if (ret)
		mdevfs_log(MDEVFS_LOG_WARNING, "%s: %s: not enough units left in "
			   "the pool to adopt it", mdevfs_parent_name(parent),
			   mdevfs_device_uuid(dev));
	else
		atomic_fetch_add(&sp->adopts, 1);
	return ret;
}

/* The simulated VM lets go at the Nth request. */
static void sample_request(struct mdevfs_device *dev, unsigned int count)
{
	struct mdevfs_parent *parent = mdevfs_type_parent(mdevfs_device_type(dev));
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	struct sample_type *st = mdevfs_type_drvdata(mdevfs_device_type(dev));
	struct sample_dev *sd = mdevfs_device_drvdata(dev);
	bool release;

	atomic_fetch_add(&sp->requests, 1);
	pthread_mutex_lock(&sd->lock);
	sd->requests++;
	release = sd->busy && sd->requests >= st->busy_requests;
	if (release)
		sd->busy = false;
	pthread_mutex_unlock(&sd->lock);
	mdevfs_log(MDEVFS_LOG_INFO, "%s: request %u%s", mdevfs_device_uuid(dev),
		   count, release ? ": released" : "");
	if (release)
		mdevfs_device_put_user(dev);
}

static void sample_remove(struct mdevfs_device *dev)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct mdevfs_parent *parent = mdevfs_type_parent(type);
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	struct sample_type *st = mdevfs_type_drvdata(type);

	sample_dev_free(mdevfs_device_drvdata(dev), st->attrs->len);
	mdevfs_device_set_drvdata(dev, NULL);
	if (!mdevfs_parent_core_counts(parent))
		atomic_fetch_add(&sp->free, st->cost);
	atomic_fetch_add(&sp->removes, 1);
}

static ssize_t sample_parent_status(struct mdevfs_parent *parent, char *buf,
				    size_t size)
{
	struct sample_parent *sp = mdevfs_parent_drvdata(parent);
	unsigned long probes = atomic_load(&sp->probes);
	unsigned long failures = atomic_load(&sp->probe_failures);
	unsigned long removes = atomic_load(&sp->removes);
	unsigned long adopts = atomic_load(&sp->adopts);
	int n = 0;

	if (!mdevfs_parent_core_counts(parent))
		n = snprintf(buf, size, "pool=%lu/%lu ", atomic_load(&sp->free),
			     sp->total);
	if (n < 0 || (size_t)n >= size)
		return n;
	return n + snprintf(buf + n, size - (size_t)n,
		"devices=%lu probes=%lu probe_failures=%lu removes=%lu "
		"requests=%lu adopts=%lu", probes - failures + adopts - removes,
		probes, failures, removes, atomic_load(&sp->requests), adopts);
}

static unsigned int sample_get_available(struct mdevfs_type *type)
{
	struct sample_parent *sp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct sample_type *st = mdevfs_type_drvdata(type);

	return (unsigned int)(atomic_load(&sp->free) / st->cost);
}

static ssize_t sample_attr_show(struct mdevfs_device *dev, unsigned int attr,
				char *buf, size_t size)
{
	struct sample_type *st = mdevfs_type_drvdata(mdevfs_device_type(dev));
	struct sample_dev *sd = mdevfs_device_drvdata(dev);
	g_auto(GStrv) parts = NULL;
	g_autofree char *text = NULL;

	if (g_array_index(st->writable, gboolean, attr)) {
		ssize_t n;

		pthread_mutex_lock(&sd->lock);
		n = snprintf(buf, size, "%s\n", sd->values[attr]);
		pthread_mutex_unlock(&sd->lock);
		return n;
	}
	parts = g_strsplit(g_ptr_array_index(st->attrs, attr), "{uuid}", -1);
	text = g_strjoinv(mdevfs_device_uuid(dev), parts);
	return snprintf(buf, size, "%s\n", text);
}

static ssize_t sample_attr_store(struct mdevfs_device *dev, unsigned int attr,
				 const char *buf, size_t count)
{
	struct sample_dev *sd = mdevfs_device_drvdata(dev);
	size_t len = strnlen(buf, count);

	if (len && buf[len - 1] == '\n')
		len--;
	pthread_mutex_lock(&sd->lock);
	g_free(sd->values[attr]);
	sd->values[attr] = g_strndup(buf, len);
	pthread_mutex_unlock(&sd->lock);
	return (ssize_t)count;
}

const struct mdevfs_backend sample_backend = {
	.abi = MDEVFS_BACKEND_ABI,
	.struct_size = sizeof(struct mdevfs_backend),
	.name = "sample",
	.parent_init = sample_parent_init,
	.type_init = sample_type_init,
	.parent_fini = sample_parent_fini,
	.probe = sample_probe,
	.adopt = sample_adopt,
	.remove = sample_remove,
	.get_available = sample_get_available,
	.attr_show = sample_attr_show,
	.attr_store = sample_attr_store,
	.request = sample_request,
	.parent_status = sample_parent_status,
};
