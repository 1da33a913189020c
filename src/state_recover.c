// SPDX-License-Identifier: MIT
/*
 * Starting again from the state directory (see state.h and
 * docs/crash-safety.md): every record read with care, checked, and made a
 * device again, or set aside with a line that names it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mdev.h"
#include "mdev_private.h"
#include "state.h"

/* Renames @name NAME.SUFFIX (NAME.SUFFIX.1, ... if taken): kept for a
 * person to look at, never read again. */
static char *set_aside(const char *name, const char *suffix)
{
	for (int i = 0; i < 100; i++) {
		g_autofree char *to = i ? g_strdup_printf("%s.%s.%d", name, suffix, i) :
					  g_strdup_printf("%s.%s", name, suffix);

		if (renameat2(state_devices_fd(), name, state_devices_fd(), to,
			      RENAME_NOREPLACE) == 0) {
			fsync(state_devices_fd());
			return g_build_filename(state_dir(), "devices", to, NULL);
		}
		if (errno != EEXIST)
			break;
	}
	log_err("state directory: cannot set %s/devices/%s aside: %s", state_dir(),
		name, g_strerror(errno));
	return g_strdup("(not moved)");
}

static struct mdevfs_type *find_type(const char *parent, const char *type,
				     char **why)
{
	struct mdevfs_type *found = NULL;
	struct mdevfs_parent *p;
	struct kobj *obj;

	sysfs_read_lock();
	obj = name_tree_find(mdev_all_parents(), parent);
	p = obj ? to_parent(obj) : NULL;
	for (unsigned int i = 0; p && i < p->ntypes; i++)
		if (!strcmp(p->types[i]->sysfs_name, type))
			found = p->types[i];
	sysfs_read_unlock();
	if (!p)
		*why = g_strdup_printf("parent %s is not registered", parent);
	else if (!found)
		*why = g_strdup_printf("parent %s has no type %s", parent, type);
	return found;
}

/* devices/@name's bytes, if it is a regular file no larger than a record
 * can be (a FIFO would block the start, a huge file fill the memory):
 * 0, or -EINVAL with *@why. */
static int read_record_file(const char *name, GString *text, char **why)
{
	int fd = openat(state_devices_fd(), name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[STATE_MAX_RECORD + 1];
	struct stat sb;
	ssize_t n;
	int ret = -EINVAL;

	if (fd < 0) {
		*why = g_strdup_printf("cannot open it: %s", g_strerror(errno));
		return ret;
	}
	if (fstat(fd, &sb))
		*why = g_strdup_printf("cannot stat it: %s", g_strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		*why = g_strdup("not a regular file");
	else if (sb.st_size > STATE_MAX_RECORD)
		*why = g_strdup_printf("%lld bytes, more than a record can have "
				       "(%d)", (long long)sb.st_size,
				       STATE_MAX_RECORD);
	else if ((n = read(fd, buf, sizeof(buf))) < 0)
		*why = g_strdup_printf("cannot read it: %s", g_strerror(errno));
	else if (n > STATE_MAX_RECORD)
		*why = g_strdup("it grows as it is read");
	else {
		g_string_append_len(text, buf, n);
		ret = 0;
	}
	close(fd);
	return ret;
}

/* Reads and checks devices/@name: 0, or -EINVAL with *@why. */
static int read_record(const char *name, struct state_record *r, char **why)
{
	g_autoptr(GString) text = g_string_new(NULL);

	if (read_record_file(name, text, why))
		return -EINVAL;
	if (state_record_parse(text->str, text->len, r, why))
		return -EINVAL;
	if (strcmp(r->uuid, name) != 0) {
		*why = g_strdup_printf("it names device %s", r->uuid);
		state_record_clear(r);
		return -EINVAL;
	}
	return 0;
}

/* One record back as a device; false if it was set aside. */
static bool restore_one(const char *name)
{
	g_autofree char *why = NULL, *aside = NULL;
	struct state_record r;
	struct mdevfs_type *type;
	uuid_t uuid;
	int ret;

	if (read_record(name, &r, &why)) {
		aside = set_aside(name, "corrupt");
		log_err("state: %s/devices/%s: %s; not restored, moved to %s",
			state_dir(), name, why, aside);
		return false;
	}
	type = find_type(r.parent, r.type, &why);
	uuid_parse(r.uuid, uuid);
	ret = type ? mdev_device_restore(type, uuid, r.group, r.vfio) : -ENOENT;
	if (ret) {
		aside = set_aside(name, "orphan");
		log_err("state: %s/devices/%s: device %s (%s %s) not restored: %s; "
			"record moved to %s", state_dir(), name, r.uuid, r.parent, r.type,
			why ? why : g_strerror(-ret), aside);
	}
	state_record_clear(&r);
	return ret == 0;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in devices/, sorted; unfinished writes (NAME.tmp: creates
 * that were never acknowledged) are deleted. */
static GPtrArray *list_records(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	int fd = openat(state_devices_fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *de;

	if (!dir) {
		log_err("state directory: cannot list devices/ in %s: %s",
			state_dir(), g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return names;
	}
	while ((de = readdir(dir))) {
		if (g_str_has_suffix(de->d_name, ".tmp")) {
			log_info("state: %s/devices/%s: a create never acknowledged; "
				 "deleted", state_dir(), de->d_name);
			unlinkat(state_devices_fd(), de->d_name, 0);
		} else if (strlen(de->d_name) == UUID_STR_LEN - 1) {
			g_ptr_array_add(names, g_strdup(de->d_name));
		}
	}
	closedir(dir);
	g_ptr_array_sort(names, compare_names);
	return names;
}

unsigned int state_recover(void)
{
	g_autoptr(GPtrArray) names = NULL;
	unsigned int restored = 0;

	if (!state_enabled())
		return 0;
	names = list_records();
	for (guint i = 0; i < names->len; i++)
		restored += restore_one(g_ptr_array_index(names, i));
	if (names->len)
		log_info("restored %u of %u devices recorded in %s", restored,
			 names->len, state_dir());
	return restored;
}

/* ---- where ---------------------------------------------------------------- */

/* systemd-escape --path: slashes trimmed and turned into '-', everything
 * but [A-Za-z0-9:_.] (and a leading '.') as \xNN, "/" alone as "-".
 * Two paths never share a name. */
char *state_escape_path(const char *path)
{
	g_autofree char *trimmed = g_strdup(path);
	GString *out = g_string_new(NULL);
	char *p = trimmed;

	while (*p == '/')
		p++;
	for (size_t n = strlen(p); n && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	if (!*p)
		g_string_append_c(out, '-');
	for (const char *c = p; *c; c++) {
		if (*c == '/')
			g_string_append_c(out, '-');
		else if (g_ascii_isalnum(*c) || *c == ':' || *c == '_' ||
			 (*c == '.' && c != p))
			g_string_append_c(out, *c);
		else
			g_string_append_printf(out, "\\x%02x", (unsigned char)*c);
	}
	return g_string_free(out, FALSE);
}

char *state_default_dir(const char *mountpoint)
{
	g_autofree char *escaped = state_escape_path(mountpoint);
	const char *runtime = g_getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		return g_build_filename("/run/mdevfs", escaped, NULL);
	if (!runtime || !g_path_is_absolute(runtime))
		return NULL;
	return g_build_filename(runtime, "mdevfs", escaped, NULL);
}
