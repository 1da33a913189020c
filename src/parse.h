/* SPDX-License-Identifier: MIT */
/* The kernel's parsers for what users write into sysfs, byte for byte. */
#ifndef MDEVFS_PARSE_H
#define MDEVFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <uuid/uuid.h>

#include "text.h"

#define UUID_STRING_LEN 36

/* mdev's create_store(): 36 or 37 bytes, the first 36 a GUID in the
 * 8-4-4-4-12 form (any case); the 37th byte is not looked at.  The buffer
 * is NUL-terminated at @count; an embedded NUL ends the string.
 * Returns 0 or -EINVAL. */
int parse_create_uuid(const char *buf, size_t count, uuid_t out);

/* The kernel's uuid_is_valid() on the first 36 bytes of a C string. */
bool uuid_string_valid(const char *s);

/* kstrtoul(s, 0, &res): optional '+', base auto-detected (0x hex, leading 0
 * octal), one trailing '\n' allowed.  Returns 0, -EINVAL or -ERANGE. */
int parse_kstrtoul(const char *s, unsigned long *res);

/* kstrtobool(): y/Y/1/t/T, n/N/0/f/F, on/off.  Returns 0 or -EINVAL. */
int parse_kstrtobool(const char *s, bool *res);

/* sysfs_streq(): equal, ignoring one trailing newline on either side. */
bool sysfs_streq(const char *a, const char *b);

/* kobject_synth_uevent()'s syntax: "ACTION [UUID [KEY=VALUE ...]]" with an
 * optional trailing newline.  Returns 0 and the action's index into
 * uevent_action_names[], or -EINVAL.  When @arg is set it is called for the
 * UUID (key NULL) and for every KEY=VALUE, once the whole write is valid. */
extern const char *const uevent_action_names[];
typedef void (*synth_arg_t)(void *ctx, const char *key, size_t klen,
			    const char *val, size_t vlen);
int parse_synth_uevent(const char *buf, size_t count, int *action,
		       synth_arg_t arg, void *ctx);


#endif /* MDEVFS_PARSE_H */
