// SPDX-License-Identifier: MIT
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "harness.h"

#define FUSE_SUPER_MAGIC 0x65735546

/* Strings handed out, freed at stop; tests call helpers from threads. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *pool; /* pool_lock */

static char *keep(char *s)
{
	pthread_mutex_lock(&pool_lock);
	if (!pool)
		pool = g_ptr_array_new_with_free_func(g_free);
	if (s)
		g_ptr_array_add(pool, s);
	pthread_mutex_unlock(&pool_lock);
	return s;
}

static void pool_free(void)
{
	pthread_mutex_lock(&pool_lock);
	if (pool)
		g_ptr_array_free(pool, TRUE);
	pool = NULL;
	pthread_mutex_unlock(&pool_lock);
}

bool is_mounted(const char *dir)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && st.f_type == FUSE_SUPER_MAGIC;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void show_log(struct mdevfs *m)
{
	g_autofree char *text = NULL;

	if (g_file_get_contents(m->log, &text, NULL, NULL))
		fprintf(stderr, "--- mdevfs log ---\n%s---\n", text);
}

/* Daemons started and not yet waited for.  A test that fails exits
 * without stopping them: then their logs are shown (the daemon may have
 * died; the log says why) and removed. */
static GPtrArray *running; /* struct mdevfs *; the test's main thread */

static void show_running_logs(void)
{
	for (guint i = 0; running && i < running->len; i++) {
		struct mdevfs *m = g_ptr_array_index(running, i);

		show_log(m);
		unlink(m->log);
		if (m->conf[0])
			unlink(m->conf);
	}
}

/* Mounting tests must never touch their caller's namespaces: they run
 * under `unshare -m -n`, so their parent (ctest, a shell) has others. */
void harness_require_private_namespaces(void)
{
	static const char *const kinds[] = { "mnt", "net" };

	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autofree char *mine = g_strdup_printf("/proc/self/ns/%s", kinds[i]);
		g_autofree char *theirs = g_strdup_printf("/proc/%d/ns/%s",
							  (int)getppid(), kinds[i]);
		struct stat a, b;

		if (stat(mine, &a) == 0 && stat(theirs, &b) == 0 &&
		    a.st_ino == b.st_ino) {
			fprintf(stderr, "run this inside unshare -m -n (ctest does)\n");
			exit(1);
		}
	}
}

void mdevfs_start(struct mdevfs *m, const char *conf_text,
		  const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new();
	int status;


	strcpy(m->dir, "/tmp/mdevfs-mnt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(m->dir));
	m->conf[0] = '\0';
	g_ptr_array_add(argv, (char *)MDEVFS_BIN);
	g_ptr_array_add(argv, (char *)"-f");
	if (conf_text) {
		int fd;

		strcpy(m->conf, "/tmp/mdevfs-conf-XXXXXX");
		fd = mkstemp(m->conf);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, conf_text, strlen(conf_text)),
				 (ssize_t)strlen(conf_text));
		close(fd);
		g_ptr_array_add(argv, (char *)"-c");
		g_ptr_array_add(argv, m->conf);
	}
	for (; args && *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, m->dir);
	g_ptr_array_add(argv, NULL);
	strcpy(m->log, "/tmp/mdevfs-log-XXXXXX");
	close(mkstemp(m->log));

	m->pid = fork();
	ck_assert_int_ge(m->pid, 0);
	if (m->pid == 0) {
		/* If the test dies, the daemon stops and unmounts. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int log = open(m->log, O_WRONLY | O_APPEND);

		if (log >= 0)
			dup2(log, 2);
		execv(MDEVFS_BIN, (char **)argv->pdata);
		_exit(127);
	}
	g_ptr_array_free(argv, TRUE);
	if (!running) {
		running = g_ptr_array_new();
		atexit(show_running_logs);
	}
	g_ptr_array_add(running, m);
	for (int i = 0; i < 500; i++) {
		if (is_mounted(m->dir))
			return;
		if (waitpid(m->pid, &status, WNOHANG) != 0) {
			g_ptr_array_remove(running, m);
			show_log(m);
			ck_abort_msg("mdevfs exited before mounting (status %d)",
				     status);
		}
		sleep_ms(10);
	}
	ck_abort_msg("mdevfs did not mount %s", m->dir);
}

int mdevfs_wait(struct mdevfs *m, int sig)
{
	int status;

	if (sig)
		kill(m->pid, sig);
	ck_assert_int_eq(waitpid(m->pid, &status, 0), m->pid);
	g_ptr_array_remove(running, m);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		show_log(m);
	ck_assert_msg(!is_mounted(m->dir), "%s still mounted", m->dir);
	rmdir(m->dir);
	if (m->conf[0])
		unlink(m->conf);
	unlink(m->log);
	pool_free();
	return status;
}

void mdevfs_stop(struct mdevfs *m)
{
	int status = mdevfs_wait(m, SIGTERM);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "mdevfs exit status %d", status);
}

char *at(struct mdevfs *m, const char *f, ...)
{
	va_list ap;
	g_autofree char *rel = NULL;

	va_start(ap, f);
	rel = g_strdup_vprintf(f, ap);
	va_end(ap);
	return keep(g_strdup_printf("%s/%s", m->dir, rel));
}

char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = g_strdup_vprintf(f, ap);
	va_end(ap);
	return keep(s);
}

ssize_t write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
}

ssize_t put(const char *path, const char *s)
{
	return write_file(path, s, strlen(s));
}

char *get(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	close(fd);
	buf[n] = '\0';
	return keep(g_strdup(buf));
}

long get_long(const char *path)
{
	char *v = get(path);

	ck_assert_msg(v != NULL, "cannot read %s: %s", path, strerror(errno));
	return strtol(v, NULL, 10);
}

char *link_of(const char *path)
{
	char buf[4096];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return keep(g_strdup(buf));
}

bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *ls(const char *path)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return NULL;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(e->d_name));
	closedir(d);
	g_ptr_array_sort(names, cmp_str);
	g_ptr_array_add(names, NULL);
	return keep(g_strjoinv(" ", (char **)names->pdata));
}

unsigned int count(const char *path)
{
	char *s = ls(path);
	g_auto(GStrv) v = NULL;

	if (!s || !*s)
		return 0;
	v = g_strsplit(s, " ", -1);
	return g_strv_length(v);
}

char *uuid_new(void)
{
	uuid_t u;
	char *s = g_malloc(37);

	uuid_generate_random(u);
	uuid_unparse_lower(u, s);
	return keep(s);
}

int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(99);
		_exit(fn(arg));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int mdevfs_ctl(struct mdevfs *m, char **out, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *text = NULL, *errors = NULL;
	int status = -1;

	g_ptr_array_add(argv, (char *)MDEVFS_BIN);
	g_ptr_array_add(argv, (char *)"ctl");
	g_ptr_array_add(argv, (char *)"-m");
	g_ptr_array_add(argv, m->dir);
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	ck_assert(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
			       NULL, NULL, &text, &errors, &status, NULL));
	if (out)
		*out = keep(g_strconcat(text, errors, NULL));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
