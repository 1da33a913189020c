// SPDX-License-Identifier: MIT
/*
 * Users of a device: what the kernel's vfio core counts as open file
 * descriptors of a vfio device (a VM running on it).  A device in use is
 * not torn down: removal waits until the last user lets go, calling the
 * vendor's request hook at once and then every 10 seconds, as
 * vfio_unregister_group_dev() does.
 *
 * Users are the vendor's (mdevfs_device_get_user()) and holders (a
 * simulated VFIO user: `mdevfs ctl hold`, an open of /dev/vfio/N in
 * `mdevfs run`).  A holder is exclusive, as an open of a vfio group is:
 * none while the device has any other user or holder.  A holder that only
 * claims the group (a read-only open of /dev/vfio/N, libvirt's check that
 * nothing else has it) is not a user: a remove does not wait for it, as
 * the kernel's waits for a VM's device fd, not for an open group.
 * Counts and holder lists are under mdev_list_lock; users_cond is broadcast when a count drops to zero
 * or a waiter is interrupted.
 *
 * Unlike the kernel, where an interrupted task keeps waiting (uninter-
 * ruptibly) inside device_del(), a remove waits before it tears anything
 * down, so an interrupted writer gets EINTR and the device stays intact.
 * Parent unregistration waits uninterruptibly, as the kernel does.
 */
#include <errno.h>
#include <time.h>

#include "log.h"
#include "mdev.h"
#include "mdev_private.h"

#define REQUEST_INTERVAL_S 10

struct mdev_holder {
	struct mdevfs_device *mdev;
	bool use;               /* a user of the device, not only its group's */
	mdev_request_fn request;
	void *ctx;
};

static pthread_cond_t users_cond;

void mdev_users_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&users_cond, &attr);
	pthread_condattr_destroy(&attr);
}

void mdevfs_device_get_user(struct mdevfs_device *dev)
{
	lock_mutex(&mdev_list_lock);
	dev->users++;
	unlock_mutex(&mdev_list_lock);
}

/* Caller holds mdev_list_lock. */
static void put_user_locked(struct mdevfs_device *dev)
{
	lock_assert_held(&mdev_list_lock);
	if (!dev->users)
		log_warn("%s: a user let go that it never had", dev->name);
	else if (!--dev->users)
		pthread_cond_broadcast(&users_cond);
}

void mdevfs_device_put_user(struct mdevfs_device *dev)
{
	lock_mutex(&mdev_list_lock);
	put_user_locked(dev);
	unlock_mutex(&mdev_list_lock);
}

/* Holds @mdev, referenced: the reference goes with the hold, or is put
 * when there is none. */
static int hold_device(struct mdevfs_device *mdev, bool use,
		       mdev_request_fn request, void *ctx,
		       struct mdev_holder **out)
{
	struct mdev_holder *h;
	int ret = -ENODEV;

	/* Not once the parent's unregistration began: it may be past its
	 * wait for this device's users. */
	if (!lock_try_read(&mdev->parent->unreg_sem))
		goto out_put;
	lock_mutex(&mdev_list_lock);
	/* Only a created device that no remove has claimed can be opened,
	 * and only by one (vfio_group_fops_open(): EBUSY). */
	if (mdev_find_locked(mdev->uuid) != mdev || !mdev->active) {
		ret = -ENODEV;
	} else if (mdev->users || mdev->holders) {
		ret = -EBUSY;
	} else {
		h = g_new(struct mdev_holder, 1);
		h->mdev = mdev;
		h->use = use;
		h->request = request;
		h->ctx = ctx;
		mdev->holders = g_list_prepend(mdev->holders, h);
		if (use)
			mdev->users++;
		*out = h;
		ret = 0;
	}
	unlock_mutex(&mdev_list_lock);
	unlock_rw(&mdev->parent->unreg_sem);
out_put:
	if (ret)
		mdev_put(mdev);
	return ret;
}

int mdev_hold(const uuid_t uuid, mdev_request_fn request, void *ctx,
	      struct mdev_holder **out)
{
	struct mdevfs_device *mdev = mdev_get_by_uuid(uuid);

	return mdev ? hold_device(mdev, true, request, ctx, out) : -ENODEV;
}

int mdev_hold_group(int group, bool use, mdev_request_fn request, void *ctx,
		    struct mdev_holder **out)
{
	struct mdevfs_device *mdev = mdev_vfio_group_device(group);

	return mdev ? hold_device(mdev, use, request, ctx, out) : -ENOENT;
}

void mdev_unhold(struct mdev_holder *h)
{
	struct mdevfs_device *mdev = h->mdev;

	lock_mutex(&mdev_list_lock);
	mdev->holders = g_list_remove(mdev->holders, h);
	if (h->use)
		put_user_locked(mdev);
	unlock_mutex(&mdev_list_lock);
	kobj_put(&mdev->kobj);
	g_free(h);
}

void mdev_interrupt(struct mdev_waiter *w)
{
	lock_mutex(&mdev_list_lock);
	w->interrupted = true;
	pthread_cond_broadcast(&users_cond);
	unlock_mutex(&mdev_list_lock);
}

/* The vendor's request hook (unreg_sem held, mdev_list_lock not), then
 * every holder's (they must not block: they are called under
 * mdev_list_lock, which keeps them from going away meanwhile). */
static void request_release(struct mdevfs_device *mdev, unsigned int count)
{
	mdev_vendor_request(mdev, count);
	lock_mutex(&mdev_list_lock);
	for (GList *l = mdev->holders; l; l = l->next) {
		struct mdev_holder *h = l->data;

		h->request(h->ctx, count);
	}
	unlock_mutex(&mdev_list_lock);
}

/* Caller holds mdev_list_lock. */
static bool interrupted_locked(const struct mdev_waiter *w)
{
	lock_assert_held(&mdev_list_lock);
	return w && w->interrupted;
}

int mdev_wait_unused(struct mdevfs_device *mdev, struct mdev_store_ctx *sc)
{
	struct mdev_waiter *w = sc ? &sc->waiter : NULL;
	unsigned int count = 0;
	int ret = 0;

	lock_mutex(&mdev_list_lock);
	if (mdev->users && w && w->must_not_wait) {
		w->would_wait = true;
		unlock_mutex(&mdev_list_lock);
		return -EWOULDBLOCK;
	}
	while (mdev->users && !interrupted_locked(w)) {
		struct timespec deadline;

		unlock_mutex(&mdev_list_lock);
		if (!count)
			log_info("%s: in use, asking its users to release it",
				 mdev->name);
		request_release(mdev, count++);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += REQUEST_INTERVAL_S;
		lock_mutex(&mdev_list_lock);
		while (mdev->users && !interrupted_locked(w) &&
		       lock_timedwait(&users_cond, &mdev_list_lock,
					      &deadline) != ETIMEDOUT)
			;
	}
	if (mdev->users) {
		ret = -EINTR;
		log_info("%s: in use; the wait for its users was interrupted",
			 mdev->name);
	}
	unlock_mutex(&mdev_list_lock);
	return ret;
}
