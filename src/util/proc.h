/* SPDX-License-Identifier: MIT */
/* What /proc says of a process, for checks that the kernel makes on its
 * own tasks and a daemon must make on its callers (src/util: the leaf). */
#ifndef MDEVFS_PROC_H
#define MDEVFS_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether process @pid (0: this one) is in the host's user namespace (its
 * uid_map maps every uid to itself): 1 or 0, -1 if it cannot be read. */
int proc_host_userns(pid_t pid);
/* The kernel's capable(@cap) for process @pid: @cap is in its effective
 * set and it is in the host's user namespace.  False if it is gone. */
bool proc_capable(pid_t pid, int cap);

#endif /* MDEVFS_PROC_H */
