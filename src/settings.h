/* SPDX-License-Identifier: MIT */
/*
 * A configuration file: GKeyFile does the parsing; a first pass over the
 * text keeps the line of every group and key so that every message names
 * file, line and key.  struct mdevfs_settings is one group of it, handed to
 * the core and then to the backend; keys nobody read are reported.
 */
#ifndef MDEVFS_SETTINGS_H
#define MDEVFS_SETTINGS_H

#include <glib.h>
#include <mdevfs/backend.h>

struct config_file {
	char *name;        /* the path, as messages show it */
	GKeyFile *kf;
	GHashTable *lines; /* "group" or "group\nkey" -> line */
};

/* Loads @text (read from @name when NULL).  Returns 0 or -EINVAL after
 * reporting the first syntax error. */
int config_file_load(struct config_file *cf, const char *name,
		     const char *text);
void config_file_clear(struct config_file *cf);
unsigned int config_line(struct config_file *cf, const char *group,
			 const char *key);

struct mdevfs_settings *settings_new(struct config_file *cf, const char *group);
/* Reports keys nobody read, each with the known key it is a typo of if
 * there is one (after another error, only those: a reader may have
 * stopped at it); returns -EINVAL if anything was reported. */
int settings_finish(struct mdevfs_settings *s);
void settings_free(struct mdevfs_settings *s);
/* Reports a problem that is not an error (file, line and @key, as an
 * error's), such as a value the kernel does not know. */
void settings_warning(struct mdevfs_settings *s, const char *key,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports a problem with the group itself (no key). */
int settings_group_error(struct mdevfs_settings *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MDEVFS_SETTINGS_H */
