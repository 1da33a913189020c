// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "text.h"

int parse_errno(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (*text && !*end)
		return n > 0 && n < 4096 ? (int)n : 0;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcmp(name, text))
			return e;
	}
	return 0;
}

bool env_assignment_valid(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return false;
	for (const char *p = kv; p < eq; p++)
		if (!g_ascii_isupper(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return false;
	return true;
}
