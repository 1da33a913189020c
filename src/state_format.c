// SPDX-License-Identifier: MIT
/*
 * One device's record in the state directory: text, so that a person can
 * read it, strict, so that nothing half-written passes:
 *
 *	mdevfs-device-record 1
 *	uuid=0b1c0e52-7d3c-4c1f-9f6a-4f0a1f9a3f21
 *	parent=mtty
 *	type=2
 *	iommu_group=0
 *	vfio=0
 *	sha256=<64 hex digits: the SHA-256 of every byte above>
 *
 * A device unbound from its driver has no numbers: iommu_group=none and
 * vfio=none.  The magic and version come first, so a record of another version is
 * named as such rather than as corrupt; the checksum comes last, so a
 * file cut short anywhere (a torn write) has none or a wrong one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "state.h"

#define SUM_KEY "sha256="
#define SUM_LEN 64

static char *sum_of(const char *text, size_t len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
					   (const guchar *)text, len);
}

static void append_number(GString *s, const char *key, int n)
{
	if (n < 0)
		g_string_append_printf(s, "%s=none\n", key);
	else
		g_string_append_printf(s, "%s=%d\n", key, n);
}

char *state_record_format(const struct state_record *r, size_t *len)
{
	GString *s = g_string_new(NULL);
	g_autofree char *sum = NULL;

	g_string_append_printf(s, "%s %d\nuuid=%s\nparent=%s\ntype=%s\n",
			       STATE_RECORD_MAGIC, STATE_RECORD_VERSION, r->uuid,
			       r->parent, r->type);
	append_number(s, "iommu_group", r->bound ? r->group : -1);
	append_number(s, "vfio", r->bound ? r->vfio : -1);
	sum = sum_of(s->str, s->len);
	g_string_append_printf(s, SUM_KEY "%s\n", sum);
	*len = s->len;
	return g_string_free(s, FALSE);
}

void state_record_clear(struct state_record *r)
{
	g_clear_pointer(&r->parent, g_free);
	g_clear_pointer(&r->type, g_free);
}

/* "KEY=VALUE" of line @l: the value, or NULL. */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != '=')
		return NULL;
	return line + n + 1;
}

static int parse_number(const char *text, int *out)
{
	char *end;
	long v;

	if (!g_ascii_isdigit(*text) || (text[0] == '0' && text[1]))
		return -EINVAL;
	v = strtol(text, &end, 10);
	if (*end || v >= STATE_MAX_NUMBER)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int bad(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The first line: the magic and a version this mdevfs reads. */
static int check_header(const char *line, char **why)
{
	const char *v = g_str_has_prefix(line, STATE_RECORD_MAGIC " ") ?
				line + strlen(STATE_RECORD_MAGIC " ") : NULL;
	int version;

	if (!v)
		return bad(why, "not an mdevfs device record (no '%s' line)",
			   STATE_RECORD_MAGIC);
	if (parse_number(v, &version))
		return bad(why, "unreadable version '%s'", v);
	if (version != STATE_RECORD_VERSION)
		return bad(why, "version %d, this mdevfs reads version %d",
			   version, STATE_RECORD_VERSION);
	return 0;
}

/* The last line: the checksum of everything before it. */
static int check_sum(const char *text, size_t len, char **why)
{
	const char *last = g_strrstr_len(text, (gssize)len - 1, "\n");
	g_autofree char *sum = NULL;
	size_t body;

	body = last ? (size_t)(last - text) + 1 : 0;
	if (len - body != strlen(SUM_KEY) + SUM_LEN + 1 ||
	    strncmp(text + body, SUM_KEY, strlen(SUM_KEY)) != 0)
		return bad(why, "no checksum line at the end: torn or cut short");
	sum = sum_of(text, body);
	if (memcmp(sum, text + body + strlen(SUM_KEY), SUM_LEN) != 0)
		return bad(why, "checksum mismatch: torn or corrupt");
	return 0;
}

static int parse_fields(char **lines, struct state_record *r, char **why)
{
	const char *uuid = value_of(lines[1], "uuid");
	const char *parent = value_of(lines[2], "parent");
	const char *type = value_of(lines[3], "type");
	const char *group = value_of(lines[4], "iommu_group");
	const char *vfio = value_of(lines[5], "vfio");
	uuid_t bin;

	if (!uuid || !parent || !type || !group || !vfio)
		return bad(why, "fields missing or out of order");
	if (strlen(uuid) != UUID_STR_LEN - 1 || uuid_parse(uuid, bin))
		return bad(why, "bad uuid '%s'", uuid);
	if (!*parent || !*type)
		return bad(why, "empty parent or type");
	if (!strcmp(group, "none") && !strcmp(vfio, "none")) {
		r->group = r->vfio = -1;
	} else if (parse_number(group, &r->group) || parse_number(vfio, &r->vfio)) {
		return bad(why, "bad iommu_group '%s' or vfio '%s'", group, vfio);
	} else {
		r->bound = true;
	}
	uuid_unparse_lower(bin, r->uuid);
	r->parent = g_strdup(parent);
	r->type = g_strdup(type);
	return 0;
}

int state_record_parse(const char *text, size_t len, struct state_record *r,
		       char **why)
{
	g_auto(GStrv) lines = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (len == 0)
		return bad(why, "empty file");
	if (memchr(text, '\0', len))
		return bad(why, "a NUL byte: not a text record");
	if (text[len - 1] != '\n')
		return bad(why, "no newline at the end: torn or cut short");
	lines = g_strsplit(text, "\n", -1);
	ret = check_header(lines[0], why);
	if (!ret)
		ret = check_sum(text, len, why);
	if (ret)
		return ret;
	/* 7 lines and the empty string after the last newline */
	if (g_strv_length(lines) != 8)
		return bad(why, "%u lines, a version %d record has 7",
			   g_strv_length(lines) - 1, STATE_RECORD_VERSION);
	return parse_fields(lines, r, why);
}
