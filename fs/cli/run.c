// SPDX-License-Identifier: MIT
/*
 * `mdevfs run -- COMMAND`: COMMAND runs in a mount and network namespace of
 * its own in which the emulated tree is at the real /sys paths, so
 * unmodified programs (mdevctl, libvirt, udevadm) work on it.
 *
 * /sys gets an overlay (the real sysfs below, a ramfs above) so mountpoints
 * can be made where the kernel has nothing, and the mdevfs tree's pieces
 * are bind-mounted there: class/mdev_bus, class/vfio-dev, class/vfio,
 * bus/mdev, kernel/iommu_groups, devices/virtual/vfio (kept while empty,
 * where the kernel's goes), each parent's directory, class (or bus: a
 * link in the host's, or the tree's where the host has none) and module,
 * also of parents plugged later (`mdevfs ctl register`).  A parent that
 * would hide a device of the host's is refused unless told.  /etc/mdevctl.d
 * gets a tmpfs with the directories mdevctl requires.  /dev gets an
 * overlay too, with /dev/vfio served by the daemon (run_dev.c).
 *
 * The daemon's namespace keeps the staging ramfs (overlay layers, the FUSE
 * tree) over /tmp, so it can bind parents at any time.  COMMAND runs in a
 * namespace of its own, copied from the daemon's, without that ramfs: it
 * sees the real /tmp, and since /sys is a shared mount, the binds the
 * daemon makes and removes later reach it.  Nothing is made on the host,
 * so nothing is left there, even if mdevfs is killed.  mdevfs serves until
 * COMMAND exits and returns its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "proc.h"
#include "run.h"
#include "run_private.h"
#include "uevent_netlink.h"

#define TREE STAGE "/tree"

struct run {
	struct daemon d;
	GPtrArray *mounts;    /* what to unmount at the end, last first */
	struct lock_mutex lock; /* parents are shown by control threads; a leaf */
	GHashTable *shown;    /* parent name -> struct shown; lock */
	/* "class/NAME", "module/NAME" -> struct shown: what parents share;
	 * lock */
	GHashTable *shared;
	pid_t child;
	bool started;         /* COMMAND was executed */
	int status;           /* the child's, as waitpid() gives it */
	pthread_t loop;       /* runs the FUSE loop */
};

/* What a parent shares with others: its class or (where the host has
 * none) its bus, its own driver in the host's bus, and its module. */
enum { SHARED_SUBSYS, SHARED_DRIVER, SHARED_MODULE, SHARED_NR };

/* What showing a parent or what it shares made, undone when it goes. */
struct shown {
	GPtrArray *links;     /* struct link: made in the overlay */
	GPtrArray *mounts;    /* last first */
	GPtrArray *dirs;      /* made in the overlay, deepest last */
	char *shared[SHARED_NR]; /* a parent's, if bound by mdevfs */
	guint users;          /* a shared directory's parents */
};

static struct fuse_session *session; /* for the SIGUSR1 handler */
/* Handled by the signal thread; blocked everywhere else. */
static const int relayed[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD };

static void relayed_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < G_N_ELEMENTS(relayed); i++)
		sigaddset(set, relayed[i]);
}

int run_fail(const char *what, const char *path)
{
	log_err("run: %s %s: %s", what, path, strerror(errno));
	return -1;
}

int run_mount(GPtrArray *mounts, const char *src, const char *dst,
	      const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data))
		return run_fail("cannot mount on", dst);
	g_ptr_array_add(mounts, g_strdup(dst));
	return 0;
}

int run_make_dirs(const char *path, GPtrArray *made)
{
	g_autofree char *copy = g_strdup(path);
	char *p = copy;

	do {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		int ret = mkdir(copy, 0755);

		/* EACCES: the host's root owns it; EPERM: sysfs takes no
		 * mkdir (a user namespace whose root is the host's uid 0). */
		if (ret && (errno == EACCES || errno == EPERM) && run_unprivileged()) {
			if (run_mirror_for(copy))
				return -1;
			ret = mkdir(copy, 0755);
		}
		if (ret == 0) {
			if (made)
				g_ptr_array_add(made, g_strdup(copy));
		} else if (errno != EEXIST) {
			return run_fail("cannot make", copy);
		}
		if (p)
			*p = '/';
	} while (p);
	return 0;
}

/* The tree's @rel (from its root) at /sys/@rel. */
static int bind_tree(GPtrArray *mounts, GPtrArray *made, const char *rel)
{
	g_autofree char *src = g_strdup_printf(TREE "/%s", rel);
	g_autofree char *dst = g_strdup_printf("/sys/%s", rel);

	if (run_make_dirs(dst, made))
		return -1;
	return run_mount(mounts, src, dst, NULL, MS_BIND, NULL);
}

/* A link run made, and the host's it replaced (--hide-host-devices). */
struct link {
	char *path;
	char *hidden_target; /* or NULL */
};

static void link_free(gpointer data)
{
	struct link *l = data;

	unlink(l->path);
	if (l->hidden_target)
		(void)!symlink(l->hidden_target, l->path);
	g_free(l->path);
	g_free(l->hidden_target);
	g_free(l);
}

static void shown_free(gpointer data)
{
	struct shown *sh = data;

	for (guint i = sh->mounts->len; i-- > 0;)
		umount2(g_ptr_array_index(sh->mounts, i), MNT_DETACH);
	for (guint i = sh->dirs->len; i-- > 0;)
		rmdir(g_ptr_array_index(sh->dirs, i));
	g_ptr_array_free(sh->links, TRUE);
	g_ptr_array_free(sh->mounts, TRUE);
	g_ptr_array_free(sh->dirs, TRUE);
	for (int i = 0; i < SHARED_NR; i++)
		g_free(sh->shared[i]);
	g_free(sh);
}

static struct shown *shown_new(void)
{
	struct shown *sh = g_new0(struct shown, 1);

	sh->links = g_ptr_array_new_with_free_func(link_free);
	sh->mounts = g_ptr_array_new_with_free_func(g_free);
	sh->dirs = g_ptr_array_new_with_free_func(g_free);
	return sh;
}

/* @rel (a class or module directory) of the tree at /sys for parent
 * shown as @psh, unless the host has its own (a class or module of the
 * host's stays the host's).  Caller holds r->lock. */
static int show_shared(struct run *r, const char *rel, int which,
		       struct shown *psh)
{
	g_autofree char *path = g_strdup_printf("/sys/%s", rel);
	struct shown *sh = g_hash_table_lookup(r->shared, rel);

	lock_assert_held(&r->lock);
	if (!sh && access(path, F_OK) == 0)
		return 0;
	if (!sh) {
		sh = shown_new();
		if (bind_tree(sh->mounts, sh->dirs, rel)) {
			shown_free(sh);
			return -1;
		}
		g_hash_table_insert(r->shared, g_strdup(rel), sh);
	}
	sh->users++;
	psh->shared[which] = g_strdup(rel);
	return 0;
}

/* /sys/bus/BUS/devices/NAME, a link the host's bus gets in the overlay. */
static int link_in_bus(const char *bus, struct mdevfs_parent *p,
		       struct shown *psh)
{
	g_autofree char *link = g_strdup_printf("/sys/bus/%s/devices/%s", bus,
						mdevfs_parent_name(p));
	g_autofree char *target = g_strdup_printf("../../../%s",
						  mdev_parent_path(p));
	struct link *l;

	if (run_unprivileged() && run_mirror_for(link))
		return -1;
	l = g_new0(struct link, 1);
	/* the host's, hidden (check_shadow() allowed it) until this goes */
	l->hidden_target = g_file_read_link(link, NULL);
	if ((l->hidden_target && unlink(link)) || symlink(target, link)) {
		g_free(l->hidden_target);
		g_free(l);
		return run_fail("cannot make", link);
	}
	l->path = g_steal_pointer(&link);
	g_ptr_array_add(psh->links, l);
	return 0;
}

/* The parent's class, or its bus (the host's when it has one, so that
 * its own devices stay: then the link in it, and the parent's driver
 * unless the host has that too), and its module. */
static int show_surroundings(struct run *r, struct mdevfs_parent *p,
			     struct shown *psh)
{
	bool bus;
	const char *subsys = mdev_parent_subsystem(p, &bus);
	const char *module = mdev_parent_module(p);
	const char *driver = mdev_parent_device_driver(p);
	g_autofree char *rel = g_strdup_printf("%s/%s", bus ? "bus" : "class",
					       subsys);
	g_autofree char *mod = module ? g_strdup_printf("module/%s", module) : NULL;
	g_autofree char *drv = driver ? g_strdup_printf("%s/drivers/%s", rel,
							 driver) : NULL;

	if (show_shared(r, rel, SHARED_SUBSYS, psh))
		return -1;
	if (bus && !g_hash_table_contains(r->shared, rel) &&
	    (link_in_bus(subsys, p, psh) ||
	     (drv && show_shared(r, drv, SHARED_DRIVER, psh))))
		return -1; /* else in the tree's bus, bound whole */
	return mod && show_shared(r, mod, SHARED_MODULE, psh) ? -1 : 0;
}

/* What of the host's the parent would hide: its directory, or its name on
 * the host's bus.  Refused unless --hide-host-devices says to. */
static int check_shadow(struct run *r, struct mdevfs_parent *p)
{
	bool bus;
	const char *subsys = mdev_parent_subsystem(p, &bus);
	g_autofree char *dir = g_strdup_printf("/sys/%s", mdev_parent_path(p));
	g_autofree char *on_bus = g_strdup_printf("/sys/bus/%s/devices/%s",
						  subsys, mdevfs_parent_name(p));
	const char *hidden = access(dir, F_OK) == 0 ? dir :
		bus && access(on_bus, F_OK) == 0 ? on_bus : NULL;

	if (!hidden)
		return 0;
	if (!r->d.o->hide_host_devices) {
		log_err("run: parent %s would hide the host's %s: give it "
			"another name or path, or --hide-host-devices",
			mdevfs_parent_name(p), hidden);
		return -1;
	}
	log_warn("run: parent %s hides the host's %s (--hide-host-devices)",
		 mdevfs_parent_name(p), hidden);
	return 0;
}

/* The parent's directory, class or bus and module at /sys. */
static int show_parent(struct daemon *d, struct mdevfs_parent *p)
{
	struct run *r = d->run;
	struct shown *sh = shown_new();
	int ret;

	lock_mutex(&r->lock);
	ret = check_shadow(r, p) ||
	      bind_tree(sh->mounts, sh->dirs, mdev_parent_path(p)) ||
	      show_surroundings(r, p, sh);
	if (ret)
		shown_free(sh);
	else
		g_hash_table_insert(r->shown, g_strdup(mdevfs_parent_name(p)), sh);
	unlock_mutex(&r->lock);
	return ret ? -EIO : 0;
}

/* Undoes show_parent(); a class or module goes with its last parent. */
static void hide_parent(struct daemon *d, struct mdevfs_parent *p)
{
	struct run *r = d->run;
	struct shown *sh;

	lock_mutex(&r->lock);
	sh = g_hash_table_lookup(r->shown, mdevfs_parent_name(p));
	for (int i = 0; sh && i < SHARED_NR; i++) {
		struct shown *shared = sh->shared[i] ?
			g_hash_table_lookup(r->shared, sh->shared[i]) : NULL;

		if (shared && !--shared->users)
			g_hash_table_remove(r->shared, sh->shared[i]);
	}
	g_hash_table_remove(r->shown, mdevfs_parent_name(p));
	unlock_mutex(&r->lock);
}

/* A private /etc/mdevctl.d with what mdevctl's self-check requires. */
static int private_mdevctl_d(struct run *r)
{
	if (access("/etc/mdevctl.d", F_OK) != 0)
		return 0; /* no mdevctl here */
	if (run_mount(r->mounts, "mdevfs", "/etc/mdevctl.d", "tmpfs",
		     MS_NOSUID | MS_NODEV, "mode=0755"))
		return -1;
	return run_make_dirs("/etc/mdevctl.d/scripts.d/callouts", NULL) ||
	       run_make_dirs("/etc/mdevctl.d/scripts.d/notifiers", NULL);
}

static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/* A child born in a user namespace and a network namespace of its own
 * gives the network namespace, so that a user namespace other than the
 * host's owns it: the kernel broadcasts a device's uevent to the
 * namespaces the host's user namespace owns, so none of the host's reach
 * the run (a udevd inside would apply them to what it shares with the
 * host).  mdevfs stays root of the host's user namespace, which is as
 * capable over the new one.  clone(2), not fork() and unshare(): a
 * process with threads (a sanitizer's) cannot unshare its user namespace.
 * The child only waits, in raw system calls, for the pipe to close. */
static int netns_of_new_userns(void)
{
	int go[2], fd = -1, err;
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC))
		return -1;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid == 0) {
		(void)syscall(SYS_close, go[1]);
		(void)syscall(SYS_read, go[0], &c, 1);
		syscall(SYS_exit_group, 0);
	}
	err = errno;
	if (pid > 0) {
		g_autofree char *ns = g_strdup_printf("/proc/%d/ns/net", (int)pid);

		fd = open(ns, O_RDONLY | O_CLOEXEC);
		err = errno;
	}
	close(go[0]);
	close(go[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	errno = err;
	return fd;
}

static int enter_netns(void)
{
	int fd = netns_of_new_userns(), err = errno;

	if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		close(fd);
		return 0;
	}
	err = fd >= 0 ? errno : err;
	if (fd >= 0)
		close(fd);
	if (unshare(CLONE_NEWNET) == 0) {
		log_warn("run: no user namespace for the network namespace (%s): "
			 "the host's uevents reach the run", strerror(err));
		return 0;
	}
	log_err("run: cannot make a network namespace: %s%s", strerror(errno),
		errno == EPERM ? " (it needs CAP_SYS_ADMIN, which this process "
		"lacks)" : "");
	return -1;
}

/* The overlay's root stats as its upper layer's: as the real one. */
int run_copy_mode(const char *real, const char *upper)
{
	struct stat st;

	if (stat(real, &st) || chmod(upper, st.st_mode & 07777))
		return run_fail("cannot copy the mode of", real);
	return 0;
}

/* The namespaces, the staging ramfs and the overlay, shared so that
 * COMMAND's copy of it gets the binds made later.
 *
 * ramfs, not tmpfs: the directories run makes for the binds are the upper
 * layer's, and /sys, /sys/class or /sys/devices/virtual stat as the upper
 * layer's once a name is made in them.  A tmpfs directory's size is 20
 * bytes an entry, a ramfs one's 0, as sysfs's.  (ramfs has no xattrs:
 * overlayfs says so in the kernel log and does without, as nothing here
 * needs redirects or opaque directories.) */
static int enter_namespaces(struct run *r)
{
	if (enter_netns())
		return -1;
	if (unshare(CLONE_NEWNS)) {
		log_err("run: cannot make a mount namespace: %s%s",
			strerror(errno), errno == EPERM ?
			" (it needs CAP_SYS_ADMIN, which this process lacks)" : "");
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return run_fail("cannot make private", "/");
	loopback_up();
	if (run_mount(r->mounts, "mdevfs", STAGE, "ramfs", 0, "mode=0700") ||
	    run_make_dirs(TREE, NULL))
		return -1;
	if (run_unprivileged())
		return mount(NULL, "/sys", NULL, MS_SHARED, NULL) ?
		       run_fail("cannot make shared", "/sys") :
		       run_dev_overlay(r->mounts) || run_udev_stand_in(r->mounts);
	if (run_make_dirs(STAGE "/upper", NULL) || run_make_dirs(STAGE "/work", NULL) ||
	    run_copy_mode("/sys", STAGE "/upper"))
		return -1;
	/* lowerdir is looked up before the overlay covers it: the real sysfs */
	if (mount("mdevfs", "/sys", "overlay", 0,
		  "lowerdir=/sys,upperdir=" STAGE "/upper,workdir=" STAGE "/work")) {
		/* In a user namespace the kernel refuses an overlay on sysfs. */
		log_err("run: cannot put an overlay on /sys: %s%s", strerror(errno),
			proc_host_userns(0) == 0 ? " (in a user namespace: `mdevfs run` "
			"needs root of the host's user namespace)" : "");
		return -1;
	}
	g_ptr_array_add(r->mounts, g_strdup("/sys"));
	if (mount(NULL, "/sys", NULL, MS_SHARED, NULL))
		return run_fail("cannot make shared", "/sys");
	return run_dev_overlay(r->mounts) || run_udev_stand_in(r->mounts);
}

/* The tree at /sys (the loop serves the lookups the binds make), with
 * every parent plugged so far and, from now on, those plugged later. */
static int show_tree(struct run *r)
{
	static const char *const fixed[] = {
		"class/mdev_bus", "class/vfio-dev", "class/vfio", "bus/mdev",
		"kernel/iommu_groups", "devices/virtual/vfio",
	};

	/* Bound once, so there while empty too (docs/run.md). */
	if (mdev_vfio_keep_groups_dir()) {
		log_err("run: cannot keep /sys/devices/virtual/vfio: a parent "
			"of the configuration is in its place");
		return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
		if (bind_tree(r->mounts, NULL, fixed[i]))
			return -1;
	if (!r->d.o->keep_mdevctl_d && private_mdevctl_d(r))
		return -1;
	r->d.run = r;
	r->d.show_parent = show_parent;
	r->d.hide_parent = hide_parent;
	return parents_show(&r->d);
}

static void on_usr1(int sig)
{
	(void)sig;
	fuse_session_exit(session);
}

/* Ends the FUSE loop: its thread sleeps in sem_wait(), which SIGUSR1
 * interrupts. */
static void stop_loop(struct run *r)
{
	fuse_session_exit(session);
	pthread_kill(r->loop, SIGUSR1);
}

/* Relays termination to COMMAND, ends the loop when COMMAND ends. */
static void *signals_main(void *arg)
{
	struct run *r = arg;
	sigset_t set;
	int sig;

	relayed_set(&set);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGTERM || sig == SIGHUP)
			kill(r->child, sig);
		if (sig != SIGCHLD || waitpid(r->child, &r->status, WNOHANG) != r->child)
			continue; /* SIGINT and SIGQUIT reach COMMAND from its terminal */
		stop_loop(r);
		return NULL;
	}
}

static void *loop_main(void *arg)
{
	struct run *r = arg;

	daemon_serve(&r->d);
	return NULL;
}

/* COMMAND's environment: libudev refuses syspaths that are not on sysfs
 * unless told, and `mdevfs ctl` finds the daemon by $MDEVFS_CTL.  Made
 * before fork(), since the child may only exec. */
static char **command_env(const char *control)
{
	GPtrArray *env = g_ptr_array_new();

	for (char **e = environ; *e; e++)
		if (!g_str_has_prefix(*e, "SYSTEMD_DEVICE_VERIFY_SYSFS=") &&
		    !g_str_has_prefix(*e, CONTROL_ENV "="))
			g_ptr_array_add(env, g_strdup(*e));
	g_ptr_array_add(env, g_strdup("SYSTEMD_DEVICE_VERIFY_SYSFS=0"));
	g_ptr_array_add(env, g_strconcat(CONTROL_ENV "=", control, NULL));
	g_ptr_array_add(env, NULL);
	return (char **)g_ptr_array_free(env, FALSE);
}

/* A byte on @failed (close-on-exec: its end says COMMAND was executed). */
static void child_fail(int failed, const char *msg)
{
	(void)!write(2, msg, strlen(msg));
	(void)!write(failed, "", 1);
	_exit(127);
}

/* COMMAND, in a copy of the daemon's mount namespace without the staging
 * ramfs (the real /tmp shows again); r->started once it is executed. */
static pid_t start_command(struct run *r, char **argv, const char *control)
{
	g_auto(GStrv) env = command_env(control);
	sigset_t none;
	int failed[2];
	pid_t pid;
	char c;

	if (pipe2(failed, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid != 0) {
		close(failed[1]);
		r->started = pid > 0 && read(failed[0], &c, 1) == 0;
		close(failed[0]);
		return pid;
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR1, SIG_DFL);
	if (unshare(CLONE_NEWNS) || umount2(STAGE, MNT_DETACH))
		child_fail(failed[1], "mdevfs run: cannot make the command's namespace\n");
	execvpe(argv[0], argv, env);
	child_fail(failed[1], "mdevfs run: cannot run the command\n");
	return -1;
}

static void unmount_all(struct run *r)
{
	g_hash_table_remove_all(r->shown);
	g_hash_table_remove_all(r->shared);
	for (guint i = r->mounts->len; i-- > 0;)
		umount2(g_ptr_array_index(r->mounts, i), MNT_DETACH);
	run_mirrors_unmount();
}

/* Serves the tree from a loop thread, shows it at /sys, runs COMMAND and
 * waits for it. */
static int serve_command(struct run *r, char **argv, const char *control)
{
	struct sigaction usr1 = { .sa_handler = on_usr1 };
	pthread_t signals;
	sigset_t set;
	int ret = -1;

	relayed_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &usr1, NULL); /* no SA_RESTART */
	session = r->d.se;
	r->d.mount.path = g_strdup(TREE);
	if (tree_mount(&r->d.mount, r->d.se, r->d.mount_opts, 0))
		return -1;
	if (pthread_create(&r->loop, NULL, loop_main, r))
		return -1;
	if (show_tree(r) || run_dev_vfio(r->mounts) || control_start(&r->d))
		goto out_loop;
	r->child = start_command(r, argv, control);
	if (r->child < 0) {
		run_fail("cannot start", argv[0]);
		goto out_loop;
	}
	if (thread_spawn(&signals, signals_main, r)) {
		kill(r->child, SIGKILL);
		waitpid(r->child, &r->status, 0);
		goto out_loop;
	}
	run_ready(r->d.o->ready_fd, r->started ? r->child : 0,
		  r->d.o->ready_monitors);
	pthread_join(signals, NULL);
	pthread_join(r->loop, NULL);
	return 0;

out_loop:
	stop_loop(r);
	pthread_join(r->loop, NULL);
	return ret;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int run_command(const struct daemon_options *o, GPtrArray *parents,
		char **argv)
{
	struct run r = { .d = { .o = o, .parents = parents } };
	g_autofree char *control = g_strdup_printf(CONTROL_PREFIX "run:%d",
						   (int)getpid());
	int ret = 1;

	r.mounts = g_ptr_array_new_with_free_func(g_free);
	lock_mutex_init(&r.lock, LOCK_RUN);
	r.shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, shown_free);
	r.shared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  shown_free);
	if (run_ready_check(o->ready_fd) || enter_namespaces(&r) || control_open(&r.d, control) ||
	    daemon_prepare(&r.d))
		goto out;
	if (serve_command(&r, argv, control) == 0)
		ret = exit_status(r.status);
	/* Groups still open let go, or the parents' unplug would wait. */
	vfio_dev_stop();
	daemon_stop(&r.d);
out:
	unmount_all(&r);
	vfio_dev_free();
	/* The last bind gone, the connection is over: this only frees. */
	if (r.d.se)
		tree_unmount(&r.d.mount, r.d.se);
	daemon_finish(&r.d);
	control_close(&r.d);
	g_hash_table_destroy(r.shared);
	g_hash_table_destroy(r.shown);
	lock_mutex_destroy(&r.lock);
	g_ptr_array_free(r.mounts, TRUE);
	return ret;
}
