/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_LOG_H
#define MDEVFS_LOG_H

#include <stdbool.h>
#include <mdevfs/backend.h>

/* Messages go to stderr until log_to_syslog() is called (daemon mode). */
void log_to_syslog(void);
void log_set_level(int level);
/* Warnings and errors of this thread go to @lines (a GString *) instead,
 * and lesser messages nowhere, until the capture ends (NULL): the control
 * socket hands them to its client, who asked for the work. */
void log_capture(void *lines);

#define log_err(fmt, ...)  mdevfs_log(MDEVFS_LOG_ERR, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...) mdevfs_log(MDEVFS_LOG_WARNING, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...) mdevfs_log(MDEVFS_LOG_INFO, fmt, ##__VA_ARGS__)
#define log_dbg(fmt, ...)  mdevfs_log(MDEVFS_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* MDEVFS_LOG_H */
