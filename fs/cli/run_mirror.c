// SPDX-License-Identifier: MIT
/*
 * Room for the run's names where an overlay cannot give it: in a user
 * namespace (`mdevfs run` as a user other than root, run_userns.c).
 *
 * There the kernel refuses an overlay whose lower layer has mounts the
 * namespace may not take apart (/sys/fs/cgroup on /sys, /dev/pts on
 * /dev: "failed to clone lowerpath"), and the real sysfs, /dev and /run
 * are owned by the host's root, whom the namespace does not map, so root
 * of the namespace may not make a name in them even through an overlay.
 * So a directory that needs a name (/sys/class, /sys/devices/virtual,
 * /dev, /run) is mirrored: covered by a ramfs of the namespace's root
 * that holds what the real one holds, each directory, file, device node
 * or socket bound from the real one (so devices open and sockets connect
 * as before) and each link copied.  Only that directory is mirrored; what
 * is below it stays the real one's.  A name the host makes there later
 * does not show.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "run_private.h"

#define MIRROR STAGE "/mirror" /* where the next one is made */

/* The mirrored directories, in the order made.  The caller serializes
 * (run.c's lock, or no other thread yet). */
static GPtrArray *mirrors;

bool run_unprivileged(void)
{
	static int host = -1;

	/* No uid_map (-1): a kernel without user namespaces, so the host's. */
	if (host < 0)
		host = proc_host_userns(0) != 0;
	return !host;
}

/* @name of @dir in the mirror being made: a link copied, the rest bound. */
static int mirror_entry(const char *dir, const char *name)
{
	g_autofree char *real = g_strdup_printf("%s/%s", dir, name);
	g_autofree char *copy = g_strdup_printf(MIRROR "/%s", name);
	struct stat st;

	if (lstat(real, &st))
		return errno == ENOENT ? 0 : run_fail("cannot mirror", real);
	if (S_ISLNK(st.st_mode)) {
		g_autofree char *target = g_file_read_link(real, NULL);

		if (!target || symlink(target, copy))
			return run_fail("cannot copy the link", real);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(copy, 0755))
			return run_fail("cannot make", copy);
	} else {
		int fd = open(copy, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return run_fail("cannot make", copy);
		close(fd);
	}
	/* recursive: a directory may hold mounts, which come along */
	if (mount(real, copy, NULL, MS_BIND | MS_REC, NULL))
		return run_fail("cannot bind", real);
	return 0;
}

static int mirror_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return run_fail("cannot read", dir);
	while (!ret && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			ret = mirror_entry(dir, e->d_name);
	closedir(d);
	return ret;
}

/* Made at MIRROR, then moved over @dir and made shared, so that what the
 * daemon binds there later reaches COMMAND (also a mirror made later: the
 * run made the real mounts it lands on shared). */
int run_mirror(const char *dir)
{
	if (!mirrors)
		mirrors = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < mirrors->len; i++)
		if (!strcmp(g_ptr_array_index(mirrors, i), dir))
			return 0;
	if (run_make_dirs(MIRROR, NULL))
		return -1;
	if (mount("mdevfs", MIRROR, "ramfs", 0, "mode=0755"))
		return run_fail("cannot mount on", MIRROR);
	if (run_copy_mode(dir, MIRROR) || mirror_entries(dir)) {
		umount2(MIRROR, MNT_DETACH);
		return -1;
	}
	if (mount(MIRROR, dir, NULL, MS_MOVE, NULL)) {
		run_fail("cannot mirror", dir);
		umount2(MIRROR, MNT_DETACH);
		return -1;
	}
	g_ptr_array_add(mirrors, g_strdup(dir));
	if (mount(NULL, dir, NULL, MS_SHARED | MS_REC, NULL))
		return run_fail("cannot make shared", dir);
	return 0;
}

int run_mirror_for(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);

	return run_mirror(dir);
}

void run_mirrors_unmount(void)
{
	for (guint i = mirrors ? mirrors->len : 0; i-- > 0;)
		umount2(g_ptr_array_index(mirrors, i), MNT_DETACH);
	if (mirrors)
		g_ptr_array_free(g_steal_pointer(&mirrors), TRUE);
}
