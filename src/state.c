// SPDX-License-Identifier: MIT
/*
 * The state directory (see state.h and docs/crash-safety.md).
 *
 * One small file per device rather than an append log: a create or a
 * remove touches only its own file, so writers of different devices never
 * wait for each other (the core runs their hooks in parallel), there is
 * nothing to compact, and a torn file costs one device, which is then
 * reported by name.  A record is durable once its rename and the
 * directory's fsync() returned; it is gone once its unlink and the
 * directory's fsync() returned.  The core serialises everything about one
 * UUID (it is reserved from create to release), so two hooks never race
 * on one file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mdev.h"
#include "mdev_private.h"
#include "state.h"

/* Set before the writers start and cleared after they stopped. */
static struct {
	char *dir;
	int dir_fd;
	int devices_fd;
	int lock_fd;
} st = { NULL, -1, -1, -1 };

bool state_enabled(void)
{
	return st.devices_fd >= 0;
}

const char *state_dir(void)
{
	return st.dir;
}

static int fail(const char *what, const char *path)
{
	int err = errno;

	log_err("state directory: %s %s: %s", what, path, g_strerror(err));
	return -err;
}

/* The lock: a second daemon on the same directory is refused, and a
 * killed one lets go of it with its last file descriptor.  That can come
 * a moment after its mount died: a restart waits for it up to a second. */
static int take_lock(const char *dir)
{
	st.lock_fd = openat(st.dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st.lock_fd < 0)
		return fail("cannot open the lock in", dir);
	for (int i = 0; i < 20; i++) {
		if (flock(st.lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			break;
		g_usleep(50000);
	}
	if (errno == EWOULDBLOCK) {
		log_err("state directory %s is in use by another mdevfs", dir);
		return -EBUSY;
	}
	return fail("cannot lock", dir);
}

int state_open(const char *dir)
{
	int ret;

	if (st.dir_fd >= 0)
		return -EALREADY;
	if (g_mkdir_with_parents(dir, 0700))
		return fail("cannot create", dir);
	st.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.dir_fd < 0)
		return fail("cannot open", dir);
	ret = take_lock(dir);
	if (ret)
		goto out_close;
	if (mkdirat(st.dir_fd, "devices", 0700) && errno != EEXIST) {
		ret = fail("cannot create devices/ in", dir);
		goto out_close;
	}
	st.devices_fd = openat(st.dir_fd, "devices",
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.devices_fd < 0) {
		ret = fail("cannot open devices/ in", dir);
		goto out_close;
	}
	/* devices/ itself survives a crash from now on */
	if (fsync(st.dir_fd)) {
		ret = fail("cannot sync", dir);
		goto out_close;
	}
	st.dir = g_strdup(dir);
	return 0;

out_close:
	state_close(false);
	return ret;
}

static void close_fd_of(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void state_close(bool forget)
{
	/* After a clean stop devices/ is empty unless records were set
	 * aside; an empty directory is left to nobody. */
	if (forget && st.dir && unlinkat(st.dir_fd, "devices", AT_REMOVEDIR) == 0 &&
	    unlinkat(st.dir_fd, "lock", 0) == 0)
		rmdir(st.dir);
	close_fd_of(&st.devices_fd);
	close_fd_of(&st.lock_fd);
	close_fd_of(&st.dir_fd);
	g_clear_pointer(&st.dir, g_free);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* NAME.tmp written and synced, renamed NAME, the directory synced. */
static int write_durably(const char *name, const char *text, size_t len)
{
	g_autofree char *tmp = g_strconcat(name, ".tmp", NULL);
	int fd, ret;

	fd = openat(st.devices_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, text, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(st.devices_fd, tmp, st.devices_fd, name))
		ret = -errno;
	if (ret) {
		unlinkat(st.devices_fd, tmp, 0);
		return ret;
	}
	return fsync(st.devices_fd) ? -errno : 0;
}

static int record_device(const struct mdevfs_device *mdev, bool bound)
{
	struct state_record r = {
		.parent = mdev->parent->name, .type = mdev->type->sysfs_name,
		.bound = bound, .group = mdev->group, .vfio = mdev->vfio,
	};
	g_autofree char *text = NULL;
	size_t len;
	int ret;

	g_strlcpy(r.uuid, mdev->name, sizeof(r.uuid));
	text = state_record_format(&r, &len);
	ret = write_durably(mdev->name, text, len);
	if (ret)
		log_err("%s: cannot record it in %s/devices: %s", mdev->name,
			st.dir, g_strerror(-ret));
	return ret;
}

int state_device_created(const struct mdevfs_device *mdev)
{
	return state_enabled() ? record_device(mdev, true) : 0;
}

int state_device_unbound(const struct mdevfs_device *mdev)
{
	return state_enabled() ? record_device(mdev, false) : 0;
}

static bool device_bound(const struct mdevfs_device *mdev)
{
	bool bound;

	sysfs_read_lock();
	bound = mdev->kobj.flags & DEV_F_DRIVER;
	sysfs_read_unlock();
	return bound;
}

int state_device_removed(const struct mdevfs_device *mdev)
{
	int ret = 0;

	if (!state_enabled())
		return 0;
	if ((unlinkat(st.devices_fd, mdev->name, 0) && errno != ENOENT) ||
	    fsync(st.devices_fd))
		ret = -errno;
	if (!ret)
		return 0;
	log_err("%s: cannot drop its record in %s/devices: %s", mdev->name,
		st.dir, g_strerror(-ret));
	/* Unlinked but perhaps not for good: the device stays, so does its
	 * record (the write says why it cannot, if it cannot). */
	if (faccessat(st.devices_fd, mdev->name, F_OK, 0))
		record_device(mdev, device_bound(mdev));
	return ret;
}

/* ---- recovery ---------------------------------------------------------- */

/* Renames @name NAME.SUFFIX (NAME.SUFFIX.1, ... if taken): kept for a
 * person to look at, never read again. */
static char *set_aside(const char *name, const char *suffix)
{
	for (int i = 0; i < 100; i++) {
		g_autofree char *to = i ? g_strdup_printf("%s.%s.%d", name, suffix, i) :
					  g_strdup_printf("%s.%s", name, suffix);

		if (renameat2(st.devices_fd, name, st.devices_fd, to,
			      RENAME_NOREPLACE) == 0) {
			fsync(st.devices_fd);
			return g_build_filename(st.dir, "devices", to, NULL);
		}
		if (errno != EEXIST)
			break;
	}
	log_err("state directory: cannot set %s/devices/%s aside: %s", st.dir,
		name, g_strerror(errno));
	return g_strdup("(not moved)");
}

static struct mdevfs_type *find_type(const char *parent, const char *type,
				     char **why)
{
	struct mdevfs_type *found = NULL;
	struct mdevfs_parent *p = NULL;
	uint64_t pos = 0;
	struct kobj *obj;

	sysfs_read_lock();
	for (; (obj = id_tree_next(mdev_all_parents(), &pos)); pos++)
		if (!strcmp(to_parent(obj)->name, parent)) {
			p = to_parent(obj);
			break;
		}
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

/* Reads and checks devices/@name: 0, or -EINVAL with *@why. */
static int read_record(const char *name, struct state_record *r, char **why)
{
	g_autofree char *path = g_build_filename(st.dir, "devices", name, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &err)) {
		*why = g_strdup(err->message);
		return -EINVAL;
	}
	if (state_record_parse(text, len, r, why))
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
			st.dir, name, why, aside);
		return false;
	}
	type = find_type(r.parent, r.type, &why);
	uuid_parse(r.uuid, uuid);
	ret = type ? mdev_device_restore(type, uuid, r.group, r.vfio) : -ENOENT;
	if (ret) {
		aside = set_aside(name, "orphan");
		log_err("state: %s/devices/%s: device %s (%s %s) not restored: %s; "
			"record moved to %s", st.dir, name, r.uuid, r.parent, r.type,
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
	int fd = openat(st.devices_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *de;

	if (!dir) {
		fail("cannot list devices/ in", st.dir);
		if (fd >= 0)
			close(fd);
		return names;
	}
	while ((de = readdir(dir))) {
		if (g_str_has_suffix(de->d_name, ".tmp")) {
			log_info("state: %s/devices/%s: a create never acknowledged; "
				 "deleted", st.dir, de->d_name);
			unlinkat(st.devices_fd, de->d_name, 0);
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
			 names->len, st.dir);
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
