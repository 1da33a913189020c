// SPDX-License-Identifier: MIT
/*
 * The faults a test asks for (see mdev_fault.h), applied by the vendor
 * calls of mdev_vendor.c through the three functions at the end.  A fault
 * is decided there, before the vendor is called, so every backend gets
 * the same behaviour and a vendor never sees a create made to fail.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mdev.h"
#include "mdev_fault.h"
#include "mdev_private.h"
#include "parse.h"

#define MAX_DELAY_MS 3600000ul

/* The keys with a number of their own. */
static const struct number_key {
	const char *key;
	size_t offset;
	unsigned long max;
} number_keys[] = {
	{ "probe_delay_ms", offsetof(struct mdev_fault, probe_delay_ms), MAX_DELAY_MS },
	{ "remove_delay_ms", offsetof(struct mdev_fault, remove_delay_ms), MAX_DELAY_MS },
	{ "probe_fail_percent", offsetof(struct mdev_fault, fail_percent), 100 },
};

static const struct number_key *number_key(const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(number_keys); i++)
		if (!strcmp(number_keys[i].key, key))
			return &number_keys[i];
	return NULL;
}

static atomic_ulong *number_field(struct mdev_fault *f, const struct number_key *k)
{
	return (atomic_ulong *)((char *)f + k->offset);
}

int mdev_fault_parse(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	struct mdev_fault *f = &type->fault;
	unsigned long v;
	const char *text;
	int ret = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(number_keys); i++) {
		const struct number_key *k = &number_keys[i];

		switch (mdevfs_settings_uint(s, k->key, k->max, &v)) {
		case 0:
			atomic_store(number_field(f, k), v);
			break;
		case -EINVAL:
			ret = -EINVAL;
		}
	}
	switch (mdevfs_settings_uint(s, "probe_fail_seed", ULONG_MAX, &v)) {
	case 0:
		atomic_store(&f->fail_seq, v);
		break;
	case -EINVAL:
		ret = -EINVAL;
	}
	switch (mdevfs_settings_string(s, "probe_fail_errno", &text)) {
	case 0:
		if (parse_errno(text))
			atomic_store(&f->fail_errno, parse_errno(text));
		else
			ret = mdevfs_settings_error(s, "probe_fail_errno",
				"'%s' is not an errno (a name like EIO or a "
				"number)", text);
		break;
	case -EINVAL:
		ret = -EINVAL;
	}
	return ret;
}

int mdev_fault_set(struct mdevfs_type *type, const char *assignment)
{
	struct mdev_fault *f = &type->fault;
	const char *eq = strchr(assignment, '=');
	g_autofree char *key = g_strndup(assignment, eq ? (size_t)(eq - assignment) : 0);
	const struct number_key *k;
	unsigned long v;

	if (!eq) {
		log_err("%s: expected KEY=VALUE, got '%s'", type->id, assignment);
		return -EINVAL;
	}
	if (!strcmp(key, "probe_fail_errno")) {
		int e = parse_errno(eq + 1);

		if (!e) {
			log_err("%s: '%s' is not an errno", type->id, eq + 1);
			return -EINVAL;
		}
		atomic_store(&f->fail_errno, e);
		return 0;
	}
	if (!strcmp(key, "probe_fail_seed") && !parse_kstrtoul(eq + 1, &v)) {
		atomic_store(&f->fail_seq, v);
		return 0;
	}
	k = number_key(key);
	if (!k) {
		log_err("%s: unknown fault '%s' (one of: probe_delay_ms, "
			"remove_delay_ms, probe_fail_percent, probe_fail_errno, "
			"probe_fail_seed)", type->id, key);
		return -EINVAL;
	}
	if (parse_kstrtoul(eq + 1, &v) || v > k->max) {
		log_err("%s: %s: expected an integer from 0 to %lu, got '%s'",
			type->id, key, k->max, eq + 1);
		return -EINVAL;
	}
	atomic_store(number_field(f, k), v);
	return 0;
}

void mdev_fault_show(struct mdevfs_type *type, char *buf, size_t size)
{
	struct mdev_fault *f = &type->fault;
	const char *name = strerrorname_np(atomic_load(&f->fail_errno));

	snprintf(buf, size, "probe_delay_ms=%lu remove_delay_ms=%lu "
		 "probe_fail_percent=%lu probe_fail_errno=%s",
		 atomic_load(&f->probe_delay_ms), atomic_load(&f->remove_delay_ms),
		 atomic_load(&f->fail_percent), name ? name : "?");
}

void mdev_parent_vanish(struct mdevfs_parent *parent)
{
	if (!atomic_exchange(&parent->vanished, true))
		log_warn("%s: the device vanished", parent->name);
}

int mdev_parent_fault(struct mdevfs_parent *parent, const char *type,
		      char *const *assignments, GString *out)
{
	char line[256];
	int ret = -ENOENT;

	for (unsigned int i = 0; i < parent->ntypes; i++) {
		struct mdevfs_type *t = parent->types[i];

		if (strcmp(type, "*") != 0 && strcmp(type, t->id) != 0)
			continue;
		for (char *const *a = assignments; *a; a++)
			if (mdev_fault_set(t, *a))
				return -EINVAL;
		mdev_fault_show(t, line, sizeof(line));
		g_string_append_printf(out, "%s %s\n", t->id, line);
		ret = 0;
	}
	return ret;
}

/* ---- applied by the vendor calls -------------------------------------- */

static void delay(atomic_ulong *ms)
{
	unsigned long v = atomic_load(ms);

	if (v)
		g_usleep(v * 1000);
}

void mdev_fault_probe_delay(struct mdevfs_type *type)
{
	delay(&type->fault.probe_delay_ms);
}

void mdev_fault_remove_delay(struct mdevfs_type *type)
{
	delay(&type->fault.remove_delay_ms);
}

/* splitmix64 over an atomic counter: one draw per probe, from any thread,
 * the same sequence for the same seed. */
int mdev_fault_probe_error(struct mdevfs_type *type)
{
	struct mdev_fault *f = &type->fault;
	unsigned long percent = atomic_load(&f->fail_percent);
	uint64_t z;

	if (!percent)
		return 0;
	z = atomic_fetch_add(&f->fail_seq, 0x9e3779b97f4a7c15ull) +
	    0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z % 100 < percent ? -atomic_load(&f->fail_errno) : 0;
}
