/* SPDX-License-Identifier: MIT */
/* Text checks shared by the core and the backends; they know nothing of
 * either (src/util is the leaf every layer may use). */
#ifndef MDEVFS_TEXT_H
#define MDEVFS_TEXT_H

#include <stdbool.h>

/* An errno by name ("ENOSPC", as strerrorname_np() spells it) or by
 * number ("28"): the positive errno, or 0 if it is neither. */
int parse_errno(const char *text);
/* KEY=VALUE with KEY in [A-Z0-9_]: an environment variable as udev has
 * them (a parent's uevent, a callout's environment). */
bool env_assignment_valid(const char *kv);

/* The Levenshtein distance of @a and @b (insertions, deletions and
 * substitutions of one byte each), for "did you mean" (GLib has none). */
unsigned int edit_distance(const char *a, const char *b);

#endif /* MDEVFS_TEXT_H */
