// SPDX-License-Identifier: MIT
/*
 * ring: an example mdevfs backend plugin (docs/plugins.md).
 *
 * The vendor has a fixed ring of N slots (parent key `slots = N`).  A
 * device of a type with `width = W` takes W free slots, handed out round
 * the ring: the search for free slots starts where the last one ended, so
 * a slot just freed is the last to be reused.  Each device shows two
 * vendor attributes:
 *
 *   slots  read-only: the slots it holds, e.g. "3 4 5"
 *   label  read-write: whatever was last written (one trailing newline
 *          dropped, at most 63 bytes), starting as the type's `label`
 *
 * and `mdevfs ctl list` shows the ring: "slots=USED/N probes=P removes=R".
 *
 * It shows every hook of struct mdevfs_backend and uses nothing but libc
 * and <mdevfs/backend.h>; build it with the Makefile next to it:
 *
 *	make && mdevfs -c ring.conf /mnt/mdevfs
 *
 * Threading (see <mdevfs/backend.h>): probe() and remove() of different
 * devices, get_available() and the attributes of other devices may all
 * run at once, from different threads.  One mutex per parent guards its
 * ring and its devices' labels: nothing here is slow, so nothing is
 * gained from finer locks.
 */
/* strnlen() is POSIX.1-2008, not C17: declared by <string.h> under
 * -std=c17 only when asked for (GCC 14 rejects an undeclared call). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mdevfs/backend.h>

/* "255 " times 256 fits the page an attribute may fill */
#define RING_MAX_SLOTS 256
#define LABEL_MAX 63

struct ring_type {
	unsigned int width;        /* slots per device */
	int slots_attr, label_attr; /* from mdevfs_type_add_attr() */
	char label[LABEL_MAX + 1]; /* a new device's label */
	struct ring_type *next;    /* the parent's types, freed with it */
};

struct ring {
	pthread_mutex_t lock;      /* everything below, and ring_dev.label */
	unsigned int nslots, used;
	unsigned int next;         /* where the next search starts */
	unsigned long probes, removes;
	bool taken[RING_MAX_SLOTS];
	struct ring_type *types;
};

struct ring_dev {
	char label[LABEL_MAX + 1];
	unsigned int width;
	unsigned int slot[];       /* @width slots held */
};

static struct ring *parent_ring(struct mdevfs_parent *parent)
{
	return mdevfs_parent_drvdata(parent);
}

static struct ring *type_ring(struct mdevfs_type *type)
{
	return parent_ring(mdevfs_type_parent(type));
}

/* [parent NAME]: `slots = N`, required.  Errors are reported with file,
 * line and key by mdevfs_settings_*(); a key nobody reads is reported as
 * unknown by the core. */
static int ring_parent_init(struct mdevfs_parent *parent,
			    struct mdevfs_settings *s)
{
	unsigned long n;
	struct ring *r;
	int ret = mdevfs_settings_uint(s, "slots", RING_MAX_SLOTS, &n);

	if (ret == -ENOENT)
		return mdevfs_settings_error(s, "slots", "missing: the ring's "
					     "size (1 to %d)", RING_MAX_SLOTS);
	if (ret)
		return ret;
	if (n == 0)
		return mdevfs_settings_error(s, "slots", "must be at least 1");
	/* The ring counts its slots; the core's count would be another. */
	if (mdevfs_parent_core_counts(parent))
		return mdevfs_settings_error(s, "slots", "the ring counts its "
					     "slots: drop max_instances");
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	r->nslots = (unsigned int)n;
	mdevfs_parent_set_drvdata(parent, r);
	return 0;
}

/* [type PARENT NAME]: `width = W` (default 1) and `label = TEXT`. */
static int ring_type_init(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	struct ring *r = type_ring(type);
	struct ring_type *rt = calloc(1, sizeof(*rt));
	unsigned long width = 1;
	const char *label = "";
	int ret;

	if (!rt)
		return -ENOMEM;
	/* On the parent's list at once: parent_fini() frees it, also when
	 * this fails (there is no type_fini). */
	rt->next = r->types;
	r->types = rt;
	mdevfs_type_set_drvdata(type, rt);
	ret = mdevfs_settings_uint(s, "width", r->nslots, &width);
	if (ret == -EINVAL)
		return ret;
	if (width == 0)
		return mdevfs_settings_error(s, "width", "must be at least 1");
	rt->width = (unsigned int)width;
	ret = mdevfs_settings_string(s, "label", &label);
	if (ret == -EINVAL)
		return ret;
	if (strlen(label) > LABEL_MAX)
		return mdevfs_settings_error(s, "label", "longer than %d bytes",
					     LABEL_MAX);
	/* The settings' strings die with the init hook: copy. */
	snprintf(rt->label, sizeof(rt->label), "%s", label);
	rt->slots_attr = mdevfs_type_add_attr(type, "slots", 0444);
	rt->label_attr = mdevfs_type_add_attr(type, "label", 0644);
	if (rt->slots_attr < 0 || rt->label_attr < 0)
		return mdevfs_settings_error(s, NULL, "cannot add attributes");
	return 0;
}

/* After every device is gone, when the parent is unregistered. */
static void ring_parent_fini(struct mdevfs_parent *parent)
{
	struct ring *r = parent_ring(parent);

	while (r->types) {
		struct ring_type *rt = r->types;

		r->types = rt->next;
		free(rt);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Takes @d->width free slots round the ring; caller holds r->lock. */
static int ring_take(struct ring *r, struct ring_dev *d)
{
	unsigned int start = r->next, n = 0;

	if (r->nslots - r->used < d->width)
		return -ENOSPC;
	for (unsigned int i = 0; n < d->width; i++) {
		unsigned int slot = (start + i) % r->nslots;

		if (r->taken[slot])
			continue;
		r->taken[slot] = true;
		d->slot[n++] = slot;
		r->next = (slot + 1) % r->nslots;
	}
	r->used += d->width;
	return 0;
}

/* A create: the device exists in sysfs already; failing here makes the
 * write to `create` fail with this errno, as a kernel driver's probe. */
static int ring_probe(struct mdevfs_device *dev)
{
	struct mdevfs_type *type = mdevfs_device_type(dev);
	struct ring_type *rt = mdevfs_type_drvdata(type);
	struct ring *r = type_ring(type);
	struct ring_dev *d = calloc(1, sizeof(*d) + rt->width * sizeof(d->slot[0]));
	int ret;

	if (!d)
		return -ENOMEM;
	d->width = rt->width;
	memcpy(d->label, rt->label, sizeof(d->label));
	pthread_mutex_lock(&r->lock);
	r->probes++;
	ret = ring_take(r, d);
	pthread_mutex_unlock(&r->lock);
	if (ret) {
		free(d);
		return ret;
	}
	mdevfs_device_set_drvdata(dev, d);
	return 0;
}

static void ring_remove(struct mdevfs_device *dev)
{
	struct ring_dev *d = mdevfs_device_drvdata(dev);
	struct ring *r = type_ring(mdevfs_device_type(dev));

	pthread_mutex_lock(&r->lock);
	for (unsigned int i = 0; i < d->width; i++)
		r->taken[d->slot[i]] = false;
	r->used -= d->width;
	r->removes++;
	pthread_mutex_unlock(&r->lock);
	mdevfs_device_set_drvdata(dev, NULL);
	free(d);
}

/* available_instances: any thread, any time. */
static unsigned int ring_get_available(struct mdevfs_type *type)
{
	struct ring_type *rt = mdevfs_type_drvdata(type);
	struct ring *r = type_ring(type);
	unsigned int free_slots;

	pthread_mutex_lock(&r->lock);
	free_slots = r->nslots - r->used;
	pthread_mutex_unlock(&r->lock);
	return free_slots / rt->width;
}

/* A read of a vendor attribute: snprintf()'s return, as sysfs's show(). */
static ssize_t ring_attr_show(struct mdevfs_device *dev, unsigned int attr,
			      char *buf, size_t size)
{
	struct ring_type *rt = mdevfs_type_drvdata(mdevfs_device_type(dev));
	struct ring *r = type_ring(mdevfs_device_type(dev));
	struct ring_dev *d = mdevfs_device_drvdata(dev);
	size_t n = 0;

	if ((int)attr == rt->label_attr) {
		pthread_mutex_lock(&r->lock);
		n = (size_t)snprintf(buf, size, "%s\n", d->label);
		pthread_mutex_unlock(&r->lock);
		return (ssize_t)n;
	}
	/* slots: fixed from probe to remove, no lock needed */
	for (unsigned int i = 0; i < d->width && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%u", i ? " " : "",
				      d->slot[i]);
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, "\n");
	return (ssize_t)n;
}

/* A write: the bytes written (@count), or -errno, changing nothing. */
static ssize_t ring_attr_store(struct mdevfs_device *dev, unsigned int attr,
			       const char *buf, size_t count)
{
	struct ring *r = type_ring(mdevfs_device_type(dev));
	struct ring_dev *d = mdevfs_device_drvdata(dev);
	size_t len = strnlen(buf, count);

	(void)attr; /* only label is writable: the core refuses the rest */
	if (len && buf[len - 1] == '\n')
		len--;
	if (len > LABEL_MAX)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	memcpy(d->label, buf, len);
	d->label[len] = '\0';
	pthread_mutex_unlock(&r->lock);
	return (ssize_t)count;
}

/* A remove is waiting for a user (mdevfs_device_get_user(), or `mdevfs
 * ctl hold`) to let go: a real vendor would ask its VM to release the
 * device.  This one only says so. */
static void ring_request(struct mdevfs_device *dev, unsigned int count)
{
	mdevfs_log(MDEVFS_LOG_INFO, "ring: %s: request %u to release it",
		   mdevfs_device_uuid(dev), count);
}

/* One line for `mdevfs ctl list`. */
static ssize_t ring_parent_status(struct mdevfs_parent *parent, char *buf,
				  size_t size)
{
	struct ring *r = parent_ring(parent);
	int n;

	pthread_mutex_lock(&r->lock);
	n = snprintf(buf, size, "slots=%u/%u probes=%lu removes=%lu", r->used,
		     r->nslots, r->probes, r->removes);
	pthread_mutex_unlock(&r->lock);
	return n;
}

static const struct mdevfs_backend ring_backend = {
	.name = "ring",
	.parent_init = ring_parent_init,
	.type_init = ring_type_init,
	.parent_fini = ring_parent_fini,
	.probe = ring_probe,
	.remove = ring_remove,
	.get_available = ring_get_available,
	.attr_show = ring_attr_show,
	.attr_store = ring_attr_store,
	.request = ring_request,
	.parent_status = ring_parent_status,
};

/* The one exported symbol; it fills in abi and struct_size. */
MDEVFS_BACKEND_REGISTER(ring_backend)
