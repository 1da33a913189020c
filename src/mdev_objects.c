// SPDX-License-Identifier: MIT
/*
 * Allocation and release of parents, types and devices, the accessors of
 * the backend API, and small helpers the tables share.
 *
 * References: a type holds its parent, a device holds its type.  The
 * configuration owns a parent and its types until mdev_parent_put(), which
 * drops the type references, so memory goes once the last FUSE inode that
 * names any of them is forgotten.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mdev_private.h"

void kobj_tree_insert(struct name_tree *tree, struct kobj *obj)
{
	name_tree_insert(tree, &obj->key, obj);
}

void kobj_tree_remove(struct name_tree *tree, struct kobj *obj)
{
	name_tree_remove(tree, &obj->key);
}

int name_copy(char *buf, size_t size, const char *name)
{
	return g_strlcpy(buf, name, size) < size ? 0 : -ENAMETOOLONG;
}

int link_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

struct mdevfs_parent *mdev_parent_new(const char *name, const char *path)
{
	struct mdevfs_parent *parent = g_new0(struct mdevfs_parent, 1);

	kobj_init(&parent->kobj, &parent_ktype);
	parent->name = g_strdup(name);
	parent->path = g_strdup(path);
	parent->vendor_group = g_strdup("vendor");
	lock_rw_init(&parent->unreg_sem, LOCK_UNREG);
	lock_rw_init(&parent->active_sem, LOCK_ACTIVE);
	sysfs_key_init(&parent->kobj.key, parent->name);
	parent->devices = name_tree_new();
	return parent;
}

void parent_release(struct kobj *kobj)
{
	struct mdevfs_parent *parent = to_parent(kobj);

	name_tree_free(parent->devices);
	lock_rw_destroy(&parent->active_sem);
	lock_rw_destroy(&parent->unreg_sem);
	g_strfreev(parent->uevent_env);
	g_free(parent->pci);
	g_free(parent->types);
	g_free(parent->vendor_group);
	for (unsigned int i = 0; i < parent->nplug_events; i++)
		uevent_free(parent->plug_events[i]);
	mdev_module_info_free(parent->module_info);
	g_free(parent->driver_name);
	g_free(parent->subsys_name);
	g_free(parent->type_prefix);
	g_free(parent->device_driver);
	g_free(parent->path);
	g_free(parent->name);
	g_free(parent);
}

void mdev_parent_put(struct mdevfs_parent *parent)
{
	struct mdevfs_type **types;
	unsigned int ntypes;

	if (parent->initialized)
		mdev_vendor_parent_fini(parent);
	sysfs_write_lock();
	types = parent->types;
	ntypes = parent->ntypes;
	parent->types = NULL;
	parent->ntypes = 0;
	sysfs_write_unlock();
	for (unsigned int i = 0; i < ntypes; i++)
		kobj_put(&types[i]->kobj);
	g_free(types);
	kobj_put(&parent->kobj);
}

struct mdevfs_type *mdev_type_new(struct mdevfs_parent *parent,
				  const char *sysfs_name)
{
	struct mdevfs_type *type = g_new0(struct mdevfs_type, 1);

	kobj_init(&type->kobj, &type_ktype);
	type->parent = parent;
	kobj_get(&parent->kobj);
	type->sysfs_name = g_strdup(sysfs_name);
	type->id = g_strdup_printf("%s-%s", parent->type_prefix, sysfs_name);
	sysfs_key_init(&type->kobj.key, type->id);
	type->devices = name_tree_new();
	atomic_init(&type->fault.fail_errno, EIO);
	atomic_init(&type->fault.fail_seq, g_str_hash(type->id));
	parent->types = g_renew(struct mdevfs_type *, parent->types,
				parent->ntypes + 1);
	parent->types[parent->ntypes++] = type;
	return type;
}

void type_release(struct kobj *kobj)
{
	struct mdevfs_type *type = to_type(kobj);

	for (unsigned int i = 0; i < type->nvattrs; i++)
		g_free((char *)type->vattrs[i].name);
	g_free(type->vattrs);
	g_free(type->vattr_keys);
	name_tree_free(type->devices);
	g_free(type->device_api);
	g_free(type->description);
	g_free(type->name);
	g_free(type->id);
	g_free(type->sysfs_name);
	kobj_put(&type->parent->kobj);
	g_free(type);
}

struct mdevfs_device *mdev_device_alloc(struct mdevfs_type *type,
					const uuid_t uuid)
{
	struct mdevfs_device *mdev = g_new0(struct mdevfs_device, 1);

	kobj_init(&mdev->kobj, &mdev_ktype);
	mdev->type = type;
	kobj_get(&type->kobj);
	mdev->parent = type->parent;
	uuid_copy(mdev->uuid, uuid);
	uuid_unparse_lower(uuid, mdev->name);
	sysfs_key_init(&mdev->kobj.key, mdev->name);
	mdev->group = -1;
	mdev->vfio = -1;
	lock_rw_init(&mdev->active_sem, LOCK_ACTIVE);
	return mdev;
}

void mdev_release(struct kobj *kobj)
{
	struct mdevfs_device *mdev = to_mdev(kobj);

	lock_rw_destroy(&mdev->active_sem);
	kobj_put(&mdev->type->kobj);
	g_free(mdev);
}

struct lock_rw *parent_active_sem(struct kobj *kobj)
{
	return &to_parent(kobj)->active_sem;
}

struct lock_rw *type_active_sem(struct kobj *kobj)
{
	return &to_type(kobj)->parent->active_sem;
}

struct lock_rw *mdev_active_sem(struct kobj *kobj)
{
	return &to_mdev(kobj)->active_sem;
}

const char *mdev_parent_path(const struct mdevfs_parent *p) { return p->path; }

const char *mdev_parent_module(const struct mdevfs_parent *p)
{
	return p->module_info ? p->module_info->name : NULL;
}

const char *mdev_parent_device_driver(const struct mdevfs_parent *p)
{
	return p->device_driver;
}

const char *mdev_parent_subsystem(const struct mdevfs_parent *p, bool *bus)
{
	*bus = p->subsys_bus;
	return p->subsys_name;
}

unsigned int mdev_parent_device_count(struct mdevfs_parent *p)
{
	unsigned int n;

	sysfs_read_lock();
	n = (unsigned int)name_tree_size(p->devices);
	sysfs_read_unlock();
	return n;
}

ssize_t mdev_parent_status(struct mdevfs_parent *p, char *buf, size_t size)
{
	if (!p->initialized || !mdev_vendor_has_parent_status(p)) {
		buf[0] = '\0';
		return 0;
	}
	return mdev_vendor_parent_status(p, buf, size);
}

void mdev_parent_start(struct mdevfs_parent *parent)
{
	if (!atomic_exchange(&parent->started, true))
		mdev_vendor_parent_start(parent);
}

void mdevfs_parent_gone(struct mdevfs_parent *parent)
{
	const struct mdev_host_ops *host = mdev_host();

	if (host->parent_gone)
		host->parent_gone(host->ctx, parent);
	else
		log_warn("%s: gone, but nothing unplugs parents here", parent->name);
}

unsigned int mdev_type_available(struct mdevfs_type *type)
{
	struct mdevfs_parent *parent = type->parent;
	unsigned int n;

	if (!parent->core_counts)
		return mdev_vendor_get_available(type);
	lock_mutex(&mdev_list_lock);
	n = parent->available;
	unlock_mutex(&mdev_list_lock);
	return n;
}

struct mdevfs_parent *mdev_parent_ref(struct mdevfs_parent *parent)
{
	kobj_get(&parent->kobj);
	return parent;
}

void mdev_parent_unref(struct mdevfs_parent *parent)
{
	kobj_put(&parent->kobj);
}

/* As a read of available_instances: under the active_sem its drain
 * waits for, on a type still shown (sysfs.c's call_attr()). */
static void describe_available(struct mdevfs_type *type, JsonBuilder *b)
{
	struct lock_rw *sem = type_active_sem(&type->kobj);
	bool live;

	lock_read(sem);
	sysfs_read_lock();
	live = type->kobj.flags & OBJ_F_VISIBLE;
	sysfs_read_unlock();
	if (live)
		json_builder_add_int_value(b, mdev_type_available(type));
	else
		json_builder_add_null_value(b);
	unlock_rw(sem);
}

static void describe_types(struct mdevfs_parent *parent, JsonBuilder *b)
{
	g_autoptr(GPtrArray) types = g_ptr_array_new();

	/* The types, kept while the backend may be asked about them. */
	sysfs_read_lock();
	for (unsigned int i = 0; i < parent->ntypes; i++)
		g_ptr_array_add(types, kobj_get(&parent->types[i]->kobj));
	sysfs_read_unlock();
	json_builder_set_member_name(b, "types");
	json_builder_begin_array(b);
	for (guint i = 0; i < types->len; i++) {
		struct mdevfs_type *t = to_type((struct kobj *)types->pdata[i]);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, t->id);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, t->name);
		json_builder_set_member_name(b, "device_api");
		json_builder_add_string_value(b, t->device_api);
		json_builder_set_member_name(b, "available_instances");
		describe_available(t, b);
		json_builder_set_member_name(b, "description");
		if (t->description)
			json_builder_add_string_value(b, t->description);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
		kobj_put(&t->kobj);
	}
	json_builder_end_array(b);
}

/* "changing" while it is created or removed, "in-use" while held or its
 * group open, else "bound" or "unbound" (its driver). */
static const char *device_state(struct mdevfs_device *mdev)
{
	const char *state;

	lock_mutex(&mdev_list_lock);
	if (!mdev->active)
		state = "changing";
	else if (mdev->users)
		state = "in-use";
	else
		state = mdev->kobj.flags & DEV_F_DRIVER ? "bound" : "unbound";
	unlock_mutex(&mdev_list_lock);
	return state;
}

static gboolean describe_device(gpointer key, gpointer value, gpointer b)
{
	struct mdevfs_device *mdev = to_mdev((struct kobj *)value);

	(void)key;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "uuid");
	json_builder_add_string_value(b, mdev->name);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, mdev->type->id);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, device_state(mdev));
	json_builder_end_object(b);
	return FALSE;
}

void mdev_parent_describe(struct mdevfs_parent *parent, JsonBuilder *b)
{
	describe_types(parent, b);
	json_builder_set_member_name(b, "devices");
	json_builder_begin_array(b);
	sysfs_read_lock();
	name_tree_foreach(parent->devices, describe_device, b);
	sysfs_read_unlock();
	json_builder_end_array(b);
}

void mdev_log_device(const char *uuid, const struct mdevfs_type *type,
		     const char *what, int err)
{
	const struct log_fields f = { .uuid = uuid, .parent = type->parent->name,
				      .type = type->id, .err = -err };
	const char *name = err ? strerrorname_np(-err) : NULL;

	if (!log_verbose())
		return;
	if (err)
		log_event(MDEVFS_LOG_WARNING, &f, "%s: %s failed: %s (%s %s)",
			  uuid, what, name ? name : "?", type->parent->name,
			  type->id);
	else
		log_event(MDEVFS_LOG_INFO, &f, "%s: %s (%s %s)", uuid, what,
			  type->parent->name, type->id);
}

void mdev_log_parent(const struct mdevfs_parent *parent, const char *what)
{
	const struct log_fields f = { .parent = parent->name };

	log_event(MDEVFS_LOG_INFO, &f, "%s: MDEV: %s", parent->name, what);
}

/* The backend API's accessors. */
const char *mdevfs_parent_name(const struct mdevfs_parent *p) { return p->name; }
bool mdevfs_parent_core_counts(const struct mdevfs_parent *p) { return p->core_counts; }
const char *mdevfs_parent_type_prefix(const struct mdevfs_parent *p) { return p->type_prefix; }
void *mdevfs_parent_drvdata(const struct mdevfs_parent *p) { return p->drvdata; }
void mdevfs_parent_set_drvdata(struct mdevfs_parent *p, void *d) { p->drvdata = d; }

struct mdevfs_parent *mdevfs_type_parent(const struct mdevfs_type *t) { return t->parent; }

struct mdevfs_type *mdevfs_parent_type(const struct mdevfs_parent *p, unsigned int i)
{
	return i < p->ntypes ? p->types[i] : NULL;
}
const char *mdevfs_type_sysfs_name(const struct mdevfs_type *t) { return t->sysfs_name; }
const char *mdevfs_type_id(const struct mdevfs_type *t) { return t->id; }
void *mdevfs_type_drvdata(const struct mdevfs_type *t) { return t->drvdata; }
void mdevfs_type_set_drvdata(struct mdevfs_type *t, void *d) { t->drvdata = d; }

const char *mdevfs_device_uuid(const struct mdevfs_device *d) { return d->name; }
struct mdevfs_type *mdevfs_device_type(const struct mdevfs_device *d) { return d->type; }
void *mdevfs_device_drvdata(const struct mdevfs_device *d) { return d->drvdata; }
void mdevfs_device_set_drvdata(struct mdevfs_device *d, void *data) { d->drvdata = data; }
