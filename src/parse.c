// SPDX-License-Identifier: MIT
/* The kernel's parsers, rewritten from their documented behaviour:
 * lib/uuid.c (uuid_is_valid), lib/kstrtox.c (kstrtoull, kstrtobool),
 * lib/string.c (sysfs_streq), lib/kobject_uevent.c (synthetic uevents). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

bool uuid_string_valid(const char *s)
{
	for (int i = 0; i < UUID_STRING_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false; /* also stops at the terminating NUL */
		}
	}
	return true;
}

int parse_create_uuid(const char *buf, size_t count, uuid_t out)
{
	char str[UUID_STRING_LEN + 2];

	if (count < UUID_STRING_LEN || count > UUID_STRING_LEN + 1)
		return -EINVAL;
	/* kstrndup(): the copy ends at an embedded NUL. */
	memcpy(str, buf, count);
	str[count] = '\0';
	if (!uuid_string_valid(str))
		return -EINVAL;
	if (uuid_parse_range(str, str + UUID_STRING_LEN, out) != 0)
		return -EINVAL;
	return 0;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20; /* _tolower() */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return INT_MAX;
}

int parse_kstrtoul(const char *s, unsigned long *res)
{
	unsigned int base = 10;
	unsigned long long val = 0;
	bool overflow = false;
	const char *p;

	if (*s == '+')
		s++;
	/* _parse_integer_fixup_radix() with base 0 */
	if (s[0] == '0') {
		if ((s[1] | 0x20) == 'x' && is_hex(s[2])) {
			base = 16;
			s += 2;
		} else {
			base = 8;
		}
	}
	for (p = s; *p; p++) {
		unsigned int d = (unsigned int)digit_value(*p);

		if (d >= base)
			break;
		if (val > (ULLONG_MAX - d) / base)
			overflow = true;
		val = val * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (p == s)
		return -EINVAL;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	if (val > ULONG_MAX)
		return -ERANGE;
	*res = (unsigned long)val;
	return 0;
}

int parse_kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if ((s[1] | 0x20) == 'n') {
			*res = true;
			return 0;
		}
		if ((s[1] | 0x20) == 'f') {
			*res = false;
			return 0;
		}
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (*a == '\n' && a[1] == '\0' && *b == '\0')
		return true;
	if (*b == '\n' && b[1] == '\0' && *a == '\0')
		return true;
	return false;
}

const char *const uevent_action_names[] = {
	"add", "remove", "change", "move", "online", "offline", "bind",
	"unbind", NULL,
};

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* "UUID [KEY=VALUE ...]" after the action word (kobject_action_args()).
 * Validates all of it, then reports the pieces if @arg is set. */
static int parse_synth_args(const char *p, size_t n, synth_arg_t arg, void *ctx)
{
	if (n && (p[n - 1] == '\n' || p[n - 1] == '\0'))
		n--;
	for (int pass = 0; pass < (arg ? 2 : 1); pass++) {
		const char *q = p + UUID_STRING_LEN;
		size_t left;

		if (n < UUID_STRING_LEN || memchr(p, '\0', UUID_STRING_LEN) ||
		    !uuid_string_valid(p))
			return -EINVAL;
		if (pass)
			arg(ctx, NULL, 0, p, UUID_STRING_LEN);
		for (left = n - UUID_STRING_LEN; left > 0;) {
			size_t key = 0, val = 0;

			if (*q != ' ')
				return -EINVAL;
			q++, left--;
			while (key < left && is_alnum(q[key]))
				key++;
			if (key == 0 || key == left || q[key] != '=')
				return -EINVAL;
			while (key + 1 + val < left && q[key + 1 + val] != ' ' &&
			       q[key + 1 + val] != '\0')
				val++;
			if (pass)
				arg(ctx, q, key, q + key + 1, val);
			q += key + 1 + val, left -= key + 1 + val;
		}
	}
	return 0;
}

int parse_synth_uevent(const char *buf, size_t count, int *action,
		       synth_arg_t arg, void *ctx)
{
	const char *space;
	size_t word;

	if (count && (buf[count - 1] == '\n' || buf[count - 1] == '\0'))
		count--;
	if (!count)
		return -EINVAL;
	space = memchr(buf, ' ', count);
	word = space ? (size_t)(space - buf) : count;
	for (int i = 0; uevent_action_names[i]; i++) {
		const char *name = uevent_action_names[i];

		if (strlen(name) != word || strncmp(name, buf, word) != 0)
			continue;
		if (space && parse_synth_args(space + 1, count - word - 1, arg, ctx))
			return -EINVAL;
		*action = i;
		return 0;
	}
	return -EINVAL;
}
