// SPDX-License-Identifier: MIT
/*
 * The testbed's life: a child mdevfs in namespaces of its own, mounted on
 * their /sys, started and stopped; devices made and removed through the
 * tree as a client would (include/mdevfs/testbed.h says why a child).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr_io.h"
#include "testbed_private.h"

#define FUSE_SUPER_MAGIC 0x65735546
/* Under a sanitizer a daemon starts in seconds on a busy machine. */
#define START_TIMEOUT_US ((gint64)60 * G_USEC_PER_SEC)
#define POLL_US 10000

G_DEFINE_QUARK(mdev-testbed-error-quark, mdev_testbed_error)

/* In the child, before exec: it goes when the thread that made it does
 * (unshare, which then kills its own child, the daemon). */
static void child_setup(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != GPOINTER_TO_INT(data))
		raise(SIGKILL);
}

static const char *mdevfs_program(void)
{
	const char *env = g_getenv("MDEVFS");

	return env && *env ? env : MDEVFS_INSTALLED;
}

/* `unshare -Urmnp --fork mdevfs -f --no-state-dir -c CONFIG /sys`.  A
 * user namespace also for root: the kernel broadcasts the host's device
 * events to the network namespaces the host's user namespace owns.  The
 * daemon is the first process of a pid namespace, so whatever a test
 * starts inside goes with it. */
static GPtrArray *daemon_argv(const char *config)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, "unshare");
	g_ptr_array_add(argv, "--user");
	g_ptr_array_add(argv, "--map-root-user");
	g_ptr_array_add(argv, "--mount");
	g_ptr_array_add(argv, "--net");
	g_ptr_array_add(argv, "--pid");
	g_ptr_array_add(argv, "--fork");
	g_ptr_array_add(argv, "--kill-child");
	g_ptr_array_add(argv, "--propagation=private");
	g_ptr_array_add(argv, (char *)mdevfs_program());
	g_ptr_array_add(argv, "-f");
	g_ptr_array_add(argv, "--no-state-dir");
	if (config) {
		g_ptr_array_add(argv, "-c");
		g_ptr_array_add(argv, (char *)config);
	}
	g_ptr_array_add(argv, "/sys");
	g_ptr_array_add(argv, NULL);
	return argv;
}

/* The daemon's last line: why it did not start. */
static char *log_tail(MdevTestbed *tb)
{
	char buf[4096];
	ssize_t n = pread(tb->log_fd, buf, sizeof(buf) - 1, 0);
	char *last;

	if (n <= 0)
		return g_strdup("no message");
	buf[n] = '\0';
	g_strchomp(buf);
	last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	if (g_str_has_prefix(last, "mdevfs: "))
		last += strlen("mdevfs: ");
	return g_strdup(last);
}

/* The daemon: unshare's child, once it has forked. */
static pid_t daemon_pid(MdevTestbed *tb)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/children",
						tb->spawned, tb->spawned);
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	return (pid_t)atoi(text);
}

static bool serving(MdevTestbed *tb)
{
	g_autofree char *types = NULL;
	struct statfs st;

	if (!tb->pid) {
		tb->pid = daemon_pid(tb);
		if (!tb->pid)
			return false;
		tb->root = g_strdup_printf("/proc/%d/root/sys", tb->pid);
	}
	types = g_build_filename(tb->root, "class/mdev_bus", NULL);
	return statfs(tb->root, &st) == 0 && st.f_type == FUSE_SUPER_MAGIC &&
	       access(types, F_OK) == 0;
}

static bool wait_serving(MdevTestbed *tb, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + START_TIMEOUT_US;
	int status;

	while (!serving(tb)) {
		if (waitpid(tb->spawned, &status, WNOHANG) == tb->spawned) {
			g_autofree char *why = log_tail(tb);

			tb->spawned = tb->pid = 0;
			g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
				    "mdevfs did not start: %s", why);
			return false;
		}
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
				    "mdevfs did not serve /sys within %d s",
				    (int)(START_TIMEOUT_US / G_USEC_PER_SEC));
			return false;
		}
		g_usleep(POLL_US);
	}
	return true;
}

/* Its namespaces, kept open: what the sockets are made in. */
static bool open_namespaces(MdevTestbed *tb, GError **error)
{
	g_autofree char *user = g_strdup_printf("/proc/%d/ns/user", tb->pid);
	g_autofree char *net = g_strdup_printf("/proc/%d/ns/net", tb->pid);

	tb->user_fd = open(user, O_RDONLY | O_CLOEXEC);
	tb->net_fd = open(net, O_RDONLY | O_CLOEXEC);
	if (tb->user_fd < 0 || tb->net_fd < 0) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
			    "the daemon's namespaces: %s", g_strerror(errno));
		return false;
	}
	return true;
}

static bool spawn_daemon(MdevTestbed *tb, const char *config, int config_fd,
			 GError **error)
{
	g_autoptr(GPtrArray) argv = daemon_argv(config);
	int source_fds[] = { config_fd }, target_fds[] = { 3 };

	return g_spawn_async_with_pipes_and_fds(
		NULL, (const char *const *)argv->pdata, NULL,
		G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, child_setup,
		GINT_TO_POINTER(getpid()), -1, -1, tb->log_fd, source_fds,
		target_fds, config_fd >= 0 ? 1 : 0, &tb->spawned, NULL, NULL, NULL,
		error);
}

/* The parents' events of the start wait in the daemon's queue until it
 * serves, and may come after the socket was opened: a synthetic event
 * (docs/uevents.md) goes behind them, and they go with it. */
static bool skip_start_events(MdevTestbed *tb, GError **error)
{
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *path = g_build_filename(tb->root, "bus/mdev/uevent", NULL);
	g_autofree char *line = g_strdup_printf("change %s TESTBED=start", uuid);
	g_autofree char *match = g_strdup_printf("SYNTH_UUID=%s", uuid);
	GHashTable *ev;
	int ret = attr_write(path, line);

	if (ret) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
			    "%s: %s", path, g_strerror(-ret));
		return false;
	}
	ev = mdev_testbed_wait_uevent(tb, "change", "bus", match,
				      START_TIMEOUT_US / 1000, error);
	if (ev)
		g_hash_table_destroy(ev);
	return ev != NULL;
}

/* @config is a path; with @config_fd, the daemon's fd 3 is that. */
static MdevTestbed *start(const char *config, int config_fd, GError **error)
{
	MdevTestbed *tb = g_new0(MdevTestbed, 1);

	tb->user_fd = tb->net_fd = tb->uevent_fd = -1;
	tb->holds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	tb->log_fd = memfd_create("mdevfs-testbed.log", MFD_CLOEXEC);
	if (tb->log_fd < 0) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
			    "memfd_create: %s", g_strerror(errno));
		goto fail;
	}
	if (!spawn_daemon(tb, config, config_fd, error))
		goto fail;
	if (!wait_serving(tb, error) || !open_namespaces(tb, error))
		goto fail;
	tb->uevent_fd = testbed_socket(tb, TREE_SOCKET_UEVENT, error);
	if (tb->uevent_fd < 0 || !skip_start_events(tb, error))
		goto fail;
	return tb;
fail:
	mdev_testbed_free(tb);
	return NULL;
}

MdevTestbed *mdev_testbed_new(const char *config, GError **error)
{
	MdevTestbed *tb;
	int fd;

	if (!config)
		return start(NULL, -1, error);
	/* The text as a file that needs no cleaning up. */
	fd = memfd_create("mdevfs-testbed.conf", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, config, strlen(config)) ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
			    "the configuration's memfd: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	tb = start("/dev/fd/3", fd, error);
	close(fd);
	return tb;
}

MdevTestbed *mdev_testbed_new_from_file(const char *path, GError **error)
{
	g_autofree char *abs = g_canonicalize_filename(path, NULL);

	if (access(abs, R_OK)) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_START,
			    "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	return start(abs, -1, error);
}

/* SIGKILL, not an orderly stop: nobody is left to hear its events, and a
 * daemon that stops while a client inside (a udevd's worker) waits on it
 * can wait for that client for ever.  Its pid namespace goes with it,
 * killing whatever runs there, then its mounts; then unshare returns. */
static void stop_daemon(MdevTestbed *tb)
{
	int status;

	kill(tb->pid ? tb->pid : tb->spawned, SIGKILL);
	waitpid(tb->spawned, &status, 0);
	g_spawn_close_pid(tb->spawned);
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void mdev_testbed_free(MdevTestbed *tb)
{
	GHashTableIter it;
	gpointer fd;

	if (!tb)
		return;
	g_hash_table_iter_init(&it, tb->holds);
	while (g_hash_table_iter_next(&it, NULL, &fd))
		close(GPOINTER_TO_INT(fd));
	g_hash_table_destroy(tb->holds);
	if (tb->spawned > 0)
		stop_daemon(tb);
	close_fd(tb->uevent_fd);
	close_fd(tb->net_fd);
	close_fd(tb->user_fd);
	close_fd(tb->log_fd);
	g_free(tb->root);
	g_free(tb);
}

const char *mdev_testbed_get_root(MdevTestbed *tb)
{
	return tb->root;
}

pid_t mdev_testbed_get_pid(MdevTestbed *tb)
{
	return tb->pid;
}

char *mdev_testbed_create(MdevTestbed *tb, const char *parent,
			  const char *type, const char *uuid, GError **error)
{
	g_autofree char *path = g_strdup_printf(
		"%s/class/mdev_bus/%s/mdev_supported_types/%s/create", tb->root,
		parent, type);
	g_autofree char *u = uuid ? g_strdup(uuid) : g_uuid_string_random();
	int ret = attr_write(path, u);

	if (ret) {
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
			    "create %s on %s %s: %s", u, parent, type,
			    g_strerror(-ret));
		return NULL;
	}
	return g_steal_pointer(&u);
}

gboolean mdev_testbed_remove(MdevTestbed *tb, const char *uuid, GError **error)
{
	g_autofree char *path = g_strdup_printf("%s/bus/mdev/devices/%s/remove",
						tb->root, uuid);
	int ret = attr_write(path, "1");

	if (ret)
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
			    "remove %s: %s", uuid, g_strerror(-ret));
	return ret == 0;
}
