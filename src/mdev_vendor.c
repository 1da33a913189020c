// SPDX-License-Identifier: MIT
/*
 * Every call into a vendor (see mdev_vendor.h for the boundary and each
 * call's context).  Nothing here decides anything about the tree: a
 * wrapper checks that the vendor is still there, lets the fault layer
 * have its say, calls the hook if there is one and vets what it returns.
 * First of all it checks the call's context against the lock table.
 */
#include <errno.h>
#include <stdatomic.h>

#include "lock.h"
#include "log.h"
#include "mdev_fault.h"
#include "mdev_private.h"
#include "mdev_vendor.h"

/*
 * The locks of the table (lock.h) each kind of hook may run under, a part
 * of its "hook" column; mdev_vendor.h says who holds them and why.
 */
#define UNDER_CONFIG 0u                       /* parent_init, type_init */
#define UNDER_DAEMON LOCK_BIT(LOCK_DAEMON)    /* parent_start/status/fini */
#define UNDER_LIFE   LOCK_BIT(LOCK_UNREG)     /* probe ... request */
#define UNDER_SHOW   (LOCK_BIT(LOCK_OPEN_FILE) | LOCK_BIT(LOCK_ACTIVE))
#define UNDER_STORE  LOCK_BIT(LOCK_ACTIVE)    /* attr_store */

/* Before @hook: no lock held but @may_hold, and @held (if any) held. */
static void context(const char *hook, unsigned int may_hold,
		    const struct lock_rw *held)
{
	lock_assert_hook_ok(hook, may_hold);
	if (held)
		lock_assert_held(held);
}

static const struct mdevfs_backend *ops(const struct mdevfs_parent *parent)
{
	return parent->backend;
}

/* The hardware went away (mdev_parent_vanish()): no new call starts. */
static bool vanished(const struct mdevfs_parent *parent)
{
	return atomic_load(&parent->vanished);
}

/* Hooks return 0 or -errno; a positive value is a vendor's bug, which
 * must not reach a writer as a byte count or a success. */
static int checked(const struct mdevfs_device *mdev, const char *hook, int ret)
{
	if (ret <= 0)
		return ret;
	log_warn("%s: backend %s %s returned %d, not an errno", mdev->name,
		 ops(mdev->parent)->name, hook, ret);
	return -EINVAL;
}

/* ---- configuration ---------------------------------------------------- */

int mdev_vendor_parent_init(struct mdevfs_parent *parent,
			    struct mdevfs_settings *settings)
{
	const struct mdevfs_backend *be = ops(parent);

	context("parent_init", UNDER_CONFIG, NULL);
	return be->parent_init ? be->parent_init(parent, settings) : 0;
}

int mdev_vendor_type_init(struct mdevfs_type *type,
			  struct mdevfs_settings *settings)
{
	const struct mdevfs_backend *be = ops(type->parent);

	context("type_init", UNDER_CONFIG, NULL);
	return be->type_init ? be->type_init(type, settings) : 0;
}

void mdev_vendor_parent_fini(struct mdevfs_parent *parent)
{
	const struct mdevfs_backend *be = ops(parent);

	context("parent_fini", UNDER_DAEMON, NULL);
	if (be->parent_fini)
		be->parent_fini(parent);
}

void mdev_vendor_parent_start(struct mdevfs_parent *parent)
{
	const struct mdevfs_backend *be = ops(parent);

	context("parent_start", UNDER_DAEMON, NULL);
	if (be->parent_start)
		be->parent_start(parent);
}

ssize_t mdev_vendor_parent_status(struct mdevfs_parent *parent, char *buf,
				  size_t size)
{
	const struct mdevfs_backend *be = ops(parent);

	context("parent_status", UNDER_DAEMON, NULL);
	if (!be->parent_status) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	return be->parent_status(parent, buf, size);
}

/* ---- a device's life cycle -------------------------------------------- */

int mdev_vendor_probe(struct mdevfs_device *mdev)
{
	const struct mdevfs_backend *be = ops(mdev->parent);
	int ret;

	context("probe", UNDER_LIFE, &mdev->parent->unreg_sem);
	if (vanished(mdev->parent))
		return -ENODEV;
	mdev_fault_probe_delay(mdev->type);
	/* It may have gone while the vendor was being slow. */
	if (vanished(mdev->parent))
		return -ENODEV;
	ret = mdev_fault_probe_error(mdev->type);
	if (ret || !be->probe)
		return ret;
	return checked(mdev, "probe", be->probe(mdev));
}

int mdev_vendor_adopt(struct mdevfs_device *mdev)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("adopt", UNDER_LIFE, &mdev->parent->unreg_sem);
	if (vanished(mdev->parent))
		return -ENODEV;
	if (!be->adopt)
		return -EOPNOTSUPP;
	return checked(mdev, "adopt", be->adopt(mdev));
}

int mdev_vendor_init(struct mdevfs_device *mdev)
{
	const struct mdevfs_backend *be = ops(mdev->parent);
	int ret;

	context("init", UNDER_LIFE, &mdev->parent->unreg_sem);
	if (!be->init)
		return 0;
	ret = checked(mdev, "init", be->init(mdev));
	if (!ret)
		mdev->inited = true;
	else if (be->remove)
		be->remove(mdev);
	return ret;
}

void mdev_vendor_remove(struct mdevfs_device *mdev)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("remove", UNDER_LIFE, &mdev->parent->unreg_sem);
	mdev_fault_remove_delay(mdev->type);
	if (be->remove)
		be->remove(mdev);
}

void mdev_vendor_release(struct mdevfs_device *mdev)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("release", UNDER_LIFE, NULL);
	if (mdev->inited && be->release)
		be->release(mdev);
	mdev->inited = false;
}

void mdev_vendor_request(struct mdevfs_device *mdev, unsigned int count)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("request", UNDER_LIFE, &mdev->parent->unreg_sem);
	if (be->request)
		be->request(mdev, count);
}

/* ---- what the tree shows ---------------------------------------------- */

unsigned int mdev_vendor_get_available(struct mdevfs_type *type)
{
	const struct mdevfs_backend *be = ops(type->parent);

	context("get_available", UNDER_SHOW, &type->parent->active_sem);
	if (vanished(type->parent) || !be->get_available)
		return 0;
	return be->get_available(type);
}

ssize_t mdev_vendor_show_description(struct mdevfs_type *type, char *buf,
				     size_t size)
{
	const struct mdevfs_backend *be = ops(type->parent);

	context("show_description", UNDER_SHOW, &type->parent->active_sem);
	if (vanished(type->parent))
		return -ENODEV;
	if (!be->show_description)
		return -ENOENT;
	return be->show_description(type, buf, size);
}

ssize_t mdev_vendor_attr_show(struct mdevfs_device *mdev, unsigned int attr,
			      char *buf, size_t size)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("attr_show", UNDER_SHOW, &mdev->active_sem);
	if (vanished(mdev->parent))
		return -ENODEV;
	if (!be->attr_show)
		return -EIO;
	return be->attr_show(mdev, attr, buf, size);
}

ssize_t mdev_vendor_attr_store(struct mdevfs_device *mdev, unsigned int attr,
			       const char *buf, size_t count)
{
	const struct mdevfs_backend *be = ops(mdev->parent);

	context("attr_store", UNDER_STORE, &mdev->active_sem);
	if (vanished(mdev->parent))
		return -ENODEV;
	if (!be->attr_store)
		return -EIO;
	return be->attr_store(mdev, attr, buf, count);
}

/* ---- which hooks a vendor has ----------------------------------------- */

bool mdev_vendor_has_get_available(const struct mdevfs_parent *parent)
{
	return ops(parent)->get_available != NULL;
}

bool mdev_vendor_has_show_description(const struct mdevfs_parent *parent)
{
	return ops(parent)->show_description != NULL;
}

bool mdev_vendor_has_attr_show(const struct mdevfs_parent *parent)
{
	return ops(parent)->attr_show != NULL;
}

bool mdev_vendor_has_attr_store(const struct mdevfs_parent *parent)
{
	return ops(parent)->attr_store != NULL;
}

bool mdev_vendor_has_parent_status(const struct mdevfs_parent *parent)
{
	return ops(parent)->parent_status != NULL;
}
