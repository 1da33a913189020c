// SPDX-License-Identifier: MIT
/*
 * `mdevfs record [-o FILE] [SYSFS_ROOT]`: a configuration profile
 * (docs/configuration.md) of the mdev parents of a sysfs tree, the real
 * /sys or another mdevfs, that `mdevfs -c FILE` serves, as umockdev-record
 * does for other devices.
 *
 * A snapshot cannot show everything a profile says: who counts instances,
 * what a type costs, which mdev driver a parent without devices names.
 * record_infer.c infers those from what it does show, the profile says so
 * in comments, and docs/record.md has the rules.
 *
 * Everything about a parent is read first (struct rec_parent), then
 * written into a GKeyFile in the order a person would write it, so GLib
 * does the escaping and the profile reads back as it was recorded.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "attr_io.h"
#include "log.h"
#include "macro.h"
#include "record.h"
#include "usage.h"

static void rec_type_free(gpointer data)
{
	struct rec_type *t = data;

	if (t->devices)
		g_ptr_array_free(t->devices, TRUE);
	g_free(t->dir);
	g_free(t);
}

static void rec_parent_free(struct rec_parent *p)
{
	g_ptr_array_free(p->types, TRUE);
	g_string_free(p->notes, TRUE);
	g_free(p->uevent);
	g_free(p->driver_note);
	g_free(p->driver);
	g_free(p->device_driver);
	g_free(p->subsys);
	g_free(p->path);
	g_free(p->dir);
	g_free(p->name);
	g_free(p);
}

void rec_note(struct rec_parent *p, const char *fmt, ...)
{
	va_list ap;

	g_string_append(p->notes, p->notes->len ? "\n " : " ");
	va_start(ap, fmt);
	g_string_append_vprintf(p->notes, fmt, ap);
	va_end(ap);
}

/* -errno of a failed call, never 0. */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* DIR/NAME's text.  A failure is reported with the path, except a missing
 * @optional attribute: -ENOENT. */
static int read_attr(const char *dir, const char *name, bool optional,
		     char **text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int ret;

	*text = NULL;
	ret = attr_read(path, text);
	if (ret && !(optional && ret == -ENOENT))
		log_err("record: %s: %s", path, g_strerror(-ret));
	return ret;
}

static int read_count(const char *dir, const char *name, unsigned long *value)
{
	g_autofree char *text = NULL;
	int ret = read_attr(dir, name, false, &text);

	if (ret)
		return ret;
	if (attr_parse_count(text, value)) {
		log_err("record: %s/%s: '%s' is not a count", dir, name, text);
		return -EINVAL;
	}
	return 0;
}

/* The target of the link DIR/NAME, or NULL with errno set. */
static char *read_link(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return g_strdup(buf);
}

char *rec_link_name(const char *dir, const char *name)
{
	g_autofree char *target = read_link(dir, name);

	return target ? g_path_get_basename(target) : NULL;
}

/* Readdir order: types listed in the order the recorded tree lists them
 * are served in that order. */
GPtrArray *rec_list_dir(const char *path)
{
	DIR *d = opendir(path);
	const struct dirent *e;
	GPtrArray *names;

	if (!d)
		return NULL;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(e->d_name));
	closedir(d);
	return names;
}

/* `subsystem` points to .../class/X or .../bus/X. */
static int record_subsystem(struct rec_parent *p)
{
	g_autofree char *target = read_link(p->dir, "subsystem");
	g_autofree char *up = NULL;
	g_autofree char *kind = NULL;

	if (!target) {
		int err = neg_errno();

		log_err("record: %s/subsystem: %s", p->dir, g_strerror(-err));
		return err;
	}
	p->subsys = g_path_get_basename(target);
	up = g_path_get_dirname(target);
	kind = g_path_get_basename(up);
	p->bus = !strcmp(kind, "bus");
	if (!p->bus && strcmp(kind, "class") != 0) {
		log_err("record: %s/subsystem: '%s' is neither .../class/X nor "
			".../bus/X", p->dir, target);
		return -EINVAL;
	}
	return 0;
}

/* The parent's directory below @devices, the real path of devices/. */
static int record_path(struct rec_parent *p, const char *devices)
{
	g_autofree char *real = realpath(p->dir, NULL);
	g_autofree char *base = NULL;
	size_t n = strlen(devices);

	if (!real) {
		int err = neg_errno();

		log_err("record: %s: %s", p->dir, g_strerror(-err));
		return err;
	}
	base = g_path_get_basename(real);
	if (strncmp(real, devices, n) != 0 || real[n] != '/' ||
	    strcmp(base, p->name) != 0) {
		log_err("record: %s: its directory %s is not %s/.../%s", p->dir,
			real, devices, p->name);
		return -EINVAL;
	}
	p->path = g_strdup(real + n + 1);
	return 0;
}

/* What the `uevent` key can hold: KEY=VALUE, KEY of [A-Z0-9_], no ';'. */
static bool uevent_var_valid(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv || strchr(kv, ';'))
		return false;
	for (const char *c = kv; c < eq; c++)
		if (!g_ascii_isupper(*c) && !g_ascii_isdigit(*c) && *c != '_')
			return false;
	return true;
}

/* The parent's uevent file, all of it: the core adds nothing of its own
 * to it (ACTION, DEVPATH and SUBSYSTEM are in the events only).  Its
 * DRIVER=, if any, goes to @driver. */
static int record_uevent(struct rec_parent *p, char **driver)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) kept = g_ptr_array_new();
	int ret = read_attr(p->dir, "uevent", true, &text);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		if (!uevent_var_valid(*l)) {
			log_warn("record: %s/uevent: '%s' left out: the uevent "
				 "key cannot hold it", p->dir, *l);
			rec_note(p, "uevent: '%s' left out", *l);
			continue;
		}
		if (g_str_has_prefix(*l, "DRIVER=") && !*driver)
			*driver = g_strdup(*l + strlen("DRIVER="));
		g_ptr_array_add(kept, *l);
	}
	g_ptr_array_add(kept, NULL);
	p->uevent = g_strjoinv(";", (char **)kept->pdata);
	return 0;
}

static int record_type(struct rec_parent *p, const char *name)
{
	struct rec_type *t = g_new0(struct rec_type, 1);
	g_autofree char *dir = g_build_filename(p->dir, "mdev_supported_types",
						name, NULL);
	g_autofree char *devices = g_build_filename(dir, "devices", NULL);
	int ret;

	g_ptr_array_add(p->types, t);
	t->dir = g_strdup(name);
	t->sysfs_name = t->dir;
	ret = read_count(dir, "available_instances", &t->available);
	if (ret)
		return ret;
	t->devices = rec_list_dir(devices);
	if (!t->devices) {
		ret = neg_errno();
		log_err("record: %s: %s", devices, g_strerror(-ret));
		return ret;
	}
	p->ndevices += t->devices->len;
	return 0;
}

static int record_types(struct rec_parent *p)
{
	g_autofree char *path = g_build_filename(p->dir, "mdev_supported_types",
						 NULL);
	g_autoptr(GPtrArray) names = rec_list_dir(path);
	int ret = 0;

	if (!names) {
		ret = neg_errno();
		log_err("record: %s: %s", path, g_strerror(-ret));
		return ret;
	}
	if (!names->len) {
		log_err("record: %s: no types", path);
		return -ENOENT;
	}
	for (guint i = 0; i < names->len && !ret; i++)
		ret = record_type(p, g_ptr_array_index(names, i));
	return ret;
}

static int emit_type(GKeyFile *kf, const struct rec_parent *p,
		     const struct rec_type *t)
{
	g_autofree char *group = g_strdup_printf("type %s %s", p->name,
						 t->sysfs_name);
	g_autofree char *dir = g_build_filename(p->dir, "mdev_supported_types",
						t->dir, NULL);
	g_autofree char *name = NULL;
	g_autofree char *desc = NULL;
	g_autofree char *api = NULL;
	int ret;

	ret = read_attr(dir, "name", true, &name);
	if (ret && ret != -ENOENT)
		return ret;
	ret = read_attr(dir, "description", true, &desc);
	if (ret && ret != -ENOENT)
		return ret;
	ret = read_attr(dir, "device_api", false, &api);
	if (ret)
		return ret;
	/* Keys in the order of docs/configuration.md; the group exists even
	 * for a type whose name file is missing. */
	g_key_file_set_string(kf, group, "name", name ? name : t->sysfs_name);
	if (desc)
		g_key_file_set_string(kf, group, "description", desc);
	g_key_file_set_string(kf, group, "device_api", api);
	if (!p->core_counts)
		g_key_file_set_uint64(kf, group, "cost", t->cost);
	return 0;
}

static void emit_parent(GKeyFile *kf, struct rec_parent *p)
{
	g_autofree char *group = g_strdup_printf("parent %s", p->name);

	g_key_file_set_string(kf, group, p->bus ? "bus" : "class", p->subsys);
	g_key_file_set_string(kf, group, "path", p->path);
	if (p->device_driver)
		g_key_file_set_string(kf, group, "device_driver", p->device_driver);
	g_key_file_set_string(kf, group, "driver", p->driver);
	if (p->driver_note)
		g_key_file_set_comment(kf, group, "driver", p->driver_note, NULL);
	g_key_file_set_string(kf, group, "backend", "sample");
	if (p->uevent && *p->uevent)
		g_key_file_set_string(kf, group, "uevent", p->uevent);
	g_key_file_set_uint64(kf, group, p->core_counts ? "max_instances" : "pool",
			      p->count);
	/* The format has no device groups: the devices are a comment. */
	for (guint i = 0; i < p->types->len; i++) {
		const struct rec_type *t = g_ptr_array_index(p->types, i);

		for (guint j = 0; j < t->devices->len; j++)
			rec_note(p, "device %s %s", (char *)g_ptr_array_index(t->devices, j),
			     t->dir);
	}
	g_key_file_set_comment(kf, group, NULL, p->notes->str, NULL);
}

/* Reads everything about a parent, in the order each step needs. */
static int record_parent_read(struct rec_parent *p, const char *root,
			      const char *devices)
{
	g_autofree char *uevent_driver = NULL;
	int ret = record_subsystem(p);

	if (!ret)
		ret = record_path(p, devices);
	if (!ret)
		ret = record_uevent(p, &uevent_driver);
	if (!ret)
		ret = record_types(p);
	if (!ret)
		ret = rec_count_instances(p);
	if (ret)
		return ret;
	rec_device_driver(p, uevent_driver);
	rec_driver(p, root);
	return 0;
}

static int record_parent(GKeyFile *kf, const char *root, const char *devices,
			 const char *name)
{
	struct rec_parent *p = g_new0(struct rec_parent, 1);
	int ret;

	p->name = g_strdup(name);
	p->dir = g_build_filename(root, "class/mdev_bus", name, NULL);
	p->types = g_ptr_array_new_with_free_func(rec_type_free);
	p->notes = g_string_new(NULL);
	ret = record_parent_read(p, root, devices);
	if (!ret)
		emit_parent(kf, p);
	for (guint i = 0; i < p->types->len && !ret; i++)
		ret = emit_type(kf, p, g_ptr_array_index(p->types, i));
	rec_parent_free(p);
	return ret;
}

static void emit_header(GKeyFile *kf, const char *root)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *when = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *where = realpath(root, NULL);
	g_autofree char *text = g_strdup_printf(
		" Recorded from %s:%s on %s by mdevfs %s (mdevfs record).\n"
		" Serve it with: mdevfs -c FILE MOUNTPOINT.  The keys are in\n"
		" docs/configuration.md; what a recording infers, in docs/record.md.",
		g_get_host_name(), where ? where : root, when, MDEVFS_VERSION);

	g_key_file_set_comment(kf, NULL, NULL, text, NULL);
}

static int record_tree(const char *root, GKeyFile *kf)
{
	g_autofree char *mdev_bus = g_build_filename(root, "class/mdev_bus", NULL);
	g_autofree char *devices_dir = g_build_filename(root, "devices", NULL);
	g_autofree char *devices = NULL;
	g_autoptr(GPtrArray) names = NULL;
	struct stat st;

	if (stat(root, &st)) {
		log_err("record: %s: %s", root, g_strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("record: %s: not a directory", root);
		return -1;
	}
	names = rec_list_dir(mdev_bus);
	if (names ? !names->len : errno == ENOENT) {
		log_err("record: %s has no parents in class/mdev_bus: not a sysfs "
			"tree, or no mdev parent driver is loaded", root);
		return -1;
	}
	if (!names) {
		log_err("record: %s: %s", mdev_bus, g_strerror(errno));
		return -1;
	}
	devices = realpath(devices_dir, NULL);
	if (!devices) {
		log_err("record: %s: %s", devices_dir, g_strerror(errno));
		return -1;
	}
	for (guint i = 0; i < names->len; i++)
		if (record_parent(kf, root, devices, g_ptr_array_index(names, i)))
			return -1;
	emit_header(kf, root);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mdevfs record [-o FILE] [SYSFS_ROOT]\n"
"\n"
"Writes a configuration profile of the mdev parents in SYSFS_ROOT (default\n"
"/sys): its class/mdev_bus, their types and how they count instances, for\n"
"`mdevfs -c FILE` to serve.  Devices there are listed as comments, and\n"
"what the tree cannot show is inferred (see docs/record.md).\n"
"\n"
"  -o, --output FILE  write to FILE instead of stdout\n"
"  -h, --help         show this help\n");
}

static int write_profile(GKeyFile *kf, const char *output)
{
	g_autoptr(GError) err = NULL;
	gsize len = 0;
	g_autofree char *data = g_key_file_to_data(kf, &len, NULL);

	if (output) {
		if (g_file_set_contents(output, data, (gssize)len, &err))
			return 0;
		log_err("record: %s", err->message);
		return 1;
	}
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
		log_err("record: stdout: %s", g_strerror(errno));
		return 1;
	}
	return 0;
}

int record_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	g_autoptr(GKeyFile) kf = g_key_file_new();
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'h': usage(stdout); return 0;
		default: return usage_error("record");
		}
	}
	if (argc - optind > 1) {
		log_err("record: one SYSFS_ROOT only");
		return usage_error("record");
	}
	if (record_tree(optind < argc ? argv[optind] : "/sys", kf))
		return 1;
	return write_profile(kf, output);
}
