// SPDX-License-Identifier: MIT
/* Logging: one line per message, "mdevfs: " on stderr, or syslog once the
 * daemon has detached from its terminal. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>

#include <glib.h>

#include "log.h"

static atomic_bool use_syslog;
static atomic_int max_level = MDEVFS_LOG_INFO;
static _Thread_local GString *captured;

void log_capture(void *lines)
{
	captured = lines;
}

void log_to_syslog(void)
{
	openlog("mdevfs", LOG_PID, LOG_DAEMON);
	atomic_store(&use_syslog, true);
}

void log_set_level(int level)
{
	atomic_store(&max_level, level);
}

void mdevfs_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (captured) {
		if (level <= MDEVFS_LOG_WARNING) {
			va_start(ap, fmt);
			g_string_append_vprintf(captured, fmt, ap);
			g_string_append_c(captured, '\n');
			va_end(ap);
		}
		return;
	}
	if (level > atomic_load(&max_level))
		return;
	va_start(ap, fmt);
	if (atomic_load(&use_syslog)) {
		vsyslog(level, fmt, ap);
	} else {
		/* One fprintf per line so concurrent messages do not interleave. */
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "mdevfs: %s\n", line);
	}
	va_end(ap);
}
