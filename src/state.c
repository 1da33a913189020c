// SPDX-License-Identifier: MIT
/*
 * The state directory (see state.h and docs/crash-safety.md).
 *
 * One small file per device rather than an append log: a create or a
 * remove touches only its own file, so writers of different devices never
 * wait for each other (the core runs their hooks in parallel), there is
 * nothing to compact, and a torn file costs one device, which is then
 * reported by name.  A record is kept once its rename returned and gone
 * once its unlink returned: the kernel has it then, whatever becomes of
 * the daemon, and a daemon's death is what records are for (the devices
 * of a host that loses power are gone too).  With durable set (the
 * --durable-state option) it is so only once the file and the
 * directory were fsync()ed, and survives a power loss; that costs a disk
 * write or two per change.  The core serialises everything about one
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

#include "attr_io.h"
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
	bool durable; /* fsync() every record and the directory */
} st = { NULL, -1, -1, -1, false };

bool state_enabled(void)
{
	return st.devices_fd >= 0;
}

const char *state_dir(void)
{
	return st.dir;
}

int state_devices_fd(void)
{
	return st.devices_fd;
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

int state_open(const char *dir, bool durable)
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
	st.durable = durable;
	return 0;

out_close:
	(void)state_close(false);
	return ret;
}

/* fsync(@fd) when durable. */
static int sync_durable(int fd)
{
	return st.durable && fsync(fd) ? -errno : 0;
}

/* NAME.tmp written (and synced), renamed NAME (and the directory synced).
 * On an error NAME may have been replaced already (the directory's sync
 * failed): the caller puts back what was there. */
static int put_record(const char *name, const char *text)
{
	g_autofree char *tmp = g_strconcat(name, ".tmp", NULL);
	int fd, ret;

	fd = openat(st.devices_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, text, strlen(text));
	if (!ret)
		ret = sync_durable(fd);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(st.devices_fd, tmp, st.devices_fd, name))
		ret = -errno;
	if (ret) {
		unlinkat(st.devices_fd, tmp, 0);
		return ret;
	}
	return sync_durable(st.devices_fd);
}

/* NAME unlinked (and the directory synced); 0 if there was none. */
static int drop_record(const char *name)
{
	if (unlinkat(st.devices_fd, name, 0))
		return errno == ENOENT ? 0 : -errno;
	return sync_durable(st.devices_fd);
}

static bool record_exists(const char *name)
{
	return faccessat(st.devices_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Repairs: records that must be put back as they were (a text) or must
 * go (NULL) after a change failed halfway, or that a parent's
 * unregistration could not delete.  Until then the tree and the records
 * disagree, so each is tried again before every later change of the
 * directory and at the stop.  A change of a UUID's record drops its
 * repair first (the change says what the record must be now); @lock is
 * held while a repair runs, so the two never overlap.
 */
static struct {
	struct lock_mutex lock; /* a leaf (lock.h) */
	GHashTable *pending; /* name -> text or NULL; lock */
} repairs = { .lock = LOCK_MUTEX_INIT(LOCK_REPAIRS) };

static int repair_one(const char *name, const char *text)
{
	return text ? put_record(name, text) : drop_record(name);
}

static gboolean repaired(gpointer name, gpointer text, gpointer unused)
{
	(void)unused;
	return repair_one(name, text) == 0;
}

static void repairs_run(void)
{
	lock_mutex(&repairs.lock);
	if (repairs.pending && g_hash_table_size(repairs.pending))
		g_hash_table_foreach_remove(repairs.pending, repaired, NULL);
	unlock_mutex(&repairs.lock);
}

static void repair_later(const char *name, const char *text)
{
	lock_mutex(&repairs.lock);
	if (!repairs.pending)
		repairs.pending = g_hash_table_new_full(g_str_hash, g_str_equal,
							g_free, g_free);
	g_hash_table_replace(repairs.pending, g_strdup(name), g_strdup(text));
	unlock_mutex(&repairs.lock);
}

/* The start of every change of @name's record. */
static void repair_forget(const char *name)
{
	repairs_run();
	lock_mutex(&repairs.lock);
	if (repairs.pending)
		g_hash_table_remove(repairs.pending, name);
	unlock_mutex(&repairs.lock);
}

/* After a failed change: @name back to @text (NULL: none), now or later. */
static void put_back(const char *name, const char *text)
{
	int ret = repair_one(name, text);

	/* Unlinked, but the directory's sync failed: gone for any daemon
	 * that comes next. */
	if (!ret || (!text && !record_exists(name)))
		return;
	log_err("%s: cannot put its record in %s/devices back: %s; trying "
		"again at every change and at the stop", name, st.dir,
		g_strerror(-ret));
	repair_later(name, text);
}

/* The writer's errno for a failed change.  A state directory deleted
 * under the daemon makes every create fail with ENOENT, which a writer
 * would take for "no such type": EIO, and the log says why. */
static int change_failed(const char *name, const char *what, int ret)
{
	log_err("%s: cannot %s in %s/devices: %s", name, what, st.dir,
		g_strerror(-ret));
	if (ret != -ENOENT && ret != -ENOTDIR && ret != -ESTALE)
		return ret;
	log_err("state directory %s is gone (deleted under mdevfs?): creates "
		"fail until mdevfs is started again", st.dir);
	return -EIO;
}

static char *record_text(const struct mdevfs_device *mdev, bool bound)
{
	struct state_record r = {
		.parent = mdev->parent->name, .type = mdev->type->sysfs_name,
		.bound = bound, .group = mdev->group, .vfio = mdev->vfio,
	};
	size_t len;

	g_strlcpy(r.uuid, mdev->name, sizeof(r.uuid));
	return state_record_format(&r, &len);
}

/* @mdev recorded @bound; on a failure its record is put back as it was:
 * none before a create (@had_record false), bound before an unbind. */
static int change_record(const struct mdevfs_device *mdev, bool bound,
			 bool had_record, const char *what)
{
	g_autofree char *text = NULL, *old = NULL;
	int ret;

	if (!state_enabled())
		return 0;
	repair_forget(mdev->name);
	text = record_text(mdev, bound);
	ret = put_record(mdev->name, text);
	if (!ret)
		return 0;
	if (had_record)
		old = record_text(mdev, true);
	put_back(mdev->name, old);
	return change_failed(mdev->name, what, ret);
}

int state_device_created(const struct mdevfs_device *mdev)
{
	return change_record(mdev, true, false, "record it");
}

int state_device_unbound(const struct mdevfs_device *mdev)
{
	return change_record(mdev, false, true, "record it unbound");
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
	g_autofree char *text = NULL;
	int ret;

	if (!state_enabled())
		return 0;
	repair_forget(mdev->name);
	ret = drop_record(mdev->name);
	if (!ret)
		return 0;
	/* The device stays, whole and removable: so does its record (the
	 * unlink may have happened before the sync failed). */
	if (!record_exists(mdev->name)) {
		text = record_text(mdev, device_bound(mdev));
		put_back(mdev->name, text);
	}
	return change_failed(mdev->name, "drop its record", ret);
}

void state_device_gone(const struct mdevfs_device *mdev)
{
	int ret;

	if (!state_enabled())
		return;
	repair_forget(mdev->name);
	ret = drop_record(mdev->name);
	if (!ret || !record_exists(mdev->name))
		return;
	log_err("%s: removed with its parent, but its record in %s/devices "
		"cannot be deleted: %s; trying again at every change and at the "
		"stop", mdev->name, st.dir, g_strerror(-ret));
	repair_later(mdev->name, NULL);
}

static void close_fd_of(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The repairs left after a last try, each named: 0, or -EIO if any. */
static int repairs_report(void)
{
	GHashTableIter it;
	gpointer name, text;
	guint left;

	repairs_run();
	lock_mutex(&repairs.lock);
	left = repairs.pending ? g_hash_table_size(repairs.pending) : 0;
	if (left) {
		g_hash_table_iter_init(&it, repairs.pending);
		while (g_hash_table_iter_next(&it, &name, &text))
			log_err("state: %s/devices/%s %s; the next start goes by "
				"what is there", st.dir, (char *)name, text ?
				"could not be put back as it was" :
				"belongs to a removed device and could not be "
				"deleted: delete it, or the next start restores it");
	}
	g_clear_pointer(&repairs.pending, g_hash_table_destroy);
	unlock_mutex(&repairs.lock);
	return left ? -EIO : 0;
}

int state_close(bool forget)
{
	int ret = st.dir ? repairs_report() : 0;

	/* After a clean stop devices/ is empty unless records were set
	 * aside; an empty directory is left to nobody. */
	if (forget && st.dir && unlinkat(st.dir_fd, "devices", AT_REMOVEDIR) == 0 &&
	    unlinkat(st.dir_fd, "lock", 0) == 0)
		rmdir(st.dir);
	close_fd_of(&st.devices_fd);
	close_fd_of(&st.lock_fd);
	close_fd_of(&st.dir_fd);
	g_clear_pointer(&st.dir, g_free);
	return ret;
}
