// SPDX-License-Identifier: MIT
/*
 * What a snapshot of a sysfs tree does not show, worked out from what it
 * does (docs/record.md): who counts a parent's instances and what each of
 * its types costs, the driver bound to it, the mdev driver it names.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "record.h"

/* How far beyond the largest available count the pool search goes. */
#define UNITS_SEARCH 1000000UL

static bool types_have_prefix(const struct rec_parent *p, const char *prefix)
{
	size_t n = strlen(prefix);

	for (guint i = 0; i < p->types->len; i++) {
		const struct rec_type *t = g_ptr_array_index(p->types, i);

		if (strncmp(t->dir, prefix, n) != 0 || t->dir[n] != '-' ||
		    !t->dir[n + 1])
			return false;
	}
	return true;
}

/*
 * The kernel names type directories dev_driver_string(parent)-NAME: after
 * the driver bound to the parent, else its bus or class.  That driver is
 * the parent's `driver` link, or (mdevfs has no such link) the DRIVER= of
 * its uevent; failing both, the type directories' common prefix names it.
 */
void rec_device_driver(struct rec_parent *p, const char *uevent_driver)
{
	const struct rec_type *first = g_ptr_array_index(p->types, 0);
	const char *prefix;
	size_t n;

	p->device_driver = rec_link_name(p->dir, "driver");
	if (!p->device_driver)
		p->device_driver = g_strdup(uevent_driver);
	if (!p->device_driver && !types_have_prefix(p, p->subsys) &&
	    strchr(first->dir, '-')) {
		g_autofree char *guess = g_strndup(first->dir,
			(size_t)(strchr(first->dir, '-') - first->dir));

		if (types_have_prefix(p, guess)) {
			rec_note(p, "device_driver: the type directories' prefix.");
			p->device_driver = move_ptr(guess);
		}
	}
	prefix = p->device_driver ? p->device_driver : p->subsys;
	n = strlen(prefix);
	for (guint i = 0; i < p->types->len; i++) {
		struct rec_type *t = g_ptr_array_index(p->types, i);

		if (!strncmp(t->dir, prefix, n) && t->dir[n] == '-' && t->dir[n + 1]) {
			t->sysfs_name = t->dir + n + 1;
			continue;
		}
		log_warn("record: %s/mdev_supported_types/%s: not named %s-NAME: "
			 "it will be served as %s-%s", p->dir, t->dir, prefix,
			 prefix, t->dir);
		rec_note(p, "type %s will be served as %s-%s", t->dir, prefix, t->dir);
	}
}

/* The mdev driver: a device's `driver` link says it; else the only mdev
 * driver there is; else a guess. */
void rec_driver(struct rec_parent *p, const char *root)
{
	g_autofree char *drivers = g_build_filename(root, "bus/mdev/drivers", NULL);
	g_autoptr(GPtrArray) names = rec_list_dir(drivers);

	for (guint i = 0; i < p->types->len; i++) {
		const struct rec_type *t = g_ptr_array_index(p->types, i);

		for (guint j = 0; j < t->devices->len; j++) {
			g_autofree char *dev = g_build_filename(p->dir,
				g_ptr_array_index(t->devices, j), NULL);

			p->driver = rec_link_name(dev, "driver");
			if (p->driver)
				return;
		}
	}
	if (names && names->len == 1) {
		p->driver = g_strdup(g_ptr_array_index(names, 0));
		p->driver_note = g_strdup(" The only mdev driver loaded (no device to "
					  "read the parent's from).");
		return;
	}
	p->driver = g_strdup(p->device_driver ? p->device_driver : p->subsys);
	p->driver_note = g_strdup_printf(
		" A guess: the type directories' prefix.  No device to read the "
		"parent's\n mdev driver from, and %u mdev drivers in bus/mdev/drivers.",
		names ? names->len : 0);
}

static bool same_available(const struct rec_parent *p)
{
	const struct rec_type *first = g_ptr_array_index(p->types, 0);

	for (guint i = 1; i < p->types->len; i++)
		if (((const struct rec_type *)g_ptr_array_index(p->types, i))->available !=
		    first->available)
			return false;
	return true;
}

/* Whether a vendor with @units free units and a cost of units / available
 * for each type shows what each type shows. */
static bool units_fit(const struct rec_parent *p, unsigned long units)
{
	for (guint i = 0; i < p->types->len; i++) {
		const struct rec_type *t = g_ptr_array_index(p->types, i);

		if (t->available && units / (units / t->available) != t->available)
			return false;
	}
	return true;
}

/*
 * The vendor counts: find the free units and the costs.  The largest
 * available count is the cheapest type's at cost 1 (mtty 24/12: 24 free,
 * costs 1 and 2; mbochs 64/16/4: 64 free, costs 1/4/16).  When the costs
 * that gives do not reproduce every type's count (6 and 8: 8/1 is not 6),
 * the smallest number of free units that does is taken (24: costs 4, 3).
 * A type showing 0 costs one unit more than is free: the least that
 * explains it.  Each device there is gives its type's cost back.
 */
static int vendor_counts(struct rec_parent *p)
{
	unsigned long units = 0, max = 0;
	guint64 pool, max_cost = 0;

	for (guint i = 0; i < p->types->len; i++)
		max = MAX(max, ((struct rec_type *)g_ptr_array_index(p->types, i))->available);
	for (units = max; units - max < UNITS_SEARCH && units < UINT_MAX; units++)
		if (units_fit(p, units))
			break;
	if (!units_fit(p, units)) {
		units = max;
		rec_note(p, "No pool and costs reproduce every type's available_instances;");
		rec_note(p, "the cheapest type costs 1, the others pool / available.");
	}
	pool = units;
	for (guint i = 0; i < p->types->len; i++) {
		struct rec_type *t = g_ptr_array_index(p->types, i);

		t->cost = t->available ? units / t->available : units + 1;
		if (!t->available)
			rec_note(p, "%s shows 0: it costs %lu, one unit more than is "
			     "free.", t->dir, t->cost);
		pool += (guint64)t->cost * t->devices->len;
		max_cost = MAX(max_cost, t->cost);
	}
	if (pool > UINT_MAX || max_cost > UINT_MAX) {
		log_err("record: %s: a pool of %" G_GUINT64_FORMAT " units is more "
			"than a profile can hold", p->dir, pool);
		return -ERANGE;
	}
	p->count = (unsigned long)pool;
	if (!p->ndevices)
		rec_note(p, "The vendor counts (the types' available_instances "
		     "differ): pool = %lu, all free.", p->count);
	else
		rec_note(p, "The vendor counts (the types' available_instances "
		     "differ): %lu units free,\n %lu taken by the %lu device%s "
		     "there: pool = %lu.", units, p->count - units, p->ndevices,
		     p->ndevices == 1 ? "" : "s", p->count);
	return 0;
}

/* Every type showing the same count: the core counts, as for mdpy. */
int rec_count_instances(struct rec_parent *p)
{
	const struct rec_type *first = g_ptr_array_index(p->types, 0);

	if (!same_available(p))
		return vendor_counts(p);
	p->core_counts = true;
	p->count = first->available + p->ndevices;
	if (p->count > UINT_MAX) {
		log_err("record: %s: %lu instances are more than a profile can "
			"hold", p->dir, p->count);
		return -ERANGE;
	}
	if (!p->ndevices)
		rec_note(p, "The core counts (every type shows %lu available).",
		     first->available);
	else
		rec_note(p, "The core counts (every type shows %lu available): with "
		     "the %lu device%s\n there, max_instances = %lu.",
		     first->available, p->ndevices, p->ndevices == 1 ? "" : "s",
		     p->count);
	return 0;
}
