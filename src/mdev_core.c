// SPDX-License-Identifier: MIT
/*
 * The mdev life cycle, in the current kernel's order of operations
 * (drivers/vfio/mdev/mdev_core.c, 6.1+):
 *
 *  create: reserve the UUID under mdev_list_lock (EEXIST), take an
 *          instance from the core counter (EUSERS), trylock the parent's
 *          unreg_sem (ENODEV), device_add, bind and probe, record it in
 *          the state directory, type links, then mark the device active.
 *  remove: claim it under mdev_list_lock (ENODEV, EAGAIN while not
 *          active), trylock unreg_sem (ENODEV), wait while it is in use
 *          (EINTR), drop its record, type links, device_del (unbind,
 *          vendor remove), release the UUID.
 *  unregister: unreg_sem exclusive waits for in-flight creates and removes,
 *          then every child goes, whatever fails, once its users let go.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mdev_private.h"
#include "parse.h"
#include "state.h"

struct lock_mutex mdev_list_lock = LOCK_MUTEX_INIT(LOCK_MDEV_LIST);
/* uuid -> device, from reservation to release: mdev_list_lock; entries
 * leave under sysfs_rwsem as well, so its readers may use them */
static GHashTable *mdev_uuids;
static struct name_tree *all_devices;  /* name -> device with DEV_F_CORE; sysfs_rwsem */
static struct name_tree *all_parents;  /* name -> parent with PARENT_F_CLASS_LINK; ditto */
static struct kobj root;
static struct mdev_host_ops host; /* set at init */

/* All 16 bytes: UUIDs made by scripts and tests often share a prefix and
 * count up at the end, and a hash of the first bytes alone would put them
 * all in one chain (bench/: one create at 10,000 devices cost 2.7 times
 * one at 0). */
static guint uuid_hash(gconstpointer key)
{
	guint64 w[2];

	memcpy(w, key, sizeof(w));
	w[0] ^= w[1] * 0x9e3779b97f4a7c15ull;
	return (guint)(w[0] ^ (w[0] >> 32));
}

static gboolean uuid_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(uuid_t)) == 0;
}

void mdev_core_init(const struct mdev_host_ops *ops)
{
	host = ops ? *ops : (struct mdev_host_ops){ 0 };
	kobj_init(&root, &root_ktype);
	root.flags = ~0u;
	sysfs_init(&root, host.entry_gone, host.attr_changed, host.ctx);
	mdev_uuids = g_hash_table_new(uuid_hash, uuid_equal);
	all_devices = name_tree_new();
	all_parents = name_tree_new();
	mdev_tree_init();
	mdev_vfio_init();
	mdev_users_init();
}

void mdev_core_fini(void)
{
	mdev_vfio_fini();
	mdev_tree_fini();
	name_tree_free(all_parents);
	name_tree_free(all_devices);
	g_hash_table_destroy(mdev_uuids);
	sysfs_fini();
	host = (struct mdev_host_ops){ 0 };
}

struct kobj *mdev_root(void) { return &root; }
const struct mdev_host_ops *mdev_host(void) { return &host; }
struct name_tree *mdev_all_devices(void) { return all_devices; }
struct name_tree *mdev_all_parents(void) { return all_parents; }

unsigned int mdev_device_count(void)
{
	unsigned int n;

	sysfs_read_lock();
	n = (unsigned int)name_tree_size(all_devices);
	sysfs_read_unlock();
	return n;
}

struct mdevfs_device *mdev_find_locked(const uuid_t uuid)
{
	lock_assert_held(&mdev_list_lock);
	return g_hash_table_lookup(mdev_uuids, uuid);
}

struct mdevfs_device *mdev_get_by_uuid(const uuid_t uuid)
{
	struct mdevfs_device *mdev;

	lock_mutex(&mdev_list_lock);
	mdev = mdev_find_locked(uuid);
	if (mdev)
		kobj_get(&mdev->kobj);
	unlock_mutex(&mdev_list_lock);
	return mdev;
}

void mdev_put(struct mdevfs_device *mdev)
{
	kobj_put(&mdev->kobj);
}

int mdev_register_parent(struct mdevfs_parent *parent)
{
	sysfs_write_lock();
	if (!(parent->kobj.flags & PARENT_F_DEVICE) ||
	    (parent->kobj.flags & PARENT_F_TYPES)) {
		sysfs_write_unlock();
		return -EEXIST;
	}
	lock_mutex(&mdev_list_lock);
	parent->available = parent->core_counts ? parent->max_instances : 0;
	unlock_mutex(&mdev_list_lock);
	/* mdev_supported_types with every type, then the compat link */
	sysfs_update_locked(&parent->kobj, PARENT_F_TYPES, 0, NULL);
	for (unsigned int i = 0; i < parent->ntypes; i++)
		sysfs_update_locked(&parent->types[i]->kobj, OBJ_F_VISIBLE, 0,
				    NULL);
	kobj_tree_insert(all_parents, &parent->kobj);
	sysfs_update_locked(&parent->kobj, PARENT_F_CLASS_LINK, 0, NULL);
	sysfs_write_unlock();
	mdev_log_parent(parent, "Registered");
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_CHANGE,
			 (const char *const[]){ "MDEV_STATE=registered", NULL },
			 NULL);
	mdev_parent_announce_module(parent);
	return 0;
}

static bool parent_registered(struct mdevfs_parent *parent)
{
	bool ret;

	sysfs_read_lock();
	ret = parent->kobj.flags & PARENT_F_TYPES;
	sysfs_read_unlock();
	return ret;
}

/* device_add(): the directory with its core files and the bus link, then
 * the add uevent. */
static void mdev_device_add(struct mdevfs_device *mdev,
			    const struct mdev_store_ctx *sc)
{
	sysfs_write_lock();
	kobj_tree_insert(mdev->parent->devices, &mdev->kobj);
	kobj_tree_insert(all_devices, &mdev->kobj);
	sysfs_update_locked(&mdev->kobj, DEV_F_DIR | DEV_F_CORE | DEV_F_REMOVE, 0,
			    sc);
	sysfs_write_unlock();
	mdev_send_uevent(&mdev->kobj, mdev_device_uevent, KOBJ_ADD, NULL, sc);
}

/* device_driver_attach(): the driver links, the vendor probe, the vfio
 * device it registers, the driver's attribute groups, the bind uevent.  A
 * failed probe sends nothing: the caller's device_del() sends remove. */
static int mdev_device_attach(struct mdevfs_device *mdev,
			      const struct mdev_store_ctx *sc)
{
	int ret;

	sysfs_write_lock();
	kobj_tree_insert(mdev->parent->driver->devices, &mdev->kobj);
	sysfs_update_locked(&mdev->kobj, DEV_F_DRIVER, 0, sc);
	sysfs_write_unlock();
	ret = mdev->adopt ? mdev_vendor_adopt(mdev) : mdev_vendor_probe(mdev);
	if (!ret)
		ret = mdev_vendor_init(mdev);
	if (ret)
		goto out_unbind;
	ret = mdev_vfio_register(mdev, sc);
	if (ret)
		goto out_remove;
	sysfs_update(&mdev->kobj, DEV_F_VENDOR, 0, sc);
	mdev_send_uevent(&mdev->kobj, mdev_device_uevent, KOBJ_BIND, NULL, sc);
	mdev_log_device(mdev->name, mdev->type, "bound", 0);
	return 0;

out_remove:
	mdev_vendor_remove(mdev);
out_unbind:
	sysfs_write_lock();
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_DRIVER, sc);
	kobj_tree_remove(mdev->parent->driver->devices, &mdev->kobj);
	sysfs_write_unlock();
	mdev_log_device(mdev->name, mdev->type, "bind", ret);
	return ret;
}

/* __device_release_driver(): links and vendor attributes go, in-flight
 * vendor attribute calls drain, the vendor's remove, the unbind uevent. */
static void mdev_device_release_driver(struct mdevfs_device *mdev,
				       const struct mdev_store_ctx *sc)
{
	bool bound;

	sysfs_write_lock();
	bound = mdev->kobj.flags & DEV_F_DRIVER;
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_DRIVER | DEV_F_VENDOR, sc);
	if (bound)
		kobj_tree_remove(mdev->parent->driver->devices, &mdev->kobj);
	sysfs_write_unlock();
	if (!bound)
		return;
	sysfs_drain(&mdev->kobj);
	mdev_vfio_unregister(mdev, sc);
	mdev_vendor_remove(mdev);
	mdev_send_uevent(&mdev->kobj, mdev_device_uevent, KOBJ_UNBIND, NULL, sc);
	mdev_log_device(mdev->name, mdev->type, "unbound", 0);
}

/* device_del(): core files and bus link, the driver, the remove uevent,
 * then the directory: a monitor that looks when remove arrives finds the
 * directory there and empty, as on the kernel. */
static void mdev_device_del(struct mdevfs_device *mdev,
			    const struct mdev_store_ctx *sc)
{
	sysfs_write_lock();
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_CORE | DEV_F_REMOVE, sc);
	kobj_tree_remove(all_devices, &mdev->kobj);
	sysfs_write_unlock();
	mdev_device_release_driver(mdev, sc);
	mdev_send_uevent(&mdev->kobj, mdev_device_uevent, KOBJ_REMOVE, NULL, sc);
	sysfs_write_lock();
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_DIR, sc);
	kobj_tree_remove(mdev->parent->devices, &mdev->kobj);
	sysfs_write_unlock();
}

/* mdev_device_release(): the vendor's release(), then the UUID is free
 * again and the instance counted back.  Pairs with the reservation in
 * mdev_device_create().  The entry goes under sysfs_rwsem too: a lookup
 * holding it uses what it finds in the table without a reference (the
 * stress test caught it freed). */
static void mdev_device_release(struct mdevfs_device *mdev)
{
	struct mdevfs_parent *parent = mdev->parent;

	mdev_vendor_release(mdev);
	sysfs_write_lock();
	lock_mutex(&mdev_list_lock);
	g_hash_table_remove(mdev_uuids, mdev->uuid);
	if (parent->core_counts)
		parent->available++;
	unlock_mutex(&mdev_list_lock);
	sysfs_write_unlock();
	kobj_put(&mdev->kobj);
}

/* Steps 3-5 of the kernel's mdev_device_remove(), shared with parent
 * unregistration.  Caller holds unreg_sem. */
static void mdev_device_teardown(struct mdevfs_device *mdev,
				 const struct mdev_store_ctx *sc)
{
	lock_assert_held(&mdev->parent->unreg_sem);
	sysfs_update(&mdev->kobj, 0, DEV_F_MDEV_TYPE, sc);
	sysfs_write_lock();
	sysfs_update_locked(&mdev->kobj, 0, DEV_F_TYPE_LINK, sc);
	kobj_tree_remove(mdev->type->devices, &mdev->kobj);
	sysfs_write_unlock();
	mdev_device_del(mdev, sc);
	mdev_log_device(mdev->name, mdev->type, "removed", 0);
	mdev_device_release(mdev);
}

/* How a device comes: probed, adopted (the vendor has it already:
 * adopt() for probe()), or restored from its record after a crash
 * (adopted, with its numbers; unbound if it was). */
struct create_how {
	bool adopt;
	bool restored;
	int group, vfio;    /* restored: -1 for a device without a driver */
};

/* Binds the driver unless a restored device had none, and records the
 * device unless it comes from its record. */
static int device_bind_and_record(struct mdevfs_device *mdev,
				  const struct mdev_store_ctx *sc)
{
	int ret;

	if (mdev->restored && mdev->restore_group < 0)
		return 0;
	ret = mdev_device_attach(mdev, sc);
	if (ret || mdev->restored)
		return ret;
	/* Nothing is acknowledged that is not on disk. */
	return state_device_created(mdev);
}

static int device_create(struct mdevfs_type *type, const uuid_t uuid,
			 const struct create_how *how,
			 const struct mdev_store_ctx *sc)
{
	struct mdevfs_parent *parent = type->parent;
	struct mdevfs_device *mdev;
	int ret;

	lock_mutex(&mdev_list_lock);
	if (mdev_find_locked(uuid)) {
		unlock_mutex(&mdev_list_lock);
		return -EEXIST;
	}
	if (parent->core_counts) {
		if (!parent->available) {
			unlock_mutex(&mdev_list_lock);
			return -EUSERS;
		}
		parent->available--;
	}
	/* Reserves the UUID until mdev_device_release(). */
	mdev = mdev_device_alloc(type, uuid);
	mdev->adopt = how->adopt;
	mdev->restored = how->restored;
	mdev->restore_group = how->group;
	mdev->restore_vfio = how->vfio;
	g_hash_table_insert(mdev_uuids, mdev->uuid, mdev);
	unlock_mutex(&mdev_list_lock);

	if (!lock_try_read(&parent->unreg_sem)) {
		ret = -ENODEV;
		goto out_release;
	}
	/* Only adoption can come before registration or after it ended. */
	if (!parent_registered(parent)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	mdev_device_add(mdev, sc);
	ret = device_bind_and_record(mdev, sc);
	if (ret)
		goto out_del;
	sysfs_write_lock();
	kobj_tree_insert(type->devices, &mdev->kobj);
	sysfs_update_locked(&mdev->kobj, DEV_F_TYPE_LINK, 0, sc);
	sysfs_write_unlock();
	sysfs_update(&mdev->kobj, DEV_F_MDEV_TYPE, 0, sc);

	lock_mutex(&mdev_list_lock);
	mdev->active = true;
	unlock_mutex(&mdev_list_lock);
	unlock_rw(&parent->unreg_sem);
	mdev_log_device(mdev->name, type, how->restored ? "restored" :
			how->adopt ? "adopted" : "created", 0);
	return 0;

out_del:
	mdev_device_del(mdev, sc);
out_unlock:
	unlock_rw(&parent->unreg_sem);
out_release:
	mdev_device_release(mdev);
	return ret;
}

/* A create that failed, with -v: the UUID may be another device's. */
static int create_failed(struct mdevfs_type *type, const uuid_t uuid,
			 const char *what, int ret)
{
	if (ret && log_verbose()) {
		char name[UUID_STR_LEN];

		uuid_unparse_lower(uuid, name);
		mdev_log_device(name, type, what, ret);
	}
	return ret;
}

int mdev_device_create(struct mdevfs_type *type, const uuid_t uuid,
		       struct mdev_store_ctx *sc)
{
	static const struct create_how probe = { 0 };

	return create_failed(type, uuid, "create",
			     device_create(type, uuid, &probe, sc));
}

int mdev_device_restore(struct mdevfs_type *type, const uuid_t uuid,
			int group, int vfio)
{
	const struct create_how how = { .adopt = true, .restored = true,
					.group = group, .vfio = vfio };

	return create_failed(type, uuid, "restore",
			     device_create(type, uuid, &how, NULL));
}

static int uuid_from_string(const char *text, uuid_t uuid)
{
	if (!uuid_string_valid(text) || text[UUID_STRING_LEN] ||
	    uuid_parse(text, uuid))
		return -EINVAL;
	return 0;
}

int mdevfs_type_adopt_device(struct mdevfs_type *type, const char *text)
{
	static const struct create_how adopt = { .adopt = true };
	uuid_t uuid = { 0 };

	if (uuid_from_string(text, uuid))
		return -EINVAL;
	return create_failed(type, uuid, "adopt",
			     device_create(type, uuid, &adopt, NULL));
}

/* Claims @mdev for a remove or an unbind: it must still be the device of
 * its UUID and fully created. */
static int mdev_claim(struct mdevfs_device *mdev)
{
	int ret = 0;

	lock_mutex(&mdev_list_lock);
	if (mdev_find_locked(mdev->uuid) != mdev)
		ret = -ENODEV;
	else if (!mdev->active)
		ret = -EAGAIN;
	else
		mdev->active = false;
	unlock_mutex(&mdev_list_lock);
	return ret;
}

static void mdev_reactivate(struct mdevfs_device *mdev)
{
	lock_mutex(&mdev_list_lock);
	mdev->active = true;
	unlock_mutex(&mdev_list_lock);
}

/* A store that gave up to run again elsewhere (mdev_host.h) has not
 * failed: nothing to log. */
static bool store_gave_up(const struct mdev_store_ctx *sc)
{
	return sc && sc->waiter.would_wait;
}

int mdev_device_remove(struct mdevfs_device *mdev, struct mdev_store_ctx *sc)
{
	struct mdevfs_parent *parent = mdev->parent;
	int ret;

	ret = mdev_claim(mdev);
	if (ret)
		goto out;
	/* Failing leaves the device inactive: unregistration removes it. */
	if (!lock_try_read(&parent->unreg_sem)) {
		ret = -ENODEV;
		goto out;
	}
	/* Interrupted, the device is left as it was, removable again; so it
	 * is if its record cannot go. */
	ret = mdev_wait_unused(mdev, sc);
	if (!ret)
		ret = state_device_removed(mdev);
	if (!ret)
		mdev_device_teardown(mdev, sc);
	unlock_rw(&parent->unreg_sem);
	if (ret)
		mdev_reactivate(mdev);
out:
	if (ret && !store_gave_up(sc))
		mdev_log_device(mdev->name, mdev->type, "remove", ret);
	return ret;
}

int mdev_device_unbind(struct mdevfs_device *mdev, struct mdev_store_ctx *sc)
{
	struct mdevfs_parent *parent = mdev->parent;
	bool bound;
	int ret;

	ret = mdev_claim(mdev);
	if (ret) { /* not a device bound to this driver (yet) */
		mdev_log_device(mdev->name, mdev->type, "unbind", -ENODEV);
		return -ENODEV;
	}
	if (!lock_try_read(&parent->unreg_sem)) {
		ret = -ENODEV;
		goto out_active;
	}
	sysfs_read_lock();
	bound = mdev->kobj.flags & DEV_F_DRIVER;
	sysfs_read_unlock();
	if (!bound)
		ret = -ENODEV;
	else
		ret = mdev_wait_unused(mdev, sc);
	/* Recorded unbound first: its numbers are free for others now. */
	if (!ret)
		ret = state_device_unbound(mdev);
	if (!ret)
		mdev_device_release_driver(mdev, sc);
	unlock_rw(&parent->unreg_sem);
out_active:
	mdev_reactivate(mdev);
	if (ret && !store_gave_up(sc))
		mdev_log_device(mdev->name, mdev->type, "unbind", ret);
	return ret;
}

int mdevfs_parent_drop_device(const struct mdevfs_parent *parent, const char *text)
{
	struct mdevfs_device *mdev;
	uuid_t uuid = { 0 };
	int ret;

	if (uuid_from_string(text, uuid))
		return -EINVAL;
	mdev = mdev_get_by_uuid(uuid);
	if (!mdev)
		return -ENOENT;
	ret = mdev->parent == parent ? mdev_device_remove(mdev, NULL) : -ENOENT;
	mdev_put(mdev);
	return ret == -ENODEV ? -ENOENT : ret;
}

static gboolean collect_device(gpointer key, gpointer value, gpointer list)
{
	(void)key;
	g_ptr_array_add(list, kobj_get(value));
	return FALSE;
}

static gint by_creation(gconstpointer a, gconstpointer b)
{
	const struct kobj *x = *(struct kobj *const *)a, *y = *(struct kobj *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void mdev_unregister_parent(struct mdevfs_parent *parent)
{
	mdev_unregister_parent_progress(parent, NULL, NULL);
}

void mdev_unregister_parent_progress(struct mdevfs_parent *parent,
				     mdev_progress_fn progress, void *ctx)
{
	g_autoptr(GPtrArray) children = g_ptr_array_new();

	/* Waits for every in-flight create and remove; later ones fail. */
	lock_write(&parent->unreg_sem);
	sysfs_write_lock();
	if (!(parent->kobj.flags & PARENT_F_TYPES)) {
		sysfs_write_unlock();
		unlock_rw(&parent->unreg_sem);
		return;
	}
	mdev_log_parent(parent, "Unregistering");
	sysfs_update_locked(&parent->kobj, 0, PARENT_F_CLASS_LINK, NULL);
	kobj_tree_remove(all_parents, &parent->kobj);
	name_tree_foreach(parent->devices, collect_device, children);
	sysfs_write_unlock();
	/* device_for_each_child(): in the order they were added */
	g_ptr_array_sort(children, by_creation);

	/* Every child goes, active or not; nothing here can stop the loop. */
	for (guint i = 0; i < children->len; i++) {
		struct kobj *obj = g_ptr_array_index(children, i);

		mdev_wait_unused(to_mdev(obj), NULL);
		/* The device goes for its clients: its record too, now or,
		 * since nothing stops this loop, later (state.c). */
		state_device_gone(to_mdev(obj));
		mdev_device_teardown(to_mdev(obj), NULL);
		kobj_put(obj);
		if (progress)
			progress(ctx, i + 1, children->len);
	}

	sysfs_write_lock();
	for (unsigned int i = 0; i < parent->ntypes; i++)
		sysfs_update_locked(&parent->types[i]->kobj, 0, OBJ_F_VISIBLE,
				    NULL);
	sysfs_update_locked(&parent->kobj, 0, PARENT_F_TYPES, NULL);
	sysfs_write_unlock();
	/* No available_instances show may call the backend after this. */
	sysfs_drain(&parent->kobj);
	unlock_rw(&parent->unreg_sem);
	mdev_send_uevent(&parent->kobj, mdev_parent_uevent, KOBJ_CHANGE,
			 (const char *const[]){ "MDEV_STATE=unregistered", NULL },
			 NULL);
}
