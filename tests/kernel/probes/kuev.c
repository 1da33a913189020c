// SPDX-License-Identifier: MIT
/*
 * kuev [-s SETTLE_MS] [-p ROOT:NAME,...] -- CMD [ARGS...]: the kernel
 * uevents (netlink group 1) heard while CMD runs and until none came for
 * SETTLE_MS (default 200) after it exited.  CMD's output first, then one
 * line per event, in arrival order, with every field in its order:
 *
 *   event ACTION@DEVPATH: ACTION=... DEVPATH=... SUBSYSTEM=... SEQNUM=...
 *
 * ("[not from the kernel]" is added to an event whose sender port is not
 * 0), or "(no event)"; then "SEQNUM not increasing at event K" for each
 * event whose SEQNUM is not above the one before.
 *
 * KUEV_KEEP=PREFIX,... in the environment keeps only the events whose
 * DEVPATH starts with one of the prefixes: the host's kernel sends its own
 * devices' events (a FUSE mount's bdi, a network device) into every
 * network namespace, also the private one of `mdevfs run`.  How many were
 * left out goes to stderr.
 *
 * -p looks, the moment each event arrives and before anything is printed,
 * whether ROOT/DEVPATH/NAME exists (lstat; "." is the directory itself,
 * a NAME starting with / is taken from ROOT alone) and prints under it
 *
 *   at receipt of ACTION@DEVPATH: NAME=yes|no ...
 *
 * With -p, kuev pins itself and CMD to CPU 0 and runs SCHED_FIFO (CMD as
 * SCHED_OTHER): on a preemptible kernel it runs the instant an event is
 * broadcast, before the writer goes on.
 */
#include "probe.h"

#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>


#define MAX_EVENTS 4096
#define MAX_NAMES 32

struct event {
	char *buf;
	size_t len;
	int from_kernel;
	char *seen;
};

static struct event events[MAX_EVENTS];
static int nevents;
static const char *proot;
static const char *pnames[MAX_NAMES];
static int npnames;
static char *keep[MAX_NAMES];
static int nkeep, ignored;

static const char *field(const struct event *e, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = e->buf; p < e->buf + e->len; p += strlen(p) + 1)
		if (!strncmp(p, key, kl) && p[kl] == '=')
			return p + kl + 1;
	return NULL;
}

static char *look(const struct event *e)
{
	const char *dp = field(e, "DEVPATH");
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	if (!dp)
		return NULL;
	f = open_memstream(&out, &size);
	if (!f)
		abort();
	for (int i = 0; i < npnames; i++) {
		char p[4096];
		struct stat st;

		if (pnames[i][0] == '/')
			snprintf(p, sizeof(p), "%s%s", proot, pnames[i]);
		else
			snprintf(p, sizeof(p), "%s%s/%s", proot, dp, pnames[i]);
		fprintf(f, " %s=%s", pnames[i], lstat(p, &st) == 0 ? "yes" : "no");
	}
	fclose(f);
	return out;
}

static int kept(const char *buf, size_t len)
{
	const struct event e = { .buf = (char *)buf, .len = len };
	const char *dp = field(&e, "DEVPATH");

	if (!nkeep)
		return 1;
	for (int i = 0; dp && i < nkeep; i++)
		if (!strncmp(dp, keep[i], strlen(keep[i])))
			return 1;
	return 0;
}

static void keep_only(const char *list)
{
	static char *a;
	char *save = NULL;

	a = strdup(list);
	if (!a)
		abort();
	for (char *t = strtok_r(a, ",", &save); t && nkeep < MAX_NAMES;
	     t = strtok_r(NULL, ",", &save))
		keep[nkeep++] = t;
}

static void drain(int s, int timeout_ms)
{
	static char buf[1 << 16];

	for (;;) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		struct sockaddr_nl sa;
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t k;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return;
		k = recvmsg(s, &mh, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == ENOBUFS)
				printf("kuev: ENOBUFS (events lost)\n");
			continue;
		}
		if (nevents == MAX_EVENTS)
			continue;
		buf[k] = 0;
		if (!kept(buf, (size_t)k)) {
			ignored++;
			continue;
		}
		events[nevents].buf = malloc((size_t)k + 1);
		if (!events[nevents].buf)
			abort();
		memcpy(events[nevents].buf, buf, (size_t)k);
		events[nevents].buf[k] = 0;
		events[nevents].len = (size_t)k;
		events[nevents].from_kernel = sa.nl_pid == 0;
		events[nevents].seen = npnames ? look(&events[nevents]) : NULL;
		nevents++;
	}
}

static void print_events(void)
{
	unsigned long long last = 0;

	for (int i = 0; i < nevents; i++) {
		const struct event *e = &events[i];
		const char *p = e->buf;

		printf("event %s:", p);
		for (p += strlen(p) + 1; p < e->buf + e->len; p += strlen(p) + 1) {
			printf(" ");
			probe_escape(stdout, p, strlen(p));
		}
		printf("%s\n", e->from_kernel ? "" : " [not from the kernel]");
		if (e->seen)
			printf("  at receipt of %s:%s\n", e->buf, e->seen);
	}
	if (!nevents)
		printf("(no event)\n");
	for (int i = 0; i < nevents; i++) {
		const char *s = field(&events[i], "SEQNUM");
		unsigned long long n = s ? strtoull(s, NULL, 10) : 0;

		if (i > 0 && n <= last)
			printf("SEQNUM not increasing at event %d\n", i + 1);
		last = n;
	}
}

static void watch(const char *arg)
{
	char *a = strdup(arg), *names, *save = NULL;

	if (!a || !(names = strchr(a, ':'))) {
		fprintf(stderr, "kuev: -p ROOT:NAME,...\n");
		exit(2);
	}
	*names++ = 0;
	proot = a;
	for (char *t = strtok_r(names, ",", &save); t && npnames < MAX_NAMES;
	     t = strtok_r(NULL, ",", &save))
		pnames[npnames++] = t;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int settle = 200, i, s, st = 0, size = 8 << 20;
	pid_t pid;

	const char *keep_list = getenv("KUEV_KEEP");

	if (keep_list && *keep_list)
		keep_only(keep_list);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			settle = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			watch(argv[++i]);
		} else {
			i += !strcmp(argv[i], "--");
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: kuev [-s SETTLE_MS] [-p ROOT:NAME,...] -- CMD [ARGS...]\n");
		return 2;
	}
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("kuev: netlink: %s\n", probe_ename(errno));
		return 1;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (npnames) {
		cpu_set_t set;
		struct sched_param sp = { .sched_priority = 50 };

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			fprintf(stderr, "kuev: sched_setaffinity: %s\n", probe_ename(errno));
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			fprintf(stderr, "kuev: SCHED_FIFO: %s\n", probe_ename(errno));
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sched_param sp = { .sched_priority = 0 };

		if (npnames)
			sched_setscheduler(0, SCHED_OTHER, &sp);
		execvp(argv[i], argv + i);
		fprintf(stderr, "kuev: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	for (;;) {
		drain(s, 10);
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
	}
	drain(s, settle);
	fflush(stdout);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		printf("(%s: status %d)\n", argv[i], st);
	print_events();
	if (ignored)
		fprintf(stderr, "kuev: %d events outside KUEV_KEEP left out\n", ignored);
	return 0;
}
