// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "proc.h"

/* /proc/@pid/@name's text (pid 0: self), or NULL. */
static char *proc_file(pid_t pid, const char *name)
{
	g_autofree char *path = pid ? g_strdup_printf("/proc/%d/%s", (int)pid, name) :
				      g_strdup_printf("/proc/self/%s", name);
	char *text = NULL;

	return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

int proc_host_userns(pid_t pid)
{
	g_autofree char *map = proc_file(pid, "uid_map");
	unsigned long inside, outside, count;

	if (!map)
		return -1;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 &&
	       inside == 0 && outside == 0 && count == 4294967295UL;
}

bool proc_capable(pid_t pid, int cap)
{
	g_autofree char *status = proc_file(pid, "status");
	const char *eff = status ? strstr(status, "\nCapEff:") : NULL;

	if (!eff || !(strtoull(eff + strlen("\nCapEff:"), NULL, 16) >> cap & 1))
		return false;
	return proc_host_userns(pid) == 1;
}
