// SPDX-License-Identifier: MIT
/*
 * The daemon's life: checks, mount, the FUSE loop and an orderly stop in
 * which every parent unregisters (its devices are removed through their
 * backend) before the mount goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "security.h"
#include "state.h"
#include "uevent_netlink.h"

int daemon_check_fuse_device(void)
{
	struct stat st;

	if (stat("/dev/fuse", &st) == 0 && S_ISCHR(st.st_mode))
		return 0;
	log_err("/dev/fuse is missing: load the fuse module (modprobe fuse) "
		"or give this container the device");
	return -1;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The topmost mount of every mountpoint, from /proc/self/mountinfo (which
 * escapes blanks in paths as \040): its path, and 1 + its FUSE connection
 * (the minor of its device, major 0, which names it in fusectl) if it is
 * an mdevfs, else 0. */
static GHashTable *topmost_mounts(void)
{
	GHashTable *top = g_hash_table_new_full(g_str_hash, g_str_equal,
						g_free, NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; l && *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f), dash = 6;
		unsigned int major, minor;
		gsize conn = 0;

		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (n < 5 || dash + 1 >= n)
			continue;
		if (!strcmp(f[dash + 1], "fuse.mdevfs") &&
		    sscanf(f[2], "%u:%u", &major, &minor) == 2 && major == 0)
			conn = (gsize)minor + 1;
		/* a later line is a mount on top of an earlier one */
		g_hash_table_insert(top, g_strcompress(f[4]), GSIZE_TO_POINTER(conn));
	}
	return top;
}

char **mdevfs_mountpoints(void)
{
	g_autoptr(GHashTable) top = topmost_mounts();
	GPtrArray *found = g_ptr_array_new();
	GHashTableIter it;
	gpointer mp, conn;

	g_hash_table_iter_init(&it, top);
	while (g_hash_table_iter_next(&it, &mp, &conn))
		if (conn)
			g_ptr_array_add(found, g_strdup(mp));
	g_ptr_array_sort(found, compare_strings);
	g_ptr_array_add(found, NULL);
	return (char **)g_ptr_array_free(found, FALSE);
}

long mdevfs_mount_connection(const char *path)
{
	g_autoptr(GHashTable) top = topmost_mounts();

	return (long)GPOINTER_TO_SIZE(g_hash_table_lookup(top, path)) - 1;
}

int daemon_check_mountpoint(const char *mountpoint)
{
	g_autofree char *real = NULL;
	g_auto(GStrv) mounts = NULL;
	struct stat st;

	/* A killed mdevfs left its mount: replaced (restart.c); asked first
	 * whether its daemon is a zombie, whose mount would not answer. */
	if (daemon_mount_killed(mountpoint)) {
		if (daemon_replace_dead_mount(mountpoint))
			return -1;
	} else if (stat(mountpoint, &st) &&
		   (errno == ENOTCONN || errno == ECONNABORTED) &&
		   daemon_replace_dead_mount(mountpoint)) {
		/* ECONNABORTED: the stat was in flight as the daemon died */
		return -1;
	}
	if (stat(mountpoint, &st)) {
		int err = errno;

		if (err == ENOENT)
			log_err("mountpoint %s does not exist", mountpoint);
		else
			log_err("mountpoint %s: %s", mountpoint, strerror(err));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("mountpoint %s is not a directory", mountpoint);
		return -1;
	}
	real = realpath(mountpoint, NULL);
	mounts = mdevfs_mountpoints();
	if (real && g_strv_contains((const char *const *)mounts, real)) {
		log_err("mountpoint %s is busy: mdevfs is already mounted there",
			mountpoint);
		return -1;
	}
	return 0;
}

static void log_from_fuse(enum fuse_log_level level, const char *fmt,
			  va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);

	g_strchomp(msg);
	mdevfs_log((int)level, "fuse: %s", msg);
}

static struct fuse_session *new_session(const struct daemon_options *o)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	g_autofree char *base = g_strdup_printf("fsname=mdevfs,subtype=mdevfs%s",
		geteuid() == 0 ? ",allow_other,default_permissions" :
				 ",default_permissions");
	struct fuse_session *se;

	fuse_opt_add_arg(&args, "mdevfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, base);
	for (guint i = 0; i < o->fuse_opts->len; i++) {
		fuse_opt_add_arg(&args, "-o");
		fuse_opt_add_arg(&args, g_ptr_array_index(o->fuse_opts, i));
	}
	if (o->debug)
		fuse_opt_add_arg(&args, "-d");
	se = fuse_session_new(&args, &mdevfs_ops, sizeof(mdevfs_ops), NULL);
	fuse_opt_free_args(&args);
	return se;
}

int daemon_prepare(struct daemon *d)
{
	fuse_set_log_func(log_from_fuse);
	fs_set_options(&d->o->fs);
	sysfs_set_owner(geteuid(), getegid());
	handles_init();
	uevent_netlink_open(d->o->uevent_routes);
	/* Uevents wait in the notifier's queue until the tree is mounted. */
	uevent_set_sink(notify_uevent, NULL);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->unplugged, NULL);
	d->plugged = g_ptr_array_new();
	parents_watch(d);
	/* The tree is complete before it is mounted. */
	if (parents_plug(d, g_steal_pointer(&d->parents)))
		return -1;
	/* After a crash: the devices recorded, before anyone can look. */
	state_recover();
	d->se = new_session(d->o);
	return d->se ? 0 : -1;
}

int daemon_serve(struct daemon *d)
{
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int ret;

	fuse_loop_cfg_set_max_threads(cfg, d->o->fs.max_threads);
	fs_set_session(d->se);
	notifier_start(d->se);
	writers_start(d->o->fs.max_threads, d->o->fs.max_writers);
	parents_start(d);
	/* A stop by signal returns the signal's number: a clean stop. */
	ret = fuse_session_loop_mt(d->se, cfg) < 0 ? -1 : 0;
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

/* Unregistering removes every device through its backend. */
void daemon_stop(struct daemon *d)
{
	/* Holders let go, so removes waiting for them can end; then writes
	 * in flight finish and get their replies (the mount is still up). */
	control_stop(d);
	writers_stop();
	if (d->plugged) {
		parents_quiesce(d);
		parents_unplug_all(d);
	}
	notifier_stop(); /* sends what is queued; drops it if never mounted */
	fs_set_session(NULL);
}

void daemon_finish(struct daemon *d)
{
	daemon_stop(d); /* a no-op when done already */
	if (d->se)
		fuse_session_destroy(d->se);
	uevent_set_sink(NULL, NULL);
	uevent_netlink_close();
	fs_close_files();
	handles_fini();
	if (d->parents)
		config_free_parents(d->parents);
	if (d->plugged) {
		g_ptr_array_free(d->plugged, TRUE);
		pthread_mutex_destroy(&d->lock);
		pthread_cond_destroy(&d->unplugged);
	}
}

int daemon_run(const struct daemon_options *o, GPtrArray *parents)
{
	struct daemon d = { .o = o, .parents = parents };
	int ret = 1;

	g_autofree char *name = NULL;

	if (daemon_open_state(o))
		return 1;
	name = control_name(o->mountpoint);
	if (!name || control_open(&d, name) || daemon_prepare(&d))
		goto out;
	if (fuse_set_signal_handlers(d.se))
		goto out;
	if (fuse_session_mount(d.se, o->mountpoint)) {
		log_err("cannot mount on %s", o->mountpoint);
		goto out_signals;
	}
	if (!o->foreground) {
		fuse_daemonize(0);
		log_to_syslog();
		log_set_level(MDEVFS_LOG_INFO);
	}
	log_info("serving %u parents on %s", parents_count(&d), o->mountpoint);
	if (security_drop_privileges() == 0 && control_start(&d) == 0)
		ret = daemon_serve(&d) ? 1 : 0;
	daemon_stop(&d);
	fuse_session_unmount(d.se);
	log_info("unmounted %s", o->mountpoint);
out_signals:
	fuse_remove_signal_handlers(d.se);
out:
	daemon_finish(&d);
	/* Every device was removed, so was its record. */
	state_close(true);
	return ret;
}
