/* SPDX-License-Identifier: MIT */
/*
 * mdevfs vendor backend API.
 *
 * A backend is what the kernel calls the parent's mdev driver: it owns the
 * physical resources behind a parent and decides whether a mediated device
 * can be created.  The core does everything the kernel's mdev and vfio cores
 * do (UUID uniqueness, the instance counter, the sysfs tree, iommu groups,
 * vfio-dev numbering, ordering against parent unregistration) and calls the
 * backend only through the table below.
 *
 * Return conventions follow the kernel: 0 or a negative errno.
 *
 * Threads and locks: hooks run on mdevfs's threads (the writer's, a FUSE
 * worker's, a control connection's, the daemon's main thread), most of
 * them with an mdevfs lock held; each hook below says which.  (Every lock,
 * its order and what it guards: mdevfs's src/include/lock.h, the one place
 * that says; debug and sanitizer builds of mdevfs abort on a hook called
 * under another lock, or a lock taken out of that order.)  So no hook may
 * call mdevfs_type_adopt_device(), mdevfs_parent_drop_device() or
 * mdevfs_parent_gone(), which take those locks, nor, when it runs under
 * a lock, wait for a thread that is calling one (parent_fini() without
 * one may join such a thread); everything else below may be called from
 * any hook.
 * A backend's own locks nest inside the hook's: a thread of the backend
 * must not hold one that a hook takes while it calls those three.
 * probe() and remove() of different devices may run at the same time, also
 * on one parent; a backend serialises internally if it needs to.
 * get_available() may run at any time, concurrently with everything else.
 * attr_show()/attr_store() of a device never run after its remove() started.
 */
#ifndef MDEVFS_BACKEND_H
#define MDEVFS_BACKEND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of struct mdevfs_backend. */
#define MDEVFS_BACKEND_ABI 1

struct mdevfs_parent;   /* a parent device, e.g. devices/virtual/mtty/mtty */
struct mdevfs_type;     /* one of its types, e.g. mtty-2 */
struct mdevfs_device;   /* a mediated device */
struct mdevfs_settings; /* one [group] of the configuration file */

struct mdevfs_backend {
	uint32_t abi;         /* MDEVFS_BACKEND_ABI */
	uint32_t struct_size; /* sizeof(struct mdevfs_backend) as compiled */
	const char *name;

	/* Configuration: read this backend's keys of a [parent] / [type]
	 * group.  A key that is not read is reported as unknown.  No mdevfs
	 * lock held: at the start, or on a control connection's thread
	 * (`mdevfs ctl register`) while other parents serve. */
	int (*parent_init)(struct mdevfs_parent *parent,
			   struct mdevfs_settings *settings);
	int (*type_init)(struct mdevfs_type *type,
			 struct mdevfs_settings *settings);
	/* The parent's end, after its last device is gone.  No mdevfs lock
	 * held, but for a parent whose `ctl register` failed (never
	 * started): the daemon's parent list lock, as for parent_start(). */
	void (*parent_fini)(struct mdevfs_parent *parent);

	/* The mdev driver's probe and remove.  probe() failing makes the
	 * create fail with its errno, after the device was briefly visible,
	 * as in the kernel (e.g. -ENOSPC when the vendor is out of capacity).
	 * Both run with the parent's unregistration lock held (unreg_sem:
	 * shared by creates and removes, exclusive while the parent is
	 * unregistered), so an unregistration waits for them; so do adopt(),
	 * init(), release() and request(). */
	int (*probe)(struct mdevfs_device *dev);
	void (*remove)(struct mdevfs_device *dev);

	/* Instances of @type that can still be created.  Used unless the
	 * parent sets max_instances, in which case the core counts.  Runs
	 * with the parent's active lock held shared (active_sem: an
	 * unregistration waits for it to be let go before the parent goes)
	 * and, for a read through an open file, that file's lock (its other
	 * readers wait; other files do not).  So does show_description(). */
	unsigned int (*get_available)(struct mdevfs_type *type);

	/* Vendor device attributes declared with mdevfs_type_add_attr().
	 * With the device's active lock held shared (its removal waits for
	 * it before remove() is called) and, for attr_show() through an open
	 * file, that file's lock. */
	ssize_t (*attr_show)(struct mdevfs_device *dev, unsigned int attr,
			     char *buf, size_t size);
	ssize_t (*attr_store)(struct mdevfs_device *dev, unsigned int attr,
			      const char *buf, size_t count);

	/* A remove waits while the device has users: asks them to release
	 * it, at once (count 0) and then every 10 seconds, as the kernel's
	 * vfio_device_ops.request.  unreg_sem held, as for remove().
	 * Optional. */
	void (*request)(struct mdevfs_device *dev, unsigned int count);

	/* A line about the parent's resources for `mdevfs ctl list`
	 * ("key=value ..."), as snprintf() returns it.  Under the daemon's
	 * parent list lock, which keeps parent_fini() away meanwhile: be
	 * quick and wait for nothing, since other `mdevfs ctl` commands
	 * and unplugs wait for that lock.  Optional. */
	ssize_t (*parent_status)(struct mdevfs_parent *parent, char *buf,
				 size_t size);

	/* The vfio device's life cycle (vfio_device_ops.init/release, the
	 * vfio core's unified life cycle): init() right after a successful
	 * probe(), before the device's vfio-dev child appears; failing
	 * undoes probe() with remove() and fails the create with its errno.
	 * Every successful init() is paired with one release(), after
	 * remove(), once the device is gone from the tree.  unreg_sem held,
	 * as for probe() (but for the release() of a create that failed
	 * after init(): no lock).  Optional. */
	int (*init)(struct mdevfs_device *dev);
	void (*release)(struct mdevfs_device *dev);

	/* The type's description file, computed on each read
	 * (mdev_driver.show_description); locks as for get_available().
	 * Optional: without it the file shows the configuration's
	 * description, or does not exist. */
	ssize_t (*show_description)(struct mdevfs_type *type, char *buf,
				    size_t size);

	/* Takes over a device the vendor already has instead of probing a
	 * new one (found behind mdevfs's back by a backend, see
	 * mdevfs_type_adopt_device(), or recorded before mdevfs was killed
	 * and restored at its restart: then it takes back what the device
	 * held, see docs/crash-safety.md); called where a create calls
	 * probe(), and followed by init() as a probe is.  Optional: without
	 * it, adopting fails with -EOPNOTSUPP (and a restore sets the
	 * device's record aside).  unreg_sem held, as for probe(). */
	int (*adopt)(struct mdevfs_device *dev);

	/* The parent is registered and mdevfs serves it: a backend starts
	 * its threads here, not in parent_init(), which runs before the
	 * daemon forks.  Once, if at all; parent_fini() stops them.  Under
	 * the daemon's parent list lock, as parent_status(): start the
	 * threads, do not wait for them.  Optional. */
	void (*parent_start)(struct mdevfs_parent *parent);
};

/* Parents */
const char *mdevfs_parent_name(const struct mdevfs_parent *parent);
bool mdevfs_parent_core_counts(const struct mdevfs_parent *parent);
/* What type directories start with, before '-': "mtty", "i915". */
const char *mdevfs_parent_type_prefix(const struct mdevfs_parent *parent);
void *mdevfs_parent_drvdata(const struct mdevfs_parent *parent);
void mdevfs_parent_set_drvdata(struct mdevfs_parent *parent, void *data);

/* Types a backend finds itself, from parent_init() (a pass-through
 * backend reads them from the real parent): as a [type PARENT SYSFS_NAME]
 * group would declare them.  @name and @description may be NULL.  Returns
 * the type, or NULL after logging why (a duplicate or invalid name). */
struct mdevfs_type_info {
	const char *sysfs_name;
	const char *name;
	const char *device_api;
	const char *description;
};
struct mdevfs_type *mdevfs_parent_add_type(struct mdevfs_parent *parent,
					   const struct mdevfs_type_info *info);

/* The world changed behind mdevfs's back; any thread but a hook's own (or
 * one a running hook waits for: these take the locks hooks run under),
 * after registration.  Each is what the kernel does when a driver finds
 * such a change, uevents included:
 *  - the vendor has a device the tree lacks: it appears as if created,
 *    with adopt() instead of probe(); 0 or what a create of @uuid would
 *    return (-EEXIST, -EUSERS, -ENODEV, adopt()'s error);
 *  - the vendor lost a device: it goes as if removed (remove() is still
 *    called, to drop the backend's state); 0, -ENOENT, or -EAGAIN while
 *    it is being created or removed (try again later);
 *  - the parent device is gone: it is unregistered and deleted soon, on
 *    another thread, as `mdevfs ctl unregister` does. */
int mdevfs_type_adopt_device(struct mdevfs_type *type, const char *uuid);
int mdevfs_parent_drop_device(const struct mdevfs_parent *parent,
			      const char *uuid);
void mdevfs_parent_gone(struct mdevfs_parent *parent);

/* Types */
/* The parent's @index-th type, or NULL past the last. */
struct mdevfs_type *mdevfs_parent_type(const struct mdevfs_parent *parent,
				       unsigned int index);
struct mdevfs_parent *mdevfs_type_parent(const struct mdevfs_type *type);
const char *mdevfs_type_sysfs_name(const struct mdevfs_type *type);
const char *mdevfs_type_id(const struct mdevfs_type *type);
void *mdevfs_type_drvdata(const struct mdevfs_type *type);
void mdevfs_type_set_drvdata(struct mdevfs_type *type, void *data);
/* Declares a vendor attribute shown in every device of @type, inside the
 * parent's vendor directory.  Returns its index (>= 0) or -errno. */
int mdevfs_type_add_attr(struct mdevfs_type *type, const char *name,
			 mode_t mode);

/* Devices */
const char *mdevfs_device_uuid(const struct mdevfs_device *dev);
struct mdevfs_type *mdevfs_device_type(const struct mdevfs_device *dev);
void *mdevfs_device_drvdata(const struct mdevfs_device *dev);
void mdevfs_device_set_drvdata(struct mdevfs_device *dev, void *data);
/* The device is in use until as many puts as gets: its removal waits,
 * calling request().  Any thread, any time after probe() began. */
void mdevfs_device_get_user(struct mdevfs_device *dev);
void mdevfs_device_put_user(struct mdevfs_device *dev);

/* Settings.  Getters return 0, -ENOENT when the key is absent, or -EINVAL
 * after reporting a malformed value with file, line and key.  Strings stay
 * valid until the init hook returns: copy what you keep. */
/* Every key of the group, NULL-terminated, in file order. */
const char *const *mdevfs_settings_keys(struct mdevfs_settings *s);
int mdevfs_settings_string(struct mdevfs_settings *s, const char *key,
			   const char **value);
int mdevfs_settings_uint(struct mdevfs_settings *s, const char *key,
			 unsigned long max, unsigned long *value);
/* Reports a semantic error about @key (file, line and key are added);
 * returns -EINVAL for convenience. */
int mdevfs_settings_error(struct mdevfs_settings *s, const char *key,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Logging, routed to stderr or syslog like the daemon's own messages. */
enum { MDEVFS_LOG_ERR = 3, MDEVFS_LOG_WARNING = 4, MDEVFS_LOG_INFO = 6,
       MDEVFS_LOG_DEBUG = 7 };
void mdevfs_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
/* ---- Plugins: backends in shared objects (docs/plugins.md) ------------ */
/*
 * `backend = plugin:NAME` or `plugin:PATH` in a [parent] group loads a
 * shared object that exports one symbol, mdevfs_backend_entry().  The host
 * calls it once, with its own MDEVFS_BACKEND_ABI, and copies the table it
 * returns: a table of another abi is refused; a smaller one (a plugin built
 * against an older header) is zero-extended, so hooks added since read as
 * NULL; a larger one is accepted only if the members the host does not know
 * are all zero.  The plugin calls the mdevfs_*() functions above, which the
 * mdevfs executable exports.
 *
 * Define the entry point with MDEVFS_BACKEND_REGISTER(ops), once, after
 * the table; it stamps abi and struct_size as this header defines them:
 *
 *	static const struct mdevfs_backend ring_backend = {
 *		.name = "ring", .probe = ring_probe, .remove = ring_remove,
 *		...
 *	};
 *	MDEVFS_BACKEND_REGISTER(ring_backend)
 */
#ifdef __cplusplus
extern "C" {
#endif

#define MDEVFS_BACKEND_ENTRY "mdevfs_backend_entry"

/* Returns the plugin's table, or NULL when it cannot serve @host_abi. */
const struct mdevfs_backend *mdevfs_backend_entry(uint32_t host_abi);

#define MDEVFS_BACKEND_REGISTER(ops)					\
	__attribute__((visibility("default")))				\
	const struct mdevfs_backend *mdevfs_backend_entry(uint32_t host_abi) \
	{								\
		static struct mdevfs_backend mdevfs_backend_stamped_;	\
									\
		(void)host_abi;						\
		mdevfs_backend_stamped_ = (ops);			\
		mdevfs_backend_stamped_.abi = MDEVFS_BACKEND_ABI;	\
		mdevfs_backend_stamped_.struct_size =			\
			(uint32_t)sizeof(struct mdevfs_backend);	\
		return &mdevfs_backend_stamped_;			\
	}

#ifdef __cplusplus
}
#endif
/* ---- end of plugins ---------------------------------------------------- */
#endif /* MDEVFS_BACKEND_H */
