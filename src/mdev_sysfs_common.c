// SPDX-License-Identifier: MIT
/* Attributes and helpers that several tables share: power/, empty and
 * zero files, devices named by UUID, nodes of the root (the uevent files'
 * store is mdev_uevent.c's). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "mdev.h"
#include "mdev_sysfs.h"
#include "parse.h"

ssize_t emit(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PAGE_SIZE, fmt, ap);
	va_end(ap);
	return n < PAGE_SIZE ? n : PAGE_SIZE - 1;
}

ssize_t show_zero(struct kobj *obj, const struct sysfs_entry *ent, char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "0\n");
}

ssize_t show_empty(struct kobj *obj, const struct sysfs_entry *ent, char *buf)
{
	(void)obj, (void)ent;
	buf[0] = '\0';
	return 0;
}

/* The flag bit @ent->priv of @obj, read under sysfs_rwsem. */
static bool power_flag(struct kobj *obj, const struct sysfs_entry *ent)
{
	bool set;

	sysfs_read_lock();
	set = obj->flags & ent->priv;
	sysfs_read_unlock();
	return set;
}

/* Sets the flag bit @ent->priv for @on, clears it for @off. */
static ssize_t power_flag_store(struct kobj *obj, const struct sysfs_entry *ent,
				const char *buf, size_t count,
				struct mdev_store_ctx *sc, const char *on,
				const char *off)
{
	if (sysfs_streq(buf, on))
		sysfs_update(obj, ent->priv, 0, sc);
	else if (sysfs_streq(buf, off))
		sysfs_update(obj, 0, ent->priv, sc);
	else
		return -EINVAL;
	return (ssize_t)count;
}

/* power/: a device whose runtime PM is not enabled. */
ssize_t power_status_show(struct kobj *obj, const struct sysfs_entry *ent,
			  char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "unsupported\n");
}

ssize_t power_autosuspend_show(struct kobj *obj, const struct sysfs_entry *ent,
			       char *buf)
{
	(void)obj, (void)ent;
	buf[0] = '\0';
	return -EIO; /* !dev->power.use_autosuspend */
}

ssize_t power_autosuspend_store(struct kobj *obj, const struct sysfs_entry *ent,
				const char *buf, size_t count,
				struct mdev_store_ctx *sc)
{
	(void)obj, (void)ent, (void)buf, (void)count, (void)sc;
	return -EIO;
}

ssize_t power_control_show(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf)
{
	return emit(buf, power_flag(obj, ent) ? "on\n" : "auto\n");
}

ssize_t power_control_store(struct kobj *obj, const struct sysfs_entry *ent,
			    const char *buf, size_t count,
			    struct mdev_store_ctx *sc)
{
	return power_flag_store(obj, ent, buf, count, sc, "on", "auto");
}

/* async: dev->power.async_suspend, off for these devices. */
ssize_t power_async_show(struct kobj *obj, const struct sysfs_entry *ent,
			 char *buf)
{
	return emit(buf, power_flag(obj, ent) ? "enabled\n" : "disabled\n");
}

ssize_t power_async_store(struct kobj *obj, const struct sysfs_entry *ent,
			  const char *buf, size_t count,
			  struct mdev_store_ctx *sc)
{
	return power_flag_store(obj, ent, buf, count, sc, "enabled", "disabled");
}

/* Runtime PM stays disabled; control=on (pm_runtime_forbid()) also
 * forbids it and takes a usage count, which control=auto gives back.
 * @ent->priv is the control flag's bit. */
ssize_t power_enabled_show(struct kobj *obj, const struct sysfs_entry *ent,
			   char *buf)
{
	return emit(buf, power_flag(obj, ent) ? "disabled & forbidden\n"
					      : "disabled\n");
}

ssize_t power_usage_show(struct kobj *obj, const struct sysfs_entry *ent,
			 char *buf)
{
	return emit(buf, "%d\n", power_flag(obj, ent) ? 1 : 0);
}

/* A device named by its lowercase UUID; caller holds sysfs_rwsem. */
int uuid_name_lookup(const char *name, struct mdevfs_device **mdev)
{
	char canon[UUID_STR_LEN];
	uuid_t uuid;

	if (strlen(name) != UUID_STRING_LEN || !uuid_string_valid(name) ||
	    uuid_parse(name, uuid))
		return -ENOENT;
	uuid_unparse_lower(uuid, canon);
	if (strcmp(canon, name) != 0)
		return -ENOENT;
	/* The device found stays while sysfs_rwsem is held (lock.h). */
	sysfs_assert_locked();
	lock_mutex(&mdev_list_lock);
	*mdev = mdev_find_locked(uuid);
	unlock_mutex(&mdev_list_lock);
	return *mdev ? 0 : -ENOENT;
}

void root_node(unsigned int slot, struct sysfs_node *dir)
{
	*dir = (struct sysfs_node){ mdev_root(), slot };
}

void pathdir_or_root(struct mdev_pathdir *dir, struct sysfs_node *node)
{
	if (dir == mdev_devices_dir())
		root_node(R_DEVICES, node);
	else
		*node = (struct sysfs_node){ &dir->kobj, PD_DIR };
}

/* The next object of the name tree @tree after @after, as entry @slot. */
bool tree_next(struct name_tree *tree, const struct sysfs_key *after, unsigned int slot,
	       struct sysfs_node *child, const struct sysfs_key **key,
	       void **cursor)
{
	struct kobj *obj = name_tree_next(tree, after, key, cursor);

	if (!obj)
		return false;
	*child = (struct sysfs_node){ obj, slot };
	return true;
}
