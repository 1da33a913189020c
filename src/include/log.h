/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_LOG_H
#define MDEVFS_LOG_H

#include <stdbool.h>
#include <mdevfs/backend.h>

/* Messages go to stderr until log_to_system() is called (daemon mode):
 * then to the journal, else syslog, else on to stderr, said once (true:
 * the caller keeps stderr open), but not to a pipe (said too). */
bool log_to_system(void);
void log_set_level(int level);
/* -v: what happens to devices is logged too (log_verbose()). */
void log_set_verbose(bool on);
bool log_verbose(void);

/* What a message is about, as the journal's fields MDEV_UUID=,
 * MDEV_PARENT=, MDEV_TYPE= and ERRNO= (each NULL or 0 for none). */
struct log_fields {
	const char *uuid, *parent, *type;
	int err; /* a positive errno */
};

void log_event(int level, const struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Warnings and errors of this thread go to @lines (a GString *) instead,
 * and lesser messages nowhere, until the capture ends (NULL): the control
 * socket hands them to its client, who asked for the work. */
void log_capture(void *lines);

#define log_err(fmt, ...)  mdevfs_log(MDEVFS_LOG_ERR, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...) mdevfs_log(MDEVFS_LOG_WARNING, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...) mdevfs_log(MDEVFS_LOG_INFO, fmt, ##__VA_ARGS__)
#define log_dbg(fmt, ...)  mdevfs_log(MDEVFS_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* MDEVFS_LOG_H */
