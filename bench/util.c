// SPDX-License-Identifier: MIT
/* mdevbench's plumbing: daemons, paths, file operations, samples. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "bench.h"

#define FUSE_SUPER_MAGIC 0x65735546

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdevbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool is_mounted(const char *dir)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && st.f_type == FUSE_SUPER_MAGIC;
}

/* Runs @argv (its last element before NULL is the mountpoint) and waits
 * for the mount. */
static char spawn_log[256]; /* next_spawn_log(): for the next daemon only */

void next_spawn_log(const char *path)
{
	snprintf(spawn_log, sizeof(spawn_log), "%s", path);
}

static void daemon_spawn(struct daemon *d, char *const argv[])
{
	char logpath[256];
	double t0 = now_ms();
	int status;

	snprintf(logpath, sizeof(logpath), "%s", spawn_log[0] ? spawn_log : bench_log);
	spawn_log[0] = '\0';

	d->pid = fork();
	if (d->pid < 0)
		die("fork: %s", strerror(errno));
	if (d->pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM); /* the driver died: unmount */
		if (log >= 0)
			dup2(log, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	while (!is_mounted(d->dir)) {
		if (waitpid(d->pid, &status, WNOHANG) != 0)
			die("%s exited before mounting (status %d)", d->label, status);
		if (now_ms() - t0 > 60000)
			die("%s did not mount %s", d->label, d->dir);
		usleep(200);
	}
	d->start_ms = now_ms() - t0;
}

static void new_mountpoint(struct daemon *d, const char *label)
{
	d->label = label;
	d->conf[0] = '\0';
	strcpy(d->dir, "/tmp/mdevbench-XXXXXX");
	if (!mkdtemp(d->dir))
		die("mkdtemp: %s", strerror(errno));
}

void mdevfs_up(struct daemon *d, unsigned int delay_ms)
{
	mdevfs_up_with(d, delay_ms, NULL, NULL);
}

void mdevfs_up_with(struct daemon *d, unsigned int delay_ms, const char *opt1,
		    const char *opt2)
{
	GString *conf = g_string_new(NULL);
	char *argv[] = { (char *)MDEVFS_BIN, (char *)"-f", (char *)"-c",
			 d->conf, d->dir, (char *)opt1, (char *)opt2, NULL };
	int fd;

	new_mountpoint(d, "mdevfs");
	/* Large pools: the core counts, up to 200,000 per parent. */
	for (unsigned int k = 0; k < NPARENTS; k++)
		g_string_append_printf(conf,
			"[parent bench%u]\nclass = bench%u\ndriver = bench%u\n"
			"backend = sample\ndevice_api = vfio-pci\n"
			"max_instances = 200000\n[type bench%u a]\n"
			"probe_delay_ms = %u\nremove_delay_ms = %u\n",
			k, k, k, k, delay_ms, delay_ms);
	strcpy(d->conf, "/tmp/mdevbench-conf-XXXXXX");
	fd = mkstemp(d->conf);
	if (fd < 0 || write(fd, conf->str, conf->len) != (ssize_t)conf->len)
		die("writing %s: %s", d->conf, strerror(errno));
	close(fd);
	g_string_free(conf, TRUE);
	daemon_spawn(d, argv);
}

void baseline_up(struct daemon *d)
{
	baseline_up_with(d, NULL);
}

void baseline_up_with(struct daemon *d, const char *opt)
{
	char *argv[] = { (char *)BASELINE_BIN, (char *)opt, d->dir, NULL };

	new_mountpoint(d, "baseline");
	if (!opt) {
		argv[1] = d->dir;
		argv[2] = NULL;
	}
	daemon_spawn(d, argv);
}

double daemon_down(struct daemon *d)
{
	double t0 = now_ms();
	int status;

	kill(d->pid, SIGTERM);
	if (waitpid(d->pid, &status, 0) != d->pid)
		die("waitpid: %s", strerror(errno));
	t0 = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s: exit status %d", d->label, status);
	if (is_mounted(d->dir))
		die("%s still mounted", d->dir);
	rmdir(d->dir);
	if (d->conf[0])
		unlink(d->conf);
	return t0;
}

long daemon_rss_kib(const struct daemon *d)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)d->pid);
	g_autofree char *text = NULL;
	const char *line;

	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    !(line = strstr(text, "\nVmRSS:")))
		die("no VmRSS for %s", d->label);
	return strtol(line + 7, NULL, 10);
}

void uuid_next(char out[37])
{
	static atomic_ulong counter;
	unsigned long n = atomic_fetch_add(&counter, 1) + 1;

	snprintf(out, 37, "%08x-%04x-4%03x-8000-%012lx", (unsigned int)getpid(),
		 (unsigned int)(n >> 48) & 0xffff, (unsigned int)(n >> 36) & 0xfff,
		 n & 0xfffffffffffful);
}

void create_path(char *buf, size_t size, const struct daemon *d, unsigned int parent)
{
	snprintf(buf, size, "%s/class/mdev_bus/bench%u/mdev_supported_types/bench%u-a/create",
		 d->dir, parent, parent);
}

void remove_path(char *buf, size_t size, const struct daemon *d, const char *uuid)
{
	snprintf(buf, size, "%s/bus/mdev/devices/%s/remove", d->dir, uuid);
}

void avail_path(char *buf, size_t size, const struct daemon *d, unsigned int parent)
{
	snprintf(buf, size,
		 "%s/class/mdev_bus/bench%u/mdev_supported_types/bench%u-a/available_instances",
		 d->dir, parent, parent);
}

int write_str(const char *path, const char *s, double *ret_ms)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (ret_ms)
		*ret_ms = now_ms();
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

int create_dev(const struct daemon *d, unsigned int parent, const char *uuid)
{
	char path[256];

	create_path(path, sizeof(path), d, parent);
	return write_str(path, uuid, NULL);
}

int remove_dev(const struct daemon *d, const char *uuid)
{
	char path[256];

	remove_path(path, sizeof(path), d, uuid);
	return write_str(path, "1", NULL);
}

int cat_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

long list_devices(const struct daemon *d)
{
	char path[128];
	struct dirent *e;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/bus/mdev/devices", d->dir);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

struct filler {
	const struct daemon *d;
	long n;
	unsigned int parent;
};

static void *fill_main(void *arg)
{
	const struct filler *f = arg;
	char uuid[37];

	for (long i = 0; i < f->n; i++) {
		int err;

		uuid_next(uuid);
		err = create_dev(f->d, f->parent, uuid);
		if (err)
			die("filling %s: create: %s", f->d->label, strerror(-err));
	}
	return NULL;
}

void fill(const struct daemon *d, long n)
{
	/* On bench0, where the timed creates run: its tables are the fullest. */
	struct filler f[2] = { { d, n / 2, 0 }, { d, n - n / 2, 0 } };
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, fill_main, &f[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void samples_add(struct samples *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = g_renew(double, s->v, s->cap);
	}
	s->v[s->n++] = ms;
	s->sorted = false;
}

/* Nearest rank. */
double samples_pct(struct samples *s, double pct)
{
	size_t i;

	if (!s->n)
		return 0;
	if (!s->sorted)
		qsort(s->v, s->n, sizeof(double), cmp_double);
	s->sorted = true;
	i = (size_t)(pct / 100.0 * (double)s->n);
	return s->v[i < s->n ? i : s->n - 1];
}

double samples_mean(const struct samples *s)
{
	double sum = 0;

	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	return s->n ? sum / (double)s->n : 0;
}

void samples_free(struct samples *s)
{
	g_free(s->v);
	*s = (struct samples){ 0 };
}

FILE *open_out(const char *outdir, const char *name)
{
	g_autofree char *path = g_build_filename(outdir, name, NULL);
	FILE *f = fopen(path, "w");

	if (!f)
		die("%s: %s", path, strerror(errno));
	return f;
}
