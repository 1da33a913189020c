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

unsigned int edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b);
	unsigned int *row = g_new(unsigned int, n + 1);
	unsigned int d;

	/* One row of the table at a time: row[j] is the distance of a's
	 * prefix so far to b's first j bytes. */
	for (size_t j = 0; j <= n; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 0; a[i]; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i + 1;
		for (size_t j = 1; j <= n; j++) {
			unsigned int up = row[j];
			unsigned int best = MIN(up, row[j - 1]) + 1;

			row[j] = MIN(best, diag + (a[i] != b[j - 1]));
			diag = up;
		}
	}
	d = row[n];
	g_free(row);
	return d;
}
