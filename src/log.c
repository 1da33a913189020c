// SPDX-License-Identifier: MIT
/*
 * Logging: one line per message, "mdevfs: " on stderr, or once the daemon
 * has detached from its terminal the systemd journal (with the fields of
 * the device a message is about) when there is one, else syslog, else
 * stderr still (unless it is a pipe), said once: a log is never lost
 * without a word.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>
#include <systemd/sd-journal.h>

#include "log.h"

/* Where sd_journal_send() and syslog() send (libsystemd and glibc have
 * them built in): a socket there is a journal or a syslog daemon. */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SYSLOG_SOCKET "/dev/log"

enum sink { SINK_STDERR, SINK_SYSLOG, SINK_JOURNAL };

static atomic_int sink = SINK_STDERR;
static atomic_int max_level = MDEVFS_LOG_INFO;
static atomic_bool verbose;
static _Thread_local GString *captured;

void log_capture(void *lines)
{
	captured = lines;
}

bool log_to_system(void)
{
	struct stat st;

	if (access(JOURNAL_SOCKET, F_OK) == 0) {
		atomic_store(&sink, SINK_JOURNAL);
		return false;
	}
	if (access(SYSLOG_SOCKET, F_OK) == 0) {
		openlog("mdevfs", LOG_PID, LOG_DAEMON);
		atomic_store(&sink, SINK_SYSLOG);
		return false;
	}
	/* A daemon must not hold its caller's pipe: `out=$(mdevfs M 2>&1)`
	 * would wait for it to end. */
	if (fstat(STDERR_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		mdevfs_log(MDEVFS_LOG_WARNING, "no journal (" JOURNAL_SOCKET
			   ") and no syslog (" SYSLOG_SOCKET "), and stderr "
			   "is a pipe: the log is lost from here on (-f keeps "
			   "it on stderr)");
		return false;
	}
	mdevfs_log(MDEVFS_LOG_WARNING, "no journal (" JOURNAL_SOCKET ") and "
		   "no syslog (" SYSLOG_SOCKET "): the log goes on to stderr");
	return true;
}

void log_set_level(int level)
{
	atomic_store(&max_level, level);
}

void log_set_verbose(bool on)
{
	atomic_store(&verbose, on);
}

bool log_verbose(void)
{
	return atomic_load(&verbose);
}

static void add_field(struct iovec *iov, int *n, char **own, const char *key,
		      const char *value)
{
	if (!value)
		return;
	own[*n] = g_strconcat(key, value, NULL);
	iov[*n].iov_base = own[*n];
	iov[*n].iov_len = strlen(own[*n]);
	(*n)++;
}

static void to_journal(int level, const struct log_fields *f, const char *msg)
{
	char *own[8] = { NULL };
	struct iovec iov[8];
	char prio[2] = { (char)('0' + level), '\0' };
	g_autofree char *err = f && f->err ? g_strdup_printf("%d", f->err) : NULL;
	int n = 0;

	add_field(iov, &n, own, "MESSAGE=", msg);
	add_field(iov, &n, own, "PRIORITY=", prio);
	add_field(iov, &n, own, "SYSLOG_IDENTIFIER=", "mdevfs");
	if (f) {
		add_field(iov, &n, own, "MDEV_UUID=", f->uuid);
		add_field(iov, &n, own, "MDEV_PARENT=", f->parent);
		add_field(iov, &n, own, "MDEV_TYPE=", f->type);
		add_field(iov, &n, own, "ERRNO=", err);
	}
	sd_journal_sendv(iov, n);
	for (int i = 0; i < n; i++)
		g_free(own[i]);
}

static void vlog(int level, const struct log_fields *f, const char *fmt,
		 va_list ap)
{
	/* One write per line so concurrent messages do not interleave. */
	char line[1024];

	if (captured) {
		if (level <= MDEVFS_LOG_WARNING) {
			g_string_append_vprintf(captured, fmt, ap);
			g_string_append_c(captured, '\n');
		}
		return;
	}
	if (level > atomic_load(&max_level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	switch (atomic_load(&sink)) {
	case SINK_JOURNAL:
		to_journal(level, f, line);
		break;
	case SINK_SYSLOG:
		syslog(level, "%s", line);
		break;
	default:
		fprintf(stderr, "mdevfs: %s\n", line);
	}
}

void mdevfs_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void log_event(int level, const struct log_fields *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, f, fmt, ap);
	va_end(ap);
}
