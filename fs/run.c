// SPDX-License-Identifier: MIT
/*
 * `mdevfs run -- COMMAND`: COMMAND runs in a mount and network namespace of
 * its own in which the emulated tree is at the real /sys paths, so
 * unmodified programs (mdevctl, libvirt, udevadm) work on it.
 *
 * /sys gets an overlay (the real sysfs below, a tmpfs above) so mountpoints
 * can be made where the kernel has nothing, and the mdevfs tree's pieces
 * are bind-mounted there: class/mdev_bus, class/vfio-dev, bus/mdev,
 * kernel/iommu_groups, each parent's directory and class.  /etc/mdevctl.d
 * gets a tmpfs with the directories mdevctl requires.  The staging
 * directory is detached once the binds hold the mounts, so nothing is left
 * on the host, even if mdevfs is killed; the namespace's mounts die with
 * its last process.  mdevfs serves until COMMAND exits and returns its
 * status.
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
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "mdev_private.h"
#include "run.h"
#include "uevent_netlink.h"

struct run {
	struct daemon d;
	char stage[64];       /* tmpfs: upper, work, tree */
	GPtrArray *mounts;    /* what to unmount at the end, last first */
	pid_t child;
	int status;           /* the child's, as waitpid() gives it */
	pthread_t loop;       /* runs the FUSE loop */
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

static int fail(const char *what, const char *path)
{
	log_err("run: %s %s: %s", what, path, strerror(errno));
	return -1;
}

static int do_mount(struct run *r, const char *src, const char *dst,
		    const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data))
		return fail("cannot mount on", dst);
	g_ptr_array_add(r->mounts, g_strdup(dst));
	return 0;
}

/* mkdir -p in the overlay. */
static int make_dirs(const char *path)
{
	g_autofree char *copy = g_strdup(path);

	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) && errno != EEXIST)
			return fail("cannot make", copy);
		*p = '/';
	}
	if (mkdir(copy, 0755) && errno != EEXIST)
		return fail("cannot make", copy);
	return 0;
}

/* The tree's @rel (from its root) at /sys/@rel. */
static int bind_tree(struct run *r, const char *rel)
{
	g_autofree char *src = g_strdup_printf("%s/tree/%s", r->stage, rel);
	g_autofree char *dst = g_strdup_printf("/sys/%s", rel);

	if (make_dirs(dst))
		return -1;
	return do_mount(r, src, dst, NULL, MS_BIND, NULL);
}

static int bind_parents(struct run *r)
{
	for (guint i = 0; i < r->d.parents->len; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(r->d.parents, i);
		g_autofree char *cls = g_strdup_printf("/sys/class/%s", p->subsys_name);

		if (bind_tree(r, p->path))
			return -1;
		/* A class of the host's own stays the host's. */
		if (!p->subsys_bus && access(cls, F_OK) != 0 &&
		    bind_tree(r, cls + strlen("/sys/")))
			return -1;
	}
	return 0;
}

/* A private /etc/mdevctl.d with what mdevctl's self-check requires. */
static int private_mdevctl_d(struct run *r)
{
	if (access("/etc/mdevctl.d", F_OK) != 0)
		return 0; /* no mdevctl here */
	if (do_mount(r, "mdevfs", "/etc/mdevctl.d", "tmpfs", MS_NOSUID | MS_NODEV,
		     "mode=0755"))
		return -1;
	return make_dirs("/etc/mdevctl.d/scripts.d/callouts") ||
	       make_dirs("/etc/mdevctl.d/scripts.d/notifiers");
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

/* The namespaces, the overlay and the staging tmpfs. */
static int enter_namespaces(struct run *r)
{
	g_autofree char *upper = NULL, *work = NULL, *tree = NULL, *opts = NULL;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		log_err("run: cannot make a mount and network namespace: %s",
			strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("cannot make private", "/");
	loopback_up();
	strcpy(r->stage, "/tmp/mdevfs-run-XXXXXX");
	if (!mkdtemp(r->stage))
		return fail("cannot make", r->stage);
	if (do_mount(r, "mdevfs", r->stage, "tmpfs", 0, "mode=0700"))
		return -1;
	upper = g_strdup_printf("%s/upper", r->stage);
	work = g_strdup_printf("%s/work", r->stage);
	tree = g_strdup_printf("%s/tree", r->stage);
	if (make_dirs(upper) || make_dirs(work) || make_dirs(tree))
		return -1;
	opts = g_strdup_printf("lowerdir=/sys,upperdir=%s,workdir=%s", upper, work);
	/* lowerdir is looked up before the overlay covers it: the real sysfs */
	return do_mount(r, "mdevfs", "/sys", "overlay", 0, opts);
}

/* The tree at /sys (the loop serves the lookups the binds make); then the
 * staging tmpfs can go, since the binds hold what they show. */
static int show_tree(struct run *r)
{
	static const char *const fixed[] = {
		"class/mdev_bus", "class/vfio-dev", "bus/mdev", "kernel/iommu_groups",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
		if (bind_tree(r, fixed[i]))
			return -1;
	if (bind_parents(r) || (!r->d.o->keep_mdevctl_d && private_mdevctl_d(r)))
		return -1;
	umount2(r->stage, MNT_DETACH);
	g_ptr_array_remove_index(r->mounts, 0);
	rmdir(r->stage);
	r->stage[0] = '\0';
	return 0;
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
 * unless told.  Made before fork(), since the child may only exec. */
static char **command_env(void)
{
	GPtrArray *env = g_ptr_array_new();

	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SYSTEMD_DEVICE_VERIFY_SYSFS=", 28) != 0)
			g_ptr_array_add(env, g_strdup(*e));
	g_ptr_array_add(env, g_strdup("SYSTEMD_DEVICE_VERIFY_SYSFS=0"));
	g_ptr_array_add(env, NULL);
	return (char **)g_ptr_array_free(env, FALSE);
}

static pid_t start_command(char **argv)
{
	g_auto(GStrv) env = command_env();
	pid_t pid = fork();
	sigset_t none;

	if (pid != 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR1, SIG_DFL);
	execvpe(argv[0], argv, env);
	(void)!write(2, "mdevfs run: cannot run the command\n", 35);
	_exit(127);
}

static void unmount_all(struct run *r)
{
	for (guint i = r->mounts->len; i-- > 0;)
		umount2(g_ptr_array_index(r->mounts, i), MNT_DETACH);
}

/* Serves the tree from a loop thread, shows it at /sys, runs COMMAND and
 * waits for it. */
static int serve_command(struct run *r, char **argv)
{
	struct sigaction usr1 = { .sa_handler = on_usr1 };
	g_autofree char *tree = g_strdup_printf("%s/tree", r->stage);
	pthread_t signals;
	sigset_t set;
	int ret = -1;

	relayed_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &usr1, NULL); /* no SA_RESTART */
	session = r->d.se;
	if (fuse_session_mount(r->d.se, tree)) {
		log_err("run: cannot mount the tree");
		return -1;
	}
	if (pthread_create(&r->loop, NULL, loop_main, r))
		return -1;
	if (show_tree(r))
		goto out_loop;
	r->child = start_command(argv);
	if (r->child < 0) {
		fail("cannot start", argv[0]);
		goto out_loop;
	}
	if (thread_spawn(&signals, signals_main, r)) {
		kill(r->child, SIGKILL);
		waitpid(r->child, &r->status, 0);
		goto out_loop;
	}
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
	int ret = 1;

	r.mounts = g_ptr_array_new_with_free_func(g_free);
	if (enter_namespaces(&r) || daemon_prepare(&r.d))
		goto out;
	if (serve_command(&r, argv) == 0)
		ret = exit_status(r.status);
	daemon_stop(&r.d);
out:
	unmount_all(&r);
	if (r.stage[0])
		rmdir(r.stage);
	/* The last bind gone, the connection is over: this only frees. */
	if (r.d.se)
		fuse_session_unmount(r.d.se);
	daemon_finish(&r.d);
	g_ptr_array_free(r.mounts, TRUE);
	return ret;
}
