// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "settings.h"
#include "text.h"

struct mdevfs_settings {
	struct config_file *cf;
	char *group;
	GHashTable *used;   /* keys read */
	GPtrArray *strings; /* values handed out, freed with the settings */
	char **keys;
	bool failed;
};

static char *line_key(const char *group, const char *key)
{
	return key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);
}

static int syntax_error(const char *name, unsigned int line, const char *what)
{
	log_err("%s:%u: %s", name, line, what);
	return -EINVAL;
}

/* One line: a group it opens (*group replaced) or a key it sets (*key);
 * NULL on success, else what is wrong with it. */
static const char *scan_line(const char *l, char **group, char **key)
{
	const char *eq;

	if (*l == '[') {
		const char *end = strchr(l, ']');

		if (!end || end[1 + strspn(end + 1, " \t\r")])
			return "malformed [group] line";
		g_free(*group);
		*group = g_strndup(l + 1, end - l - 1);
		return NULL;
	}
	eq = strchr(l, '=');
	if (!eq)
		return "expected [group], key = value or a # comment";
	if (!*group)
		return "key = value before the first [group]";
	*key = g_strstrip(g_strndup(l, eq - l));
	return **key ? NULL : "empty key name";
}

/* First pass: where every group and key is, and the errors GKeyFile would
 * report without a line number. */
static int scan_lines(struct config_file *cf, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *group = NULL;

	for (unsigned int i = 0; lines[i]; i++) {
		/* GKeyFile's g_ascii_isspace(): "\r\r[group]" is a group. */
		const char *l = lines[i] + strspn(lines[i], " \t\r\f");
		unsigned int no = i + 1, first;
		g_autofree char *key = NULL;
		g_autofree char *k = NULL;
		const char *err;

		if (!*l || *l == '#')
			continue;
		err = scan_line(l, &group, &key);
		if (err)
			return syntax_error(cf->name, no, err);
		k = line_key(group, key);
		first = GPOINTER_TO_UINT(g_hash_table_lookup(cf->lines, k));
		if (first && key) {
			log_err("%s:%u: [%s] %s: set twice (first on line %u)",
				cf->name, no, group, key, first);
			return -EINVAL;
		}
		if (first) {
			log_err("%s:%u: [%s] appears twice (first on line %u)",
				cf->name, no, group, first);
			return -EINVAL;
		}
		g_hash_table_insert(cf->lines, g_steal_pointer(&k), GUINT_TO_POINTER(no));
	}
	return 0;
}

/* GKeyFile's own errors (an invalid key or group name, ...) name no line:
 * it parses line by line and stops at the first bad one, so the first
 * prefix of the text it refuses ends with that line.  0 if none does. */
static unsigned int keyfile_error_line(const char *text)
{
	unsigned int line = 1;

	for (const char *p = text;; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl + 1 - text) : strlen(text);
		g_autoptr(GKeyFile) kf = g_key_file_new();

		if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, NULL))
			return line;
		if (!nl)
			return 0;
		p = nl + 1;
	}
}

int config_file_load(struct config_file *cf, const char *name,
		     const char *text)
{
	g_autofree char *contents = NULL;
	g_autoptr(GError) err = NULL;

	cf->name = g_strdup(name);
	cf->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cf->kf = g_key_file_new();
	if (!text) {
		if (!g_file_get_contents(name, &contents, NULL, &err)) {
			log_err("%s: %s", name, err->message);
			return -EINVAL;
		}
		text = contents;
	}
	if (scan_lines(cf, text))
		return -EINVAL;
	if (!g_key_file_load_from_data(cf->kf, text, -1, G_KEY_FILE_NONE, &err)) {
		unsigned int line = keyfile_error_line(text);

		if (line)
			return syntax_error(name, line, err->message);
		log_err("%s: %s", name, err->message);
		return -EINVAL;
	}
	return 0;
}

void config_file_clear(struct config_file *cf)
{
	g_clear_pointer(&cf->kf, g_key_file_free);
	g_clear_pointer(&cf->lines, g_hash_table_destroy);
	g_clear_pointer(&cf->name, g_free);
}

unsigned int config_line(struct config_file *cf, const char *group,
			 const char *key)
{
	g_autofree char *k = line_key(group, key);

	return GPOINTER_TO_UINT(g_hash_table_lookup(cf->lines, k));
}

struct mdevfs_settings *settings_new(struct config_file *cf, const char *group)
{
	struct mdevfs_settings *s = g_new0(struct mdevfs_settings, 1);

	s->cf = cf;
	s->group = g_strdup(group);
	s->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->strings = g_ptr_array_new_with_free_func(g_free);
	s->keys = g_key_file_get_keys(cf->kf, group, NULL, NULL);
	if (!s->keys)
		s->keys = g_new0(char *, 1);
	return s;
}

void settings_free(struct mdevfs_settings *s)
{
	if (!s)
		return;
	g_strfreev(s->keys);
	g_ptr_array_free(s->strings, TRUE);
	g_hash_table_destroy(s->used);
	g_free(s->group);
	g_free(s);
}

/* A value quoted in a message holds what GKeyFile unescaped (a\n in the
 * file is a newline): escaped again, a message stays one line of the log. */
static char *one_line(const char *msg)
{
	GString *out = g_string_sized_new(strlen(msg));

	for (const char *p = msg; *p; p++) {
		if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\t')
			g_string_append(out, "\\t");
		else if ((unsigned char)*p < ' ' || *p == 0x7f)
			g_string_append_printf(out, "\\x%02x", (unsigned char)*p);
		else
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static void vreport(struct mdevfs_settings *s, int level, const char *key,
		    const char *fmt, va_list ap)
{
	g_autofree char *raw = g_strdup_vprintf(fmt, ap);
	g_autofree char *msg = one_line(raw);
	unsigned int line = config_line(s->cf, s->group, key);

	/* A key that is missing has no line: its group's is the place. */
	if (!line)
		line = config_line(s->cf, s->group, NULL);

	if (level == MDEVFS_LOG_ERR)
		s->failed = true;
	if (key)
		mdevfs_log(level, "%s:%u: [%s] %s: %s", s->cf->name, line,
			   s->group, key, msg);
	else
		mdevfs_log(level, "%s:%u: [%s]: %s", s->cf->name, line,
			   s->group, msg);
}

int mdevfs_settings_error(struct mdevfs_settings *s, const char *key,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(s, MDEVFS_LOG_ERR, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void settings_warning(struct mdevfs_settings *s, const char *key,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(s, MDEVFS_LOG_WARNING, key, fmt, ap);
	va_end(ap);
}

int settings_group_error(struct mdevfs_settings *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(s, MDEVFS_LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *const *mdevfs_settings_keys(struct mdevfs_settings *s)
{
	return (const char *const *)s->keys;
}

int mdevfs_settings_string(struct mdevfs_settings *s, const char *key,
			   const char **value)
{
	g_autoptr(GError) err = NULL;
	char *v;

	g_hash_table_add(s->used, g_strdup(key));
	if (!g_key_file_has_key(s->cf->kf, s->group, key, NULL))
		return -ENOENT;
	v = g_key_file_get_string(s->cf->kf, s->group, key, &err);
	if (!v)
		return mdevfs_settings_error(s, key, "%s", err->message);
	g_ptr_array_add(s->strings, v);
	*value = v;
	return 0;
}

int mdevfs_settings_uint(struct mdevfs_settings *s, const char *key,
			 unsigned long max, unsigned long *value)
{
	const char *v = NULL;
	char *end;
	int ret;

	ret = mdevfs_settings_string(s, key, &v);
	if (ret || !v)
		return ret ? ret : -ENOENT;
	errno = 0;
	*value = strtoul(v, &end, 10);
	if (!g_ascii_isdigit(v[0]) || *end || errno || *value > max)
		return mdevfs_settings_error(s, key,
			"expected an integer from 0 to %lu, got '%s'", max, v);
	return 0;
}

/* The key read (or asked for) that @key is a typo of, if one is close:
 * at most two edits, and a third of its length. */
static const char *closest_key(struct mdevfs_settings *s, const char *key)
{
	GHashTableIter it;
	const char *best = NULL;
	unsigned int best_d = UINT_MAX;
	gpointer known;

	g_hash_table_iter_init(&it, s->used);
	while (g_hash_table_iter_next(&it, &known, NULL)) {
		unsigned int d = edit_distance(key, known);

		if (d <= 2 && (size_t)d * 3 <= strlen(known) &&
		    (d < best_d || (d == best_d && strcmp(known, best) < 0))) {
			best = known;
			best_d = d;
		}
	}
	return best;
}

int settings_finish(struct mdevfs_settings *s)
{
	/* A reader that met a bad value may have stopped there (a backend
	 * may), and one not called may read the rest: after an error, a key
	 * nobody read is a typo only if it is close to one they asked for. */
	bool failed = s->failed;

	for (char **k = s->keys; *k; k++) {
		const char *like;

		if (g_hash_table_contains(s->used, *k))
			continue;
		like = closest_key(s, *k);
		if (like)
			mdevfs_settings_error(s, *k, "unknown key; did you mean "
					      "'%s'?", like);
		else if (!failed)
			mdevfs_settings_error(s, *k, "unknown key");
	}
	return s->failed ? -EINVAL : 0;
}
