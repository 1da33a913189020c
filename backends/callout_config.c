// SPDX-License-Identifier: MIT
/*
 * The callout backend's configuration keys.  The script runs as the daemon
 * (root) on every create, so it is checked as sudo checks what it runs: an
 * absolute path to an executable regular file that only its owner, root or
 * the daemon's user, can change.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "callout.h"
#include "text.h"

static void callout_type_free(gpointer data)
{
	struct callout_type *ct = data;

	g_ptr_array_free(ct->attrs, TRUE);
	pthread_mutex_destroy(&ct->lock);
	g_free(ct);
}

#define CALLOUT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int check_executable(struct mdevfs_settings *s, const char *path)
{
	struct stat st;

	/* `mdevfs ctl register` hands the daemon the text, not where the
	 * file was: a relative path would have nothing to be relative to. */
	if (!g_path_is_absolute(path))
		return mdevfs_settings_error(s, "callout",
			"'%s' must be an absolute path", path);
	if (stat(path, &st))
		return mdevfs_settings_error(s, "callout", "%s: %s", path,
					     g_strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mdevfs_settings_error(s, "callout",
			"%s: not a regular file", path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return mdevfs_settings_error(s, "callout",
			"%s: group or others may write to it (mode %04o): "
			"refused, it would run as this daemon's user", path,
			(unsigned int)(st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return mdevfs_settings_error(s, "callout",
			"%s: owned by uid %u, neither root nor this daemon's user",
			path, (unsigned int)st.st_uid);
	if (access(path, X_OK))
		return mdevfs_settings_error(s, "callout", "%s: not executable",
					     path);
	return 0;
}

static gboolean has_key(gconstpointer item, gconstpointer key)
{
	size_t n = strlen(key);

	return !strncmp(item, key, n) && ((const char *)item)[n] == '=';
}

/* PATH, then `callout_env = KEY=VALUE;...`, which may replace PATH but not
 * the MDEV_ variables each call sets. */
static int parse_env(struct mdevfs_settings *s, struct callout_parent *cp)
{
	g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) items = NULL;
	const char *text;
	int ret = mdevfs_settings_string(s, "callout_env", &text);

	if (ret == -EINVAL)
		return ret;
	if (ret == 0)
		items = g_strsplit(text, ";", -1);
	for (char **i = items; i && *i; i++) {
		g_strstrip(*i);
		if (!**i)
			continue;
		if (!env_assignment_valid(*i))
			return mdevfs_settings_error(s, "callout_env",
				"'%s' is not KEY=VALUE", *i);
		if (g_str_has_prefix(*i, "MDEV_UUID=") ||
		    g_str_has_prefix(*i, "MDEV_TYPE=") ||
		    g_str_has_prefix(*i, "MDEV_PARENT="))
			return mdevfs_settings_error(s, "callout_env",
				"'%s': each call sets it", *i);
		g_ptr_array_add(env, g_strdup(*i));
	}
	if (!g_ptr_array_find_with_equal_func(env, "PATH", has_key, NULL))
		g_ptr_array_insert(env, 0, g_strdup(CALLOUT_PATH));
	g_ptr_array_add(env, NULL);
	cp->env = (char **)g_ptr_array_steal(env, NULL);
	return 0;
}

static int parse_parent_keys(struct mdevfs_settings *s,
			     struct callout_parent *cp)
{
	const char *path;
	int ret = mdevfs_settings_string(s, "callout", &path);

	if (ret == -ENOENT)
		return mdevfs_settings_error(s, NULL, /* the group's line */
			"missing key 'callout' (the executable to call)");
	if (ret || check_executable(s, path))
		return -EINVAL;
	cp->path = g_strdup(path);
	cp->label = g_path_get_basename(path);
	cp->timeout_ms = 10000;
	if (mdevfs_settings_uint(s, "callout_timeout_ms", 3600000,
				 &cp->timeout_ms) == -EINVAL ||
	    mdevfs_settings_uint(s, "available_cache_ms", 3600000,
				 &cp->cache_ms) == -EINVAL)
		return -EINVAL;
	if (!cp->timeout_ms)
		return mdevfs_settings_error(s, "callout_timeout_ms",
					     "must be at least 1");
	return parse_env(s, cp);
}

static void callout_parent_free(struct callout_parent *cp)
{
	g_ptr_array_free(cp->types, TRUE);
	pthread_mutex_destroy(&cp->lock);
	g_strfreev(cp->env);
	g_free(cp->parent_name);
	g_free(cp->label);
	g_free(cp->path);
	g_free(cp);
}

int callout_parent_init(struct mdevfs_parent *parent, struct mdevfs_settings *s)
{
	struct callout_parent *cp = g_new0(struct callout_parent, 1);

	cp->parent_name = g_strdup(mdevfs_parent_name(parent));
	cp->types = g_ptr_array_new_with_free_func(callout_type_free);
	pthread_mutex_init(&cp->lock, NULL);
	/* parent_fini is for initialised parents only */
	if (parse_parent_keys(s, cp)) {
		callout_parent_free(cp);
		return -EINVAL;
	}
	callout_json_warm_up();
	mdevfs_parent_set_drvdata(parent, cp);
	return 0;
}

void callout_parent_fini(struct mdevfs_parent *parent)
{
	callout_parent_free(mdevfs_parent_drvdata(parent));
}

/* `attributes = a,b` (0644) or `readonly_attributes = c` (0444). */
static int add_attrs(struct mdevfs_type *type, struct callout_type *ct,
		     struct mdevfs_settings *s, const char *key, mode_t mode)
{
	g_auto(GStrv) names = NULL;
	const char *text;
	int ret = mdevfs_settings_string(s, key, &text);

	if (ret)
		return ret == -ENOENT ? 0 : ret;
	names = g_strsplit(text, ",", -1);
	for (char **n = names; *n; n++) {
		g_strstrip(*n);
		if (!**n)
			continue;
		ret = mdevfs_type_add_attr(type, *n, mode);
		if (ret < 0)
			return mdevfs_settings_error(s, key, "cannot add attribute "
				"'%s': %s", *n, ret == -EEXIST ? "there is one "
				"of that name" : g_strerror(-ret));
		g_ptr_array_add(ct->attrs, g_strdup(*n));
	}
	return 0;
}

int callout_type_init(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	struct callout_parent *cp = mdevfs_parent_drvdata(mdevfs_type_parent(type));
	struct callout_type *ct = g_new0(struct callout_type, 1);

	ct->attrs = g_ptr_array_new_with_free_func(g_free);
	pthread_mutex_init(&ct->lock, NULL);
	g_ptr_array_add(cp->types, ct);
	mdevfs_type_set_drvdata(type, ct);
	if (add_attrs(type, ct, s, "attributes", 0644) ||
	    add_attrs(type, ct, s, "readonly_attributes", 0444))
		return -EINVAL;
	return 0;
}
