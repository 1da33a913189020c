// SPDX-License-Identifier: MIT
/*
 * The daemon's parents: those of the configuration at start and those
 * plugged and unplugged at run time (`mdevfs ctl register/unregister`),
 * as a driver loading or a device going away.
 *
 * The registry only says which parent is whose and keeps two plugs of one
 * name apart; everything about order, waiting for in-flight work and
 * uevents is the core's (mdev_register_parent(), mdev_unregister_parent()).
 *
 * d->lock (LOCK_DAEMON in lock.h) guards the list, each plug's state and
 * d->serving/stopping/unplugging, and it keeps a listed parent's backend
 * alive: a parent leaves the list under it before parent_fini() runs.  So
 * the hooks that need a parent still served run under it, parent_start()
 * and parent_status(), as does parent_fini() of a plug that failed (never
 * started, it has no threads that could wait for the lock).  It is never
 * held while the core waits for work in flight: an unplug marks its plug
 * PLUG_REMOVING and drops the lock before the core unregisters the parent.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "service_notify.h"

enum plug_state { PLUG_ADDING, PLUG_LIVE, PLUG_REMOVING };

struct plugged {
	struct mdevfs_parent *parent; /* owned */
	enum plug_state state;
};

static struct plugged *find_locked(struct daemon *d, const char *name)
{
	lock_assert_held(&d->lock);
	for (guint i = 0; i < d->plugged->len; i++) {
		struct plugged *p = g_ptr_array_index(d->plugged, i);

		if (!strcmp(mdevfs_parent_name(p->parent), name))
			return p;
	}
	return NULL;
}

/* Claims the names of @parents: none may be plugged or being plugged. */
static int claim_names(struct daemon *d, GPtrArray *parents)
{
	int ret = 0;

	lock_mutex(&d->lock);
	for (guint i = 0; i < parents->len && !ret; i++) {
		const char *name = mdevfs_parent_name(g_ptr_array_index(parents, i));

		if (find_locked(d, name)) {
			log_err("%s: a parent of that name is already there", name);
			ret = -EEXIST;
		}
	}
	for (guint i = 0; i < parents->len && !ret; i++) {
		struct plugged *p = g_new(struct plugged, 1);

		p->parent = g_ptr_array_index(parents, i);
		p->state = PLUG_ADDING;
		g_ptr_array_add(d->plugged, p);
	}
	unlock_mutex(&d->lock);
	return ret;
}

/* Ends the plugs of @parents: live (and started if serving), or out of the
 * registry and freed. */
static void settle(struct daemon *d, GPtrArray *parents, bool live)
{
	lock_mutex(&d->lock);
	for (guint i = d->plugged->len; i-- > 0;) {
		struct plugged *p = g_ptr_array_index(d->plugged, i);

		if (!g_ptr_array_find(parents, p->parent, NULL))
			continue;
		if (live) {
			p->state = PLUG_LIVE;
			continue;
		}
		g_ptr_array_remove_index(d->plugged, i);
		mdev_parent_put(p->parent);
		g_free(p);
	}
	/* Under the lock that made them live: no unplug can have freed one
	 * (it starts with a live plug), as it could once the lock is let go. */
	for (guint i = 0; live && d->serving && i < parents->len; i++)
		mdev_parent_start(g_ptr_array_index(parents, i));
	unlock_mutex(&d->lock);
}

static void parent_gone(struct daemon *d, struct mdevfs_parent *parent,
			mdev_progress_fn progress, void *ctx)
{
	mdev_unregister_parent_progress(parent, progress, ctx);
	mdev_parent_del(parent);
	if (d->hide_parent)
		d->hide_parent(d, parent);
}

int parents_plug(struct daemon *d, GPtrArray *parents)
{
	guint i;
	int ret = claim_names(d, parents);

	if (ret) {
		config_free_parents(parents);
		return ret;
	}
	for (i = 0; i < parents->len && !ret; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(parents, i);

		ret = mdev_parent_add_silent(p);
		if (ret)
			continue;
		/* Shown before its first event: a monitor finds it. */
		if (d->show_parent)
			ret = d->show_parent(d, p);
		mdev_parent_announce(p);
		if (!ret)
			ret = mdev_register_parent(p);
		if (ret)
			parent_gone(d, p, NULL, NULL);
	}
	/* All or none: the ones before the failure go again. */
	for (guint j = ret ? i - 1 : 0; j-- > 0;)
		parent_gone(d, g_ptr_array_index(parents, j), NULL, NULL);
	settle(d, parents, ret == 0);
	g_ptr_array_free(parents, TRUE);
	service_notify_changed(); /* the count is d->plugged's */
	return ret;
}

int parents_unplug(struct daemon *d, const char *name)
{
	return parents_unplug_progress(d, name, NULL, NULL);
}

int parents_unplug_progress(struct daemon *d, const char *name,
			    mdev_progress_fn progress, void *ctx)
{
	struct plugged *p;
	int ret = 0;

	lock_mutex(&d->lock);
	p = find_locked(d, name);
	if (!p)
		ret = -ENOENT;
	else if (p->state != PLUG_LIVE)
		ret = -EBUSY;
	else
		p->state = PLUG_REMOVING;
	unlock_mutex(&d->lock);
	if (ret)
		return ret;
	/* Waits for in-flight creates and removes, removes every device. */
	parent_gone(d, p->parent, progress, ctx);
	lock_mutex(&d->lock);
	g_ptr_array_remove(d->plugged, p);
	unlock_mutex(&d->lock);
	service_notify_changed();
	mdev_parent_put(p->parent);
	g_free(p);
	return 0;
}

void parents_start(struct daemon *d)
{
	lock_mutex(&d->lock);
	d->serving = true;
	for (guint i = 0; i < d->plugged->len; i++) {
		struct plugged *p = g_ptr_array_index(d->plugged, i);

		if (p->state == PLUG_LIVE)
			mdev_parent_start(p->parent);
	}
	unlock_mutex(&d->lock);
}

/* The stop's count over all parents, for `ctl stop`'s progress. */
struct stop_count {
	struct daemon *d;
	unsigned int before;  /* removed with the parents gone already */
	unsigned int done;    /* and with this one */
	unsigned int total;
};

static void stop_progress(void *ctx, unsigned int done, unsigned int total)
{
	struct stop_count *n = ctx;

	(void)total;
	n->done = n->before + done;
	n->total = MAX(n->total, n->done);
	control_stop_progress(n->d, n->done, n->total);
}

/* At the stop, nothing else plugs or unplugs any more: the last parent
 * plugged goes first. */
void parents_unplug_all(struct daemon *d)
{
	struct stop_count n = { .d = d };

	lock_mutex(&d->lock);
	for (guint i = 0; i < d->plugged->len; i++)
		n.total += mdev_parent_device_count(
			((struct plugged *)g_ptr_array_index(d->plugged, i))->parent);
	while (d->plugged->len) {
		struct plugged *p = g_ptr_array_steal_index(d->plugged,
							     d->plugged->len - 1);

		unlock_mutex(&d->lock);
		mdev_unregister_parent_progress(p->parent, stop_progress, &n);
		n.before = n.done;
		mdev_parent_del(p->parent);
		mdev_parent_put(p->parent);
		g_free(p);
		lock_mutex(&d->lock);
	}
	unlock_mutex(&d->lock);
}

static const char *const state_names[] = {
	[PLUG_ADDING] = "registering",
	[PLUG_LIVE] = "registered",
	[PLUG_REMOVING] = "unregistering",
};

void parents_list(struct daemon *d, GString *out)
{
	char status[256];

	lock_mutex(&d->lock);
	for (guint i = 0; i < d->plugged->len; i++) {
		struct plugged *p = g_ptr_array_index(d->plugged, i);

		mdev_parent_status(p->parent, status, sizeof(status));
		g_string_append_printf(out, "%s %s %s mdevs=%u%s%s\n",
			mdevfs_parent_name(p->parent), state_names[p->state],
			mdev_parent_path(p->parent),
			mdev_parent_device_count(p->parent),
			status[0] ? " " : "", status);
	}
	unlock_mutex(&d->lock);
}

/* What `list --json` says of a plugged parent, taken under d->lock. */
struct listed {
	struct mdevfs_parent *parent; /* a reference */
	enum plug_state state;
	char status[256];
};

/* The types and devices of a live one, asked without d->lock: a hook
 * get_available() may not run under it (lock.h). */
static void describe_listed(struct listed *l, JsonBuilder *b)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, mdevfs_parent_name(l->parent));
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, state_names[l->state]);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, mdev_parent_path(l->parent));
	json_builder_set_member_name(b, "backend_status");
	json_builder_add_string_value(b, l->status);
	if (l->state == PLUG_LIVE)
		mdev_parent_describe(l->parent, b);
	json_builder_end_object(b);
	mdev_parent_unref(l->parent);
}

void parents_list_json(struct daemon *d, GString *out)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	g_autofree struct listed *list = NULL;
	guint n;

	lock_mutex(&d->lock);
	n = d->plugged->len;
	list = g_new0(struct listed, n);
	for (guint i = 0; i < n; i++) {
		struct plugged *p = g_ptr_array_index(d->plugged, i);

		list[i].parent = mdev_parent_ref(p->parent);
		list[i].state = p->state;
		mdev_parent_status(p->parent, list[i].status,
				   sizeof(list[i].status));
	}
	unlock_mutex(&d->lock);
	json_builder_begin_object(b);
	/* Which daemon: what `ctl status` says, for a script that signals
	 * or waits for it. */
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, getpid());
	json_builder_set_member_name(b, "mountpoint");
	json_builder_add_string_value(b, d->mount.path);
	json_builder_set_member_name(b, "devices");
	json_builder_add_int_value(b, mdev_device_count());
	json_builder_set_member_name(b, "parents");
	json_builder_begin_array(b);
	for (guint i = 0; i < n; i++)
		describe_listed(&list[i], b);
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	g_string_append_printf(out, "%s\n", text);
}

unsigned int parents_count(struct daemon *d)
{
	unsigned int n;

	lock_mutex(&d->lock);
	n = d->plugged->len;
	unlock_mutex(&d->lock);
	return n;
}

int parents_show(struct daemon *d)
{
	int ret = 0;

	lock_mutex(&d->lock);
	for (guint i = 0; i < d->plugged->len && !ret; i++)
		ret = d->show_parent(d, ((struct plugged *)
					 g_ptr_array_index(d->plugged, i))->parent);
	unlock_mutex(&d->lock);
	return ret;
}

/* --- parents that go by themselves ------------------------------------ */

/* The daemon whose parents a backend may declare gone: there is one. */
static struct daemon *watched;

struct gone {
	struct daemon *d;
	char *name;
};

/* Until the parent is unplugged, by this thread or another; a parent
 * still being plugged is waited for. */
static void *unplug_gone(void *arg)
{
	struct gone *g = arg;
	struct daemon *d = g->d;
	int ret;

	while ((ret = parents_unplug(d, g->name)) == -EBUSY)
		g_usleep(20000);
	if (!ret)
		log_info("%s: unplugged: its device is gone", g->name);
	lock_mutex(&d->lock);
	d->unplugging--;
	pthread_cond_broadcast(&d->unplugged);
	unlock_mutex(&d->lock);
	g_free(g->name);
	g_free(g);
	return NULL;
}

void parents_gone(void *ctx, struct mdevfs_parent *parent)
{
	struct daemon *d = watched;
	struct gone *g;
	pthread_t thread;

	(void)ctx;
	if (!d) {
		log_warn("%s: gone, but nothing unplugs parents here",
			 mdevfs_parent_name(parent));
		return;
	}
	g = g_new(struct gone, 1);
	g->d = d;
	g->name = g_strdup(mdevfs_parent_name(parent));
	lock_mutex(&d->lock);
	if (d->stopping || pthread_create(&thread, NULL, unplug_gone, g)) {
		unlock_mutex(&d->lock);
		g_free(g->name);
		g_free(g);
		return;
	}
	d->unplugging++;
	pthread_detach(thread);
	unlock_mutex(&d->lock);
}

void parents_watch(struct daemon *d)
{
	watched = d;
}

void parents_quiesce(struct daemon *d)
{
	lock_mutex(&d->lock);
	d->stopping = true;
	while (d->unplugging)
		lock_wait(&d->unplugged, &d->lock);
	unlock_mutex(&d->lock);
}

/* A live parent by name; d->lock. */
static struct mdevfs_parent *live_locked(struct daemon *d, const char *name)
{
	struct plugged *p;

	lock_assert_held(&d->lock);
	p = find_locked(d, name);
	return p && p->state == PLUG_LIVE ? p->parent : NULL;
}

int parents_vanish(struct daemon *d, const char *name)
{
	struct mdevfs_parent *parent;

	lock_mutex(&d->lock);
	parent = live_locked(d, name);
	if (parent)
		mdev_parent_vanish(parent);
	unlock_mutex(&d->lock);
	return parent ? parents_unplug(d, name) : -ENOENT;
}

int parents_fault(struct daemon *d, const char *name, const char *type,
		  char **assignments, GString *out)
{
	struct mdevfs_parent *parent;
	int ret = -ENOENT;

	lock_mutex(&d->lock);
	parent = live_locked(d, name);
	if (parent)
		ret = mdev_parent_fault(parent, type,
					(char *const *)assignments, out);
	unlock_mutex(&d->lock);
	return ret;
}
