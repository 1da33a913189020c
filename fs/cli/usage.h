/* SPDX-License-Identifier: MIT */
/*
 * The command line's errors: one line saying what is wrong, then where the
 * help is, exit status 2.  Every message names the program "mdevfs",
 * however it was started (build/mdevfs, a full path): getopt's own
 * messages take the name from argv[0], which main() sets to PROG_NAME and
 * a subcommand's to "mdevfs: ctl" and so on (log.c's prefix).
 */
#ifndef MDEVFS_USAGE_H
#define MDEVFS_USAGE_H

#include <stdio.h>

#define PROG_NAME "mdevfs"

/* After the line that says what is wrong (getopt's, or a log_err()):
 * @cmd is the subcommand ("ctl", "run", "record") or NULL. */
static inline int usage_error(const char *cmd)
{
	fprintf(stderr, "Try '" PROG_NAME "%s%s --help' for more information.\n",
		cmd ? " " : "", cmd ? cmd : "");
	return 2;
}

#endif /* MDEVFS_USAGE_H */
