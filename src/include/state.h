/* SPDX-License-Identifier: MIT */
/*
 * Crash safety (docs/crash-safety.md): every device the core creates is
 * recorded in a state directory before its create is acknowledged, and the
 * record goes before its remove is acknowledged.  A daemon started again
 * after a crash restores the recorded devices, with their numbers, through
 * the vendor's adopt() hook.
 *
 * Layout: DIR/lock (held with flock() while a daemon uses DIR) and
 * DIR/devices/UUID, one record per device, written to UUID.tmp and renamed
 * (each fsynced too when durable).  Records that cannot be trusted or
 * restored are renamed UUID.corrupt or UUID.orphan and reported.
 */
#ifndef MDEVFS_STATE_H
#define MDEVFS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <uuid/uuid.h>

struct mdevfs_device;

/* ---- the record format (state_format.c) ---- */

#define STATE_RECORD_MAGIC "mdevfs-device-record"
#define STATE_RECORD_VERSION 1
/* Numbers above this are not ones mdevfs hands out: a corrupt record. */
#define STATE_MAX_NUMBER (1 << 20)
/* No record is larger (they are about 250 bytes): a larger file is not
 * read. */
#define STATE_MAX_RECORD 4096

struct state_record {
	char uuid[UUID_STR_LEN];  /* lowercase */
	char *parent;             /* the parent's device name */
	char *type;               /* the type's sysfs name ("2" of mtty-2) */
	bool bound;               /* has a driver, and so the numbers: */
	int group;                /* iommu group (-1 unbound) */
	int vfio;                 /* vfio-dev number (-1 unbound) */
};

/* The record's text: magic and version, the fields, and a SHA-256 of all
 * that as its last line.  g_free() it. */
char *state_record_format(const struct state_record *r, size_t *len);
/* 0 and @r filled (free with state_record_clear()), or -EINVAL with a
 * g_free()able sentence in *@why saying what is wrong with @text. */
int state_record_parse(const char *text, size_t len, struct state_record *r,
		       char **why);
void state_record_clear(struct state_record *r);

/* ---- the state directory (state.c) ---- */

/* Creates @dir (and its parents) if needed and takes it for this daemon:
 * 0, or -errno after logging why (in use by another mdevfs, say).
 * @durable: every record and unlink fsynced, to survive a power loss. */
int state_open(const char *dir, bool durable);
/* Lets the directory go.  @forget: a clean stop, whose devices were all
 * removed; the directory goes too if nothing else is left in it.  -EIO
 * (each named in the log) if records that had to be repaired could not
 * be: the next start goes by what is on disk. */
int state_close(bool forget);
bool state_enabled(void);
const char *state_dir(void);
/* state_recover.c's way in: devices/ of the open directory. */
int state_devices_fd(void);

/* The core's hooks, no-ops while no directory is open.  Each keeps "a
 * device is there if and only if its record is": a change that fails
 * puts the record back as it was (or, if even that fails, tries again
 * before every later change and at the stop) and returns the writer's
 * -errno.  Created: the record is on disk when it returns 0.  Removed
 * (by its user): the record is gone when it returns 0, else the device
 * stays and so does its record.  Unbound from its driver (the kernel's
 * unbind): recorded without numbers, before they are freed, so a restore
 * does not claim them. */
int state_device_created(const struct mdevfs_device *mdev);
int state_device_removed(const struct mdevfs_device *mdev);
int state_device_unbound(const struct mdevfs_device *mdev);
/* Removed with its parent (unregistration, a vanished parent, the stop),
 * which nothing can refuse: the record goes, or is deleted later. */
void state_device_gone(const struct mdevfs_device *mdev);

/* After the configuration's parents are registered: every record back as
 * a device, or set aside with a message.  The number restored. */
unsigned int state_recover(void);

/* The default directory for @mountpoint: /run/mdevfs/ESCAPED as root,
 * else $XDG_RUNTIME_DIR/mdevfs/ESCAPED (NULL without it); ESCAPED is the
 * absolute path escaped as systemd-escape --path does (/mnt/mdevfs:
 * mnt-mdevfs). */
char *state_default_dir(const char *mountpoint);
char *state_escape_path(const char *path);

#endif /* MDEVFS_STATE_H */
