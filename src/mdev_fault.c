// SPDX-License-Identifier: MIT
/*
 * The faults a test asks for (see mdev_fault.h), as one table of keys:
 * the configuration, `ctl fault` and its answer all go through it, so a
 * key is parsed, checked and shown in exactly one place and the two ways
 * of setting it cannot disagree.  Applying them is left to the vendor
 * calls (mdev_vendor.c), which ask the three functions at the end.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mdev.h"
#include "mdev_fault.h"
#include "mdev_private.h"
#include "parse.h"

#define MAX_DELAY_MS 3600000u

struct fault_key;
/* @text as the key's value: 0, or -EINVAL with why not in @why. */
typedef int fault_parse_fn(const struct fault_key *k, const char *text,
			   uint64_t *value, GString *why);
typedef void fault_format_fn(uint64_t value, GString *out);

static fault_parse_fn parse_number, parse_errno_name;
static fault_format_fn format_number, format_errno;

static const struct fault_key {
	const char *name;
	size_t field;             /* its atomic in struct mdev_fault */
	fault_parse_fn *parse;
	fault_format_fn *format;  /* NULL: not shown */
	uint64_t max;             /* parse_number(): from 0 to max */
} fault_keys[] = {
#define FIELD(f) offsetof(struct mdev_fault, f)
	{ "probe_delay_ms", FIELD(probe_delay_ms), parse_number, format_number, MAX_DELAY_MS },
	{ "remove_delay_ms", FIELD(remove_delay_ms), parse_number, format_number, MAX_DELAY_MS },
	{ "probe_fail_percent", FIELD(fail_percent), parse_number, format_number, 100 },
	{ "probe_fail_errno", FIELD(fail_errno), parse_errno_name, format_errno, 0 },
	/* Sets the sequence's state, which every probe moves: not shown. */
	{ "probe_fail_seed", FIELD(fail_seq), parse_number, NULL, UINT64_MAX },
#undef FIELD
};

/* Decimal digits only, as the configuration's other numbers
 * (mdevfs_settings_uint()). */
static int parse_number(const struct fault_key *k, const char *text,
			uint64_t *value, GString *why)
{
	char *end;

	errno = 0;
	*value = g_ascii_strtoull(text, &end, 10);
	if (g_ascii_isdigit(text[0]) && !*end && !errno && *value <= k->max)
		return 0;
	if (k->max == UINT64_MAX)
		g_string_printf(why, "'%s' is not a number", text);
	else
		g_string_printf(why, "expected an integer from 0 to %" G_GUINT64_FORMAT
				", got '%s'", k->max, text);
	return -EINVAL;
}

static int parse_errno_name(const struct fault_key *k, const char *text,
			    uint64_t *value, GString *why)
{
	(void)k;
	*value = (uint64_t)parse_errno(text);
	if (*value)
		return 0;
	g_string_printf(why, "'%s' is not an errno (a name like EIO or a number)",
			text);
	return -EINVAL;
}

static void format_number(uint64_t value, GString *out)
{
	g_string_append_printf(out, "%" G_GUINT64_FORMAT, value);
}

static void format_errno(uint64_t value, GString *out)
{
	const char *name = strerrorname_np((int)value);

	g_string_append(out, name ? name : "?");
}

static const struct fault_key *find_key(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fault_keys); i++)
		if (!strcmp(fault_keys[i].name, name))
			return &fault_keys[i];
	return NULL;
}

static atomic_uint_fast64_t *field(struct mdevfs_type *type,
				   const struct fault_key *k)
{
	return (atomic_uint_fast64_t *)((char *)&type->fault + k->field);
}

int mdev_fault_parse(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	g_autoptr(GString) why = g_string_new(NULL);
	int ret = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(fault_keys); i++) {
		const struct fault_key *k = &fault_keys[i];
		const char *text;
		uint64_t v;

		switch (mdevfs_settings_string(s, k->name, &text)) {
		case 0:
			if (k->parse(k, text, &v, why) == 0)
				atomic_store(field(type, k), v);
			else
				ret = mdevfs_settings_error(s, k->name, "%s", why->str);
			break;
		case -EINVAL:
			ret = -EINVAL;
		}
	}
	return ret;
}

static void log_unknown(const struct mdevfs_type *type, const char *key)
{
	g_autoptr(GString) names = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(fault_keys); i++)
		g_string_append_printf(names, "%s%s", i ? ", " : "",
				       fault_keys[i].name);
	log_err("%s: unknown fault '%s' (one of: %s)", type->id, key, names->str);
}

int mdev_fault_set(struct mdevfs_type *type, const char *assignment)
{
	g_autoptr(GString) why = g_string_new(NULL);
	const char *eq = strchr(assignment, '=');
	g_autofree char *key = NULL;
	const struct fault_key *k;
	uint64_t v;

	if (!eq) {
		log_err("%s: expected KEY=VALUE, got '%s'", type->id, assignment);
		return -EINVAL;
	}
	key = g_strndup(assignment, (size_t)(eq - assignment));
	k = find_key(key);
	if (!k) {
		log_unknown(type, key);
		return -EINVAL;
	}
	if (k->parse(k, eq + 1, &v, why)) {
		log_err("%s: fault %s: %s", type->id, key, why->str);
		return -EINVAL;
	}
	atomic_store(field(type, k), v);
	return 0;
}

void mdev_fault_show(struct mdevfs_type *type, GString *out)
{
	const char *sep = "";

	for (size_t i = 0; i < G_N_ELEMENTS(fault_keys); i++) {
		const struct fault_key *k = &fault_keys[i];

		if (!k->format)
			continue;
		g_string_append_printf(out, "%s%s=", sep, k->name);
		k->format(atomic_load(field(type, k)), out);
		sep = " ";
	}
}

void mdev_parent_vanish(struct mdevfs_parent *parent)
{
	if (!atomic_exchange(&parent->vanished, true))
		log_warn("%s: the device vanished", parent->name);
}

int mdev_parent_fault(struct mdevfs_parent *parent, const char *type,
		      char *const *assignments, GString *out)
{
	int ret = -ENOENT;

	for (unsigned int i = 0; i < parent->ntypes; i++) {
		struct mdevfs_type *t = parent->types[i];

		if (strcmp(type, "*") != 0 && strcmp(type, t->id) != 0)
			continue;
		for (char *const *a = assignments; *a; a++)
			if (mdev_fault_set(t, *a))
				return -EINVAL;
		g_string_append_printf(out, "%s ", t->id);
		mdev_fault_show(t, out);
		g_string_append_c(out, '\n');
		ret = 0;
	}
	return ret;
}

/* ---- applied by the vendor calls -------------------------------------- */

static void delay(atomic_uint_fast64_t *ms)
{
	uint64_t v = atomic_load(ms);

	if (v)
		g_usleep((gulong)(v * 1000));
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
	uint64_t percent = atomic_load(&f->fail_percent);
	uint64_t z;

	if (!percent)
		return 0;
	z = atomic_fetch_add(&f->fail_seq, 0x9e3779b97f4a7c15ull) +
	    0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z % 100 < percent ? -(int)atomic_load(&f->fail_errno) : 0;
}
