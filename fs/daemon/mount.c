// SPDX-License-Identifier: MIT
/*
 * The mount table, and the tree's own mount.
 *
 * As root mdevfs mounts the tree itself with the kernel's mount API
 * (fsopen, fsconfig, fsmount, move_mount) rather than through libfuse's
 * mount(2): a mount made that way can be placed beneath a dead one
 * (MOVE_MOUNT_BENEATH, Linux 6.5), so that a restart replaces a killed
 * daemon's mount without a moment in which the mountpoint is an empty
 * directory: a client there would take every device for absent.  libfuse
 * then serves the /dev/fuse descriptor it is handed ("/dev/fd/N").  As a
 * user, only fusermount3 can mount, and libfuse calls it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mount.h"

char *mount_absolute_path(const char *mountpoint)
{
	g_autofree char *dir = g_path_get_dirname(mountpoint);
	g_autofree char *base = g_path_get_basename(mountpoint);
	g_autofree char *real = realpath(dir, NULL);

	if (!real || !strcmp(base, ".") || !strcmp(base, "..") ||
	    !strcmp(base, "/"))
		return NULL;
	return g_build_filename(real, base, NULL);
}

struct mount_line {
	int id, parent;
	unsigned int major, minor;
	char *path;    /* unescaped */
	char *fstype;
};

static void mount_line_free(gpointer data)
{
	struct mount_line *m = data;

	g_free(m->path);
	g_free(m->fstype);
	g_free(m);
}

/* /proc/self/mountinfo (which escapes blanks in paths as \040). */
static GPtrArray *read_mountinfo(void)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(mount_line_free);
	g_autofree char *text = NULL;
	g_auto(GStrv) rows = NULL;

	if (g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		rows = g_strsplit(text, "\n", -1);
	for (char **r = rows; r && *r; r++) {
		g_auto(GStrv) f = g_strsplit(*r, " ", -1);
		guint n = g_strv_length(f), dash = 6;
		struct mount_line *m;

		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (n < 5 || dash + 1 >= n)
			continue;
		m = g_new0(struct mount_line, 1);
		m->id = atoi(f[0]);
		m->parent = atoi(f[1]);
		if (sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
			m->major = m->minor = ~0u;
		m->path = g_strcompress(f[4]);
		m->fstype = g_strdup(f[dash + 1]);
		g_ptr_array_add(lines, m);
	}
	return lines;
}

/* The mount on @path that no other mount on @path sits on.  (Not the
 * last line: a mount placed beneath another comes after it.) */
static const struct mount_line *topmost_of(GPtrArray *lines, const char *path)
{
	const struct mount_line *top = NULL;

	for (guint i = 0; i < lines->len; i++) {
		const struct mount_line *m = g_ptr_array_index(lines, i);
		bool covered = false;

		if (strcmp(m->path, path) != 0)
			continue;
		for (guint j = 0; j < lines->len && !covered; j++) {
			const struct mount_line *o = g_ptr_array_index(lines, j);

			covered = o->parent == m->id && o->id != m->id &&
				  !strcmp(o->path, path);
		}
		if (!covered)
			top = m;
	}
	return top;
}

static struct mount_top top_of(const struct mount_line *m)
{
	struct mount_top t = { 0 };

	if (!m)
		return t;
	t.id = m->id;
	t.fuse = !strcmp(m->fstype, "fuse") || g_str_has_prefix(m->fstype, "fuse.");
	t.mdevfs = !strcmp(m->fstype, "fuse.mdevfs");
	/* a FUSE connection is named by its device's minor (major 0) */
	t.conn = t.fuse && m->major == 0 ? (long)m->minor : -1;
	return t;
}

struct mount_top mount_topmost(const char *path)
{
	g_autoptr(GPtrArray) lines = read_mountinfo();

	return top_of(topmost_of(lines, path));
}

bool mount_on_path(const char *path, int id)
{
	g_autoptr(GPtrArray) lines = read_mountinfo();

	for (guint i = 0; i < lines->len; i++) {
		const struct mount_line *m = g_ptr_array_index(lines, i);

		if (m->id == id && !strcmp(m->path, path))
			return true;
	}
	return false;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **mount_mdevfs_paths(void)
{
	g_autoptr(GPtrArray) lines = read_mountinfo();
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < lines->len; i++) {
		const struct mount_line *m = g_ptr_array_index(lines, i);

		if (topmost_of(lines, m->path) == m && top_of(m).mdevfs)
			g_ptr_array_add(found, g_strdup(m->path));
	}
	g_ptr_array_sort(found, compare_strings);
	g_ptr_array_add(found, NULL);
	return (char **)g_ptr_array_free(found, FALSE);
}

/* Whether @path is strictly beneath @dir. */
static bool beneath(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && path[len] == '/' && path[len + 1];
}

char **mount_points_under(const char *dir)
{
	g_autoptr(GPtrArray) lines = read_mountinfo();
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	GPtrArray *found = g_ptr_array_new();

	for (guint i = 0; i < lines->len; i++) {
		const struct mount_line *m = g_ptr_array_index(lines, i);

		if (beneath(m->path, dir))
			g_ptr_array_add(all, m->path);
	}
	/* Sorted, a path comes after every mount point above it. */
	g_ptr_array_sort(all, compare_strings);
	for (guint i = 0; i < all->len; i++) {
		const char *path = g_ptr_array_index(all, i);
		bool inner = false;

		for (guint j = 0; j < found->len && !inner; j++)
			inner = !strcmp(path, g_ptr_array_index(found, j)) ||
				beneath(path, g_ptr_array_index(found, j));
		if (!inner)
			g_ptr_array_add(found, g_strdup(path));
	}
	g_ptr_array_add(found, NULL);
	return (char **)g_ptr_array_free(found, FALSE);
}

int mount_detach(const char *path)
{
	const char *argv[] = { "fusermount3", "-u", "-z", path, NULL };
	g_autoptr(GError) err = NULL;
	int status = 0;

	if (geteuid() == 0)
		return umount2(path, MNT_DETACH) ? -errno : 0;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
			  NULL, NULL, NULL, &status, &err)) {
		log_err("fusermount3: %s", err->message);
		return -ENOENT;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}
