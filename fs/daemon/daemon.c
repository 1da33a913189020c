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
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "proc.h"
#include "security.h"
#include "service_notify.h"
#include "state.h"
#include "uevent_netlink.h"

/* The kernel's misc device 229 (Documentation/admin-guide/devices.txt). */
#define FUSE_MAJOR 10
#define FUSE_MINOR 229

/* What a file that is not the FUSE device is, for the message. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFBLK: return "a block device";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	default: return "not a device";
	}
}

/* libfuse only says it cannot mount ("fuse: device not found, try
 * 'modprobe fuse' first", or an ioctl's error) when /dev/fuse is there
 * but something else: a container's placeholder, a bind mount. */
int daemon_check_fuse_device(void)
{
	struct stat st;

	if (stat("/dev/fuse", &st) != 0) {
		if (errno == ENOENT)
			log_err("/dev/fuse is missing: load the fuse module "
				"(modprobe fuse) or give this container the device");
		else
			log_err("/dev/fuse: %s", g_strerror(errno));
		return -1;
	}
	if (!S_ISCHR(st.st_mode)) {
		log_err("/dev/fuse is %s, not the FUSE character device (10:229)",
			file_kind(st.st_mode));
		return -1;
	}
	if (major(st.st_rdev) != FUSE_MAJOR || minor(st.st_rdev) != FUSE_MINOR) {
		log_err("/dev/fuse is character device %u:%u, not the FUSE "
			"device (10:229)", major(st.st_rdev), minor(st.st_rdev));
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

/* What libfuse logs while an option is checked: its message comes in
 * pieces ("unknown option(s): `", then each argument), kept whole. */
static GString *fuse_said;

static void keep_fuse_log(enum fuse_log_level level, const char *fmt,
			  va_list ap)
{
	(void)level;
	g_string_append_vprintf(fuse_said, fmt, ap);
}

/* As the session of the mount would take @opt. */
static bool fuse_takes(const char *opt)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;

	fuse_opt_add_arg(&args, "mdevfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, opt);
	se = fuse_session_new(&args, &mdevfs_ops, sizeof(mdevfs_ops), NULL);
	fuse_opt_free_args(&args);
	if (se)
		fuse_session_destroy(se);
	return se != NULL;
}

/* One line: libfuse's reason, without its "fuse: " prefix. */
static int refused(const char *opt, char *said)
{
	g_strstrip(said);
	if (g_str_has_prefix(said, "fuse: "))
		said += strlen("fuse: ");
	if (g_str_has_prefix(said, "unknown option"))
		log_err("-o %s: unknown option (neither mdevfs's nor libfuse's)",
			opt);
	else
		log_err("-o %s: %s", opt, *said ? said : "libfuse refuses it");
	return -1;
}

int daemon_check_fuse_options(const struct daemon_options *o)
{
	int ret = 0;

	fuse_said = g_string_new(NULL);
	fuse_set_log_func(keep_fuse_log);
	for (guint i = 0; i < o->fuse_opts->len && !ret; i++) {
		const char *opt = g_ptr_array_index(o->fuse_opts, i);

		g_string_truncate(fuse_said, 0);
		if (!fuse_takes(opt))
			ret = refused(opt, fuse_said->str);
	}
	fuse_set_log_func(NULL); /* libfuse's own, until daemon_prepare() */
	g_string_free(g_steal_pointer(&fuse_said), TRUE);
	return ret;
}

/* The -o list: mdevfs's own mount options, then the user's.  libfuse
 * checks it (and takes "debug"); the mount uses it (tree_mount.c).
 * allow_other only for the host's root: FUSE lets an allow_other mount be
 * used only from its own user namespace and those below it, so root of a
 * namespace of its own (`unshare -Urmn`, the testbed) would lock out the
 * user who made it, the one user it can share with anyway. */
static char *mount_options(const struct daemon_options *o)
{
	GString *opts = g_string_new("fsname=mdevfs,subtype=mdevfs");

	g_string_append(opts, geteuid() == 0 && proc_host_userns(0) == 1 ?
			",allow_other,default_permissions" : ",default_permissions");
	for (guint i = 0; i < o->fuse_opts->len; i++)
		g_string_append_printf(opts, ",%s",
				       (char *)g_ptr_array_index(o->fuse_opts, i));
	return g_string_free(opts, FALSE);
}

/* Every change of the device count sends a uevent after it: the service
 * manager's STATUS= follows them. */
static void daemon_uevent(void *ctx, const struct mdev_store_ctx *sc,
			  struct uevent *ev)
{
	notify_uevent(ctx, sc, ev);
	service_notify_changed();
}

/* What the core asks of the daemon: cache invalidations and uevents go
 * through the notifier's queue, gone parents are unplugged. */
const struct mdev_host_ops daemon_host = {
	.entry_gone = fs_entry_gone,
	.attr_changed = fs_attr_changed,
	.uevent = daemon_uevent,
	.parent_gone = parents_gone,
};

static struct fuse_session *new_session(struct daemon *d)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;

	d->mount_opts = mount_options(d->o);
	fuse_opt_add_arg(&args, "mdevfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, d->mount_opts);
	if (d->o->debug)
		fuse_opt_add_arg(&args, "-d");
	se = fuse_session_new(&args, &mdevfs_ops, sizeof(mdevfs_ops), NULL);
	fuse_opt_free_args(&args);
	return se;
}

int daemon_prepare(struct daemon *d)
{
	d->prepared = true;
	fuse_set_log_func(log_from_fuse);
	fs_set_options(&d->o->fs);
	sysfs_set_owner(geteuid(), getegid());
	handles_init();
	/* Uevents (daemon_host) wait in the notifier's queue until the tree
	 * is mounted. */
	uevent_netlink_open(d->o->uevent_routes);
	lock_mutex_init(&d->lock, LOCK_DAEMON);
	pthread_cond_init(&d->unplugged, NULL);
	d->plugged = g_ptr_array_new();
	parents_watch(d);
	/* The tree is complete before it is mounted. */
	if (parents_plug(d, g_steal_pointer(&d->parents)))
		return -1;
	/* After a crash: the devices recorded, before anyone can look. */
	state_recover();
	d->se = new_session(d);
	return d->se ? 0 : -1;
}

int daemon_serve(struct daemon *d)
{
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int ret;

	fuse_loop_cfg_set_max_threads(cfg, d->o->fs.max_threads);
	fs_set_session(d->se);
	notifier_start(d->se, uevent_netlink_send);
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
	if (d->parents)
		config_free_parents(d->parents);
	g_clear_pointer(&d->mount_opts, g_free);
	g_clear_pointer(&d->mount.path, g_free);
	if (!d->prepared)
		return;
	daemon_stop(d); /* a no-op when done already */
	if (d->se)
		fuse_session_destroy(d->se);
	uevent_netlink_close();
	fs_close_files();
	handles_fini();
	g_ptr_array_free(d->plugged, TRUE);
	lock_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->unplugged);
}

/* The mountpoint taken, the state directory opened, the tree complete
 * and mounted: 0, or -1 after saying why. */
static int daemon_start(struct daemon *d)
{
	int dead_id;

	d->mount.path = mount_absolute_path(d->o->mountpoint);
	if (!d->mount.path) {
		log_err("mountpoint %s does not exist", d->o->mountpoint);
		return -1;
	}
	if (daemon_claim_mountpoint(d, d->mount.path) ||
	    daemon_inspect_mountpoint(d->mount.path, &dead_id) ||
	    daemon_open_state(d->o, d->mount.path) || daemon_prepare(d))
		return -1;
	if (fuse_set_signal_handlers(d->se))
		return -1;
	/* Everything is ready: only now does a dead mount go. */
	if (tree_mount(&d->mount, d->se, d->mount_opts, dead_id)) {
		fuse_remove_signal_handlers(d->se);
		return -1;
	}
	d->served = true;
	return 0;
}

int daemon_run(const struct daemon_options *o, GPtrArray *parents)
{
	struct daemon d = { .o = o, .parents = parents };
	int ret = 1;

	service_notify_open();
	if (daemon_start(&d))
		goto out;
	if (!o->foreground) {
		/* With no journal nor syslog, the log stays where stderr was
		 * (fuse_daemonize() points it at /dev/null). */
		int err_fd = log_to_system() ? dup(STDERR_FILENO) : -1;

		fuse_daemonize(0);
		if (err_fd >= 0) {
			dup2(err_fd, STDERR_FILENO);
			close(err_fd);
		}
		log_set_level(MDEVFS_LOG_INFO);
	}
	log_info("serving %u parents on %s", parents_count(&d), o->mountpoint);
	if (security_drop_privileges() == 0 && control_start(&d) == 0) {
		service_notify_ready(&d);
		ret = daemon_serve(&d) ? 1 : 0;
	}
	service_notify_stopping();
	daemon_stop(&d);
	tree_unmount(&d.mount, d.se);
	log_info("unmounted %s", o->mountpoint);
	fuse_remove_signal_handlers(d.se);
out:
	/* A start that failed keeps what was recorded: its devices were
	 * restored from their records, not removed by anyone. */
	if (!d.served)
		(void)state_close(false);
	daemon_finish(&d);
	/* Every device was removed, so was its record: else say which. */
	if (state_close(true))
		ret = 1;
	service_notify_close();
	/* Last: a daemon starting on this mountpoint waited for this, and
	 * each `mdevfs ctl stop` for its answer, the exit status. */
	control_end(&d, ret);
	return ret;
}
