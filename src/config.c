// SPDX-License-Identifier: MIT
/*
 * [parent NAME] and [type PARENT NAME] groups into parent and type objects.
 * The core reads its keys, the backend named by `backend` reads the rest,
 * and whatever is left is reported as unknown.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <linux/vfio.h>

#include "backends.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"
#include "mdev_private.h"
#include "plugins.h"
#include "settings.h"
#include "text.h"

/* A sysfs file name: no '/', not "." or "..", no blanks or controls. */
static bool name_valid(const char *name)
{
	if (!name[0] || strlen(name) > NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static bool path_valid(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (char **p = parts; *p; p++)
		if (!name_valid(*p))
			return false;
	return true;
}

/* A required or optional string key that must be a valid name. */
static int get_name(struct mdevfs_settings *s, const char *key,
		    const char **value, bool required)
{
	int ret = mdevfs_settings_string(s, key, value);

	if (ret == -ENOENT && required)
		return settings_group_error(s, "missing key '%s'", key);
	if (ret)
		return ret;
	if (!name_valid(*value))
		return mdevfs_settings_error(s, key, "'%s' is not a valid name",
					     *value);
	return 0;
}

static int parse_subsystem(struct mdevfs_settings *s,
			   struct mdevfs_parent *parent)
{
	const char *class = NULL, *bus = NULL;

	if (get_name(s, "class", &class, false) == -EINVAL ||
	    get_name(s, "bus", &bus, false) == -EINVAL)
		return -EINVAL;
	if (!class == !bus)
		return settings_group_error(s, "set exactly one of 'class' and 'bus'");
	if ((class && (!strcmp(class, "mdev_bus") || !strcmp(class, "vfio-dev"))) ||
	    (bus && !strcmp(bus, "mdev")))
		return mdevfs_settings_error(s, class ? "class" : "bus",
			"'%s' is mdevfs's own", class ? class : bus);
	parent->subsys_bus = bus != NULL;
	parent->subsys_name = g_strdup(class ? class : bus);
	return 0;
}

static int parse_path(struct mdevfs_settings *s, struct mdevfs_parent *parent)
{
	const char *path;
	const char *base;
	int ret = mdevfs_settings_string(s, "path", &path);

	if (ret == -ENOENT) {
		if (parent->subsys_bus)
			return settings_group_error(s, "missing key 'path'");
		parent->path = g_strdup_printf("devices/virtual/%s/%s",
					       parent->subsys_name, parent->name);
		return 0;
	}
	if (ret)
		return ret;
	base = strrchr(path, '/');
	if (!path_valid(path) || strcmp(base ? base + 1 : path, parent->name) != 0)
		return mdevfs_settings_error(s, "path",
			"'%s' must be a path below devices/ ending in '%s'",
			path, parent->name);
	parent->path = g_strdup_printf("devices/%s", path);
	return 0;
}

static int parse_uevent(struct mdevfs_settings *s, struct mdevfs_parent *parent)
{
	const char *v;
	g_auto(GStrv) items = NULL;
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);

	if (mdevfs_settings_string(s, "uevent", &v) == 0)
		items = g_strsplit(v, ";", -1);
	for (char **i = items; i && *i; i++) {
		g_strstrip(*i);
		if (!**i)
			continue;
		if (!env_assignment_valid(*i)) {
			g_ptr_array_free(env, TRUE);
			return mdevfs_settings_error(s, "uevent",
				"'%s' is not KEY=VALUE", *i);
		}
		g_ptr_array_add(env, g_strdup(*i));
	}
	g_ptr_array_add(env, NULL);
	parent->uevent_env = (char **)g_ptr_array_free(env, FALSE);
	return 0;
}

/* A built-in backend by name, or plugin:NAME / plugin:PATH (plugins.c);
 * @file, the configuration's, anchors a relative PATH. */
static int parse_backend(struct mdevfs_settings *s,
			 struct mdevfs_parent *parent, const char *backend,
			 const char *file)
{
	g_autofree char *error = NULL;

	if (g_str_has_prefix(backend, PLUGIN_PREFIX))
		parent->backend = plugin_backend(backend + strlen(PLUGIN_PREFIX),
						 file, &error);
	else if (!(parent->backend = backend_find(backend)))
		error = g_strdup_printf("unknown backend '%s' (one of: %s)",
					backend, backend_names());
	return error ? mdevfs_settings_error(s, "backend", "%s", error) : 0;
}

/* The directory of the vendor's device attributes.  The kernel refuses a
 * group named like a file the device has (sysfs_create_group(): kernfs's
 * -EEXIST, "cannot create duplicate filename"), and so does this. */
static int parse_vendor_group(struct mdevfs_settings *s,
			      struct mdevfs_parent *parent)
{
	const char *group = NULL;

	if (mdevfs_settings_string(s, "vendor_group", &group) == -EINVAL)
		return -EINVAL;
	if (!group)
		return 0;
	/* empty: the attributes sit in the device's own directory */
	if (!*group) {
		g_clear_pointer(&parent->vendor_group, g_free);
		return 0;
	}
	if (get_name(s, "vendor_group", &group, false))
		return -EINVAL;
	if (mdev_dir_core_name(group))
		return mdevfs_settings_error(s, "vendor_group", "'%s' is taken: "
			"the core has an entry of that name in every device's "
			"directory", group);
	g_free(parent->vendor_group);
	parent->vendor_group = g_strdup(group);
	return 0;
}

/* module.param.NAME = VALUE: parameters/NAME of the module. */
static int parse_module_params(struct mdevfs_settings *s,
			       struct mdev_module_info *info)
{
	static const char prefix[] = "module.param.";
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	const char *value;

	for (const char *const *k = mdevfs_settings_keys(s); *k; k++) {
		const char *name = *k + sizeof(prefix) - 1;

		if (!g_str_has_prefix(*k, prefix))
			continue;
		if (!name_valid(name))
			return mdevfs_settings_error(s, *k, "'%s' is not a valid "
						     "parameter name", name);
		if (mdevfs_settings_string(s, *k, &value))
			return -EINVAL;
		g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_add(values, g_strdup(value));
	}
	g_ptr_array_add(names, NULL);
	g_ptr_array_add(values, NULL);
	info->param_names = (char **)g_ptr_array_steal(names, NULL);
	info->param_values = (char **)g_ptr_array_steal(values, NULL);
	return 0;
}

/* module = NAME: the module/<NAME> the parent's driver comes from, with
 * what module/<NAME> shows of it (module.coresize, module.version,
 * module.srcversion, module.param.*). */
static int parse_module(struct mdevfs_settings *s, struct mdevfs_parent *parent)
{
	struct mdev_module_info *info;
	const char *name, *text;
	unsigned long size = 0;
	int ret = get_name(s, "module", &name, false);

	if (ret == -ENOENT) {
		for (const char *const *k = mdevfs_settings_keys(s); *k; k++)
			if (g_str_has_prefix(*k, "module."))
				return mdevfs_settings_error(s, *k, "needs key "
							     "'module'");
		return 0;
	}
	if (ret)
		return -EINVAL;
	info = g_new0(struct mdev_module_info, 1);
	parent->module_info = info;
	info->name = g_strdup(name);
	if (mdevfs_settings_uint(s, "module.coresize", ULONG_MAX, &size) == -EINVAL)
		return -EINVAL;
	info->coresize = size;
	if (mdevfs_settings_string(s, "module.version", &text) == 0)
		info->version = g_strdup(text);
	if (mdevfs_settings_string(s, "module.srcversion", &text) == 0)
		info->srcversion = g_strdup(text);
	return parse_module_params(s, info);
}

/* A device_api the kernel's vfio.h does not name is served as it is (a
 * vendor may have its own), but it is likely a typo, and no VFIO user
 * would know what to do with the device. */
static void check_device_api(struct mdevfs_settings *s, const char *api)
{
	static const char *const known[] = {
		VFIO_DEVICE_API_PCI_STRING, VFIO_DEVICE_API_PLATFORM_STRING,
		VFIO_DEVICE_API_AMBA_STRING, VFIO_DEVICE_API_CCW_STRING,
		VFIO_DEVICE_API_AP_STRING,
	};

	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		if (!strcmp(api, known[i]))
			return;
	settings_warning(s, "device_api", "'%s' is not a device API the kernel "
			 "knows (vfio-pci, vfio-platform, vfio-amba, vfio-ccw, "
			 "vfio-ap); served as it is", api);
}

/* The core's keys of [parent NAME]. */
static int parse_parent_keys(struct mdevfs_settings *s, const char *file,
			     struct mdevfs_parent *parent, const char **api)
{
	const char *driver, *dev_driver = NULL, *backend;
	unsigned long max;
	int ret = 0;

	if (parse_subsystem(s, parent) || parse_path(s, parent))
		return -EINVAL;
	if (get_name(s, "driver", &driver, true) == 0)
		parent->driver_name = g_strdup(driver);
	else
		ret = -EINVAL;
	if (get_name(s, "device_driver", &dev_driver, false) == -EINVAL)
		ret = -EINVAL;
	parent->type_prefix = g_strdup(dev_driver ? dev_driver : parent->subsys_name);
	if (parent->subsys_bus)
		parent->device_driver = g_strdup(dev_driver);
	if (parse_vendor_group(s, parent) || parse_module(s, parent))
		ret = -EINVAL;
	switch (mdevfs_settings_string(s, "device_api", api)) {
	case 0:
		check_device_api(s, *api);
		break;
	case -EINVAL:
		ret = -EINVAL;
	}
	switch (mdevfs_settings_uint(s, "max_instances", UINT_MAX, &max)) {
	case 0:
		parent->core_counts = true;
		parent->max_instances = max;
		break;
	case -EINVAL:
		ret = -EINVAL;
	}
	if (parse_uevent(s, parent) || config_parse_pci(s, parent))
		ret = -EINVAL;
	if (mdevfs_settings_string(s, "backend", &backend)) {
		settings_group_error(s, "missing key 'backend' (one of: %s)",
				     backend_names());
		return -EINVAL;
	}
	if (parse_backend(s, parent, backend, file))
		return -EINVAL;
	if (!parent->core_counts && !mdev_vendor_has_get_available(parent))
		ret = settings_group_error(s, "backend '%s' does not count "
			"instances: set max_instances", backend);
	return ret;
}

struct loader {
	struct config_file cf;
	GPtrArray *parents;       /* struct mdevfs_parent * */
	GHashTable *device_apis;  /* parent name -> default device_api */
	bool failed;
};

static void load_parent(struct loader *l, const char *group, const char *name)
{
	struct mdevfs_settings *s = settings_new(&l->cf, group);
	struct mdevfs_parent *parent;
	const char *api = NULL;
	bool core_ok;

	if (!name_valid(name)) {
		settings_group_error(s, "'%s' is not a valid device name", name);
		l->failed = true;
		settings_free(s);
		return;
	}
	parent = mdev_parent_new(name, NULL);
	g_ptr_array_add(l->parents, parent);
	core_ok = parse_parent_keys(s, l->cf.name, parent, &api) == 0;
	if (!core_ok || mdev_vendor_parent_init(parent, s))
		l->failed = true;
	else
		parent->initialized = true;
	if (api)
		g_hash_table_insert(l->device_apis, g_strdup(name), g_strdup(api));
	/* The backend reads its keys only once the core's are right (and
	 * there is no backend without them): settings_finish() reports only
	 * typos after the error that matters, not the backend's keys. */
	if (settings_finish(s))
		l->failed = true;
	settings_free(s);
}

static struct mdevfs_parent *find_parent(struct loader *l, const char *name)
{
	for (guint i = 0; i < l->parents->len; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(l->parents, i);

		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}

static int parse_type_keys(struct loader *l, struct mdevfs_settings *s,
			   struct mdevfs_type *type)
{
	const char *name = NULL, *desc = NULL, *api = NULL;
	int ret = 0;

	if (mdevfs_settings_string(s, "name", &name) == -EINVAL)
		ret = -EINVAL;
	type->name = g_strdup(ret || !name ? type->sysfs_name : name);
	if (mdevfs_settings_string(s, "description", &desc) == 0)
		type->description = g_strdup(desc);
	switch (mdevfs_settings_string(s, "device_api", &api)) {
	case 0:
		check_device_api(s, api);
		break;
	case -ENOENT: /* the parent's, checked there */
		api = g_hash_table_lookup(l->device_apis, type->parent->name);
	}
	if (!api)
		return settings_group_error(s, "missing key 'device_api' "
			"(here or in [parent %s])", type->parent->name);
	type->device_api = g_strdup(api);
	return ret;
}

/* The vendor attributes type_init() declared are shown and stored by the
 * backend's hooks: a plugin may lack them. */
static int check_attr_hooks(struct mdevfs_settings *s,
			    const struct mdevfs_type *type)
{
	const struct mdevfs_parent *parent = type->parent;

	for (unsigned int i = 0; i < type->nvattrs; i++) {
		mode_t mode = type->vattrs[i].mode;
		bool no_show = (mode & 0444) && !mdev_vendor_has_attr_show(parent);

		if (no_show || ((mode & 0222) && !mdev_vendor_has_attr_store(parent)))
			return settings_group_error(s, "backend '%s' declares "
				"attribute '%s' without attr_%s()",
				parent->backend->name, type->vattrs[i].name,
				no_show ? "show" : "store");
	}
	return 0;
}

static struct mdevfs_type *find_type(struct mdevfs_parent *parent,
				     const char *sysfs_name)
{
	for (unsigned int i = 0; i < parent->ntypes; i++)
		if (!strcmp(parent->types[i]->sysfs_name, sysfs_name))
			return parent->types[i];
	return NULL;
}

struct mdevfs_type *mdevfs_parent_add_type(struct mdevfs_parent *parent,
					   const struct mdevfs_type_info *info)
{
	struct mdevfs_type *type;

	if (!name_valid(info->sysfs_name) || find_type(parent, info->sysfs_name) ||
	    !info->device_api || !name_valid(info->device_api)) {
		log_err("%s: cannot add type '%s' (device_api '%s'): invalid "
			"or twice", parent->name, info->sysfs_name,
			info->device_api ? info->device_api : "");
		return NULL;
	}
	type = mdev_type_new(parent, info->sysfs_name);
	type->name = g_strdup(info->name ? info->name : info->sysfs_name);
	type->description = g_strdup(info->description);
	type->device_api = g_strdup(info->device_api);
	return type;
}

static void load_type(struct loader *l, const char *group, const char *pname,
		      const char *sysfs_name)
{
	struct mdevfs_settings *s = settings_new(&l->cf, group);
	struct mdevfs_parent *parent = find_parent(l, pname);
	struct mdevfs_type *type;
	bool core_ok;

	if (parent && !parent->initialized) {
		/* The parent's errors are reported; its types cannot be read. */
		settings_free(s);
		return;
	}
	if (!parent || !name_valid(sysfs_name) || find_type(parent, sysfs_name)) {
		if (!parent)
			settings_group_error(s, "no [parent %s] for this type", pname);
		else if (!name_valid(sysfs_name))
			settings_group_error(s, "'%s' is not a valid type name",
					     sysfs_name);
		else
			settings_group_error(s, "the parent's backend has this "
					     "type already");
		l->failed = true;
		settings_free(s);
		return;
	}
	type = mdev_type_new(parent, sysfs_name);
	/* The core's keys all, so that each bad one is reported; the
	 * backend's once they are right, as a parent's. */
	core_ok = parse_type_keys(l, s, type) == 0;
	core_ok = mdev_fault_parse(type, s) == 0 && core_ok;
	if (!core_ok || mdev_vendor_type_init(type, s) ||
	    check_attr_hooks(s, type))
		l->failed = true;
	if (settings_finish(s))
		l->failed = true;
	settings_free(s);
}

/* Two parents may not be the same device or one inside the other. */
static void check_paths(struct loader *l)
{
	for (guint i = 0; i < l->parents->len; i++) {
		struct mdevfs_parent *a = g_ptr_array_index(l->parents, i);

		g_autofree char *group = g_strdup_printf("parent %s", a->name);

		if (!a->initialized)
			continue;
		if (!a->ntypes) {
			log_err("%s:%u: [%s]: no [type %s ...] group", l->cf.name,
				config_line(&l->cf, group, NULL), group, a->name);
			l->failed = true;
		}
		for (guint j = 0; j < l->parents->len; j++) {
			struct mdevfs_parent *b = g_ptr_array_index(l->parents, j);
			size_t n = strlen(a->path);

			if (i == j || !b->initialized || strncmp(a->path, b->path, n) != 0 ||
			    b->path[n] != '/')
				continue;
			log_err("%s: [parent %s] is inside [parent %s] (%s)",
				l->cf.name, b->name, a->name, b->path);
			l->failed = true;
		}
	}
}

static void load_groups(struct loader *l)
{
	g_auto(GStrv) groups = g_key_file_get_groups(l->cf.kf, NULL);

	for (int pass = 0; pass < 2; pass++) {
		for (char **g = groups; *g; g++) {
			g_auto(GStrv) w = g_strsplit(*g, " ", -1);
			guint n = g_strv_length(w);

			if (pass == 0 && n == 2 && !strcmp(w[0], "parent")) {
				load_parent(l, *g, w[1]);
			} else if (pass == 1 && n == 3 && !strcmp(w[0], "type")) {
				load_type(l, *g, w[1], w[2]);
			} else if (pass == 0 && !(n == 3 && !strcmp(w[0], "type"))) {
				log_err("%s:%u: [%s]: expected [parent NAME] or "
					"[type PARENT NAME]", l->cf.name,
					config_line(&l->cf, *g, NULL), *g);
				l->failed = true;
			}
		}
	}
}

int config_load_text(const char *name, const char *text, GPtrArray **parents)
{
	struct loader l = { .parents = g_ptr_array_new() };

	l.device_apis = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      g_free);
	if (config_file_load(&l.cf, name, text)) {
		l.failed = true;
	} else {
		load_groups(&l);
		check_paths(&l);
	}
	if (!l.failed && !l.parents->len) {
		log_err("%s: no [parent NAME] group", l.cf.name);
		l.failed = true;
	}
	g_hash_table_destroy(l.device_apis);
	config_file_clear(&l.cf);
	if (l.failed) {
		config_free_parents(l.parents);
		return -EINVAL;
	}
	*parents = l.parents;
	return 0;
}

int config_load(const char *path, GPtrArray **parents)
{
	if (!path)
		return config_load_text(SAMPLES_CONF_NAME, mdevfs_samples_conf,
					parents);
	return config_load_text(path, NULL, parents);
}

void config_free_parents(GPtrArray *parents)
{
	for (guint i = 0; i < parents->len; i++)
		mdev_parent_put(g_ptr_array_index(parents, i));
	g_ptr_array_free(parents, TRUE);
}
