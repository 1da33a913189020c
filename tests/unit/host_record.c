// SPDX-License-Identifier: MIT
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "host_record.h"
#include "mdev.h"
#include "sysfs_internal.h"
#include "uevent.h"

struct call {
	char *line;
	const struct mdev_store_ctx *sc;
};

/* Tests call the core from several threads (gate_backend.h). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GArray *calls; /* struct call; lock */
static void (*uevent_hook)(const struct uevent *ev);

static void add(GString *line, const struct mdev_store_ctx *sc)
{
	struct call c = { g_string_free(line, FALSE), sc };

	pthread_mutex_lock(&lock);
	g_array_append_val(calls, c);
	pthread_mutex_unlock(&lock);
}

/* @n's path from the root, built under sysfs_rwsem (which gone() is
 * called with, held exclusively): sysfs_path() would take it again. */
static void path_locked(struct sysfs_node n, GString *out)
{
	char name[NAME_MAX + 1];
	struct sysfs_node up;

	if (!sysfs_container(n, &up))
		return;
	path_locked(up, out);
	ck_assert_int_eq(sysfs_name(n, name, sizeof(name)), 0);
	g_string_append_printf(out, "%s%s", out->len ? "/" : "", name);
}

static void gone(void *ctx, const struct mdev_store_ctx *sc,
		 struct sysfs_node dir, struct sysfs_node node, const char *name)
{
	GString *path = g_string_new(NULL);

	(void)ctx, (void)node;
	path_locked(dir, path);
	g_string_prepend(path, "gone ");
	g_string_append_printf(path, "%s%s", path->len > strlen("gone ") ?
			       "/" : "", name);
	add(path, sc);
}

static void uevent(void *ctx, const struct mdev_store_ctx *sc,
		   struct uevent *ev)
{
	GString *line = g_string_new(NULL);

	(void)ctx;
	if (uevent_hook)
		uevent_hook(ev);
	g_string_printf(line, "uevent %s %s %s", uevent_action_name(ev->action),
			ev->devpath, ev->subsystem);
	for (guint i = 0; i < ev->env->len; i++)
		g_string_append_printf(line, " %s",
				       (char *)g_ptr_array_index(ev->env, i));
	add(line, sc);
	uevent_free(ev);
}

static void parent_gone(void *ctx, struct mdevfs_parent *parent)
{
	(void)ctx;
	add(g_string_append(g_string_new("parent_gone "),
			    mdevfs_parent_name(parent)), NULL);
}

const struct mdev_host_ops host_record_ops = {
	.entry_gone = gone,
	.uevent = uevent,
	.parent_gone = parent_gone,
};

static void clear_call(void *p)
{
	g_free(((struct call *)p)->line);
}

void host_record_reset(void (*on_uevent)(const struct uevent *ev))
{
	pthread_mutex_lock(&lock);
	if (calls)
		g_array_free(calls, TRUE);
	calls = g_array_new(FALSE, FALSE, sizeof(struct call));
	g_array_set_clear_func(calls, clear_call);
	uevent_hook = on_uevent;
	pthread_mutex_unlock(&lock);
}

guint host_record_count(void)
{
	guint n;

	pthread_mutex_lock(&lock);
	n = calls->len;
	pthread_mutex_unlock(&lock);
	return n;
}

char *host_record_since(guint from, const char *prefix, bool mark_stores)
{
	GString *s = g_string_new(NULL);
	size_t plen = strlen(prefix);

	pthread_mutex_lock(&lock);
	for (guint i = from; i < calls->len; i++) {
		const struct call *c = &g_array_index(calls, struct call, i);

		if (strncmp(c->line, prefix, plen) != 0)
			continue;
		g_string_append_printf(s, "%s%s\n", c->line + plen,
				       mark_stores && c->sc ? " (store)" : "");
	}
	pthread_mutex_unlock(&lock);
	return g_string_free(s, FALSE);
}

const struct mdev_store_ctx *host_record_store(guint i)
{
	const struct mdev_store_ctx *sc;

	pthread_mutex_lock(&lock);
	ck_assert_uint_lt(i, calls->len);
	sc = g_array_index(calls, struct call, i).sc;
	pthread_mutex_unlock(&lock);
	return sc;
}
