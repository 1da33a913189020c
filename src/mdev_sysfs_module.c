// SPDX-License-Identifier: MIT
/*
 * module/<name>: the kernel module a parent's mdev driver comes from, as
 * kernel/module/sysfs.c shows a loaded module (initstate "live", no
 * holders, refcnt 0: an mdev device takes no reference on its vendor's
 * module), with the facts the configuration gives (coresize, version,
 * srcversion, parameters).  Made and dropped with the parents that use
 * it (mdev_tree.c).
 */
#include <errno.h>
#include <string.h>

#include "mdev_sysfs.h"

static void info_clear(struct mdev_module_info *info)
{
	g_free(info->name);
	g_free(info->version);
	g_free(info->srcversion);
	g_strfreev(info->param_names);
	g_strfreev(info->param_values);
}

void mdev_module_info_free(struct mdev_module_info *info)
{
	if (!info)
		return;
	info_clear(info);
	g_free(info);
}

static ssize_t param_show(struct kobj *obj, const struct sysfs_entry *ent,
			  char *buf)
{
	return emit(buf, "%s\n", to_module(obj)->info.param_values[ent->priv]);
}

struct mdev_module *mdev_module_new(const struct mdev_module_info *info,
				    const char *driver)
{
	struct mdev_module *mod = g_new0(struct mdev_module, 1);

	kobj_init(&mod->kobj, &module_ktype);
	mod->info = (struct mdev_module_info){
		.name = g_strdup(info->name),
		.coresize = info->coresize,
		.version = g_strdup(info->version),
		.srcversion = g_strdup(info->srcversion),
		.param_names = g_strdupv(info->param_names),
		.param_values = g_strdupv(info->param_values),
	};
	sysfs_key_init(&mod->kobj.key, mod->info.name);
	mod->nparams = mod->info.param_names ?
		g_strv_length(mod->info.param_names) : 0;
	mod->param_keys = g_new0(struct sysfs_key, mod->nparams);
	mod->param_entries = g_new0(struct sysfs_entry, mod->nparams);
	for (unsigned int i = 0; i < mod->nparams; i++) {
		sysfs_key_init(&mod->param_keys[i], mod->info.param_names[i]);
		mod->param_entries[i] = (struct sysfs_entry){
			.name = mod->info.param_names[i], .mode = RO_MODE,
			.dir = M_PARAMS, .needs = OBJ_F_ALL,
			.show = param_show, .priv = i,
		};
	}
	mod->driver_name = g_strdup(driver);
	return mod;
}

void module_release(struct kobj *kobj)
{
	struct mdev_module *mod = to_module(kobj);

	info_clear(&mod->info);
	g_free(mod->param_keys);
	g_free(mod->param_entries);
	g_free(mod->driver_name);
	g_free(mod);
}

/* module/: every module, by name */
static int modules_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	struct kobj *obj = name_tree_find(mdev_modules(), name);

	(void)d;
	if (!obj)
		return -ENOENT;
	*c = (struct sysfs_node){ obj, M_DIR };
	return 0;
}

static bool modules_next(struct kobj *d, const struct sysfs_key *after,
			 struct sysfs_node *c, const struct sysfs_key **key,
			 void **cursor)
{
	(void)d;
	return tree_next(mdev_modules(), after, M_DIR, c, key, cursor);
}

static unsigned long modules_nsubdirs(struct kobj *d)
{
	(void)d;
	return name_tree_size(mdev_modules());
}

const struct sysfs_coll modules_coll = {
	modules_lookup, modules_next, modules_nsubdirs,
};

/* parameters/<name>: few, fixed at creation, so a scan */
static const struct sysfs_key *param_key(const void *mod, unsigned int i)
{
	return &((const struct mdev_module *)mod)->param_keys[i];
}

static int params_lookup(struct kobj *d, const char *name, struct sysfs_node *c)
{
	const struct mdev_module *mod = to_module(d);

	for (unsigned int i = 0; i < mod->nparams; i++) {
		if (!strcmp(mod->info.param_names[i], name)) {
			*c = (struct sysfs_node){ d, M_PARAM + i };
			return 0;
		}
	}
	return -ENOENT;
}

static bool params_next(struct kobj *d, const struct sysfs_key *after,
			struct sysfs_node *c, const struct sysfs_key **key,
			void **cursor)
{
	const struct mdev_module *mod = to_module(d);
	int i = sysfs_key_scan(param_key, mod, mod->nparams, after);

	(void)cursor;
	if (i < 0)
		return false;
	*c = (struct sysfs_node){ d, M_PARAM + (unsigned int)i };
	*key = param_key(mod, (unsigned int)i);
	return true;
}

static const struct sysfs_coll params_coll = { params_lookup, params_next, NULL };

static const struct sysfs_entry *module_extra_entry(struct kobj *obj,
						    unsigned int slot)
{
	struct mdev_module *mod = to_module(obj);

	if (slot < M_PARAM || slot - M_PARAM >= mod->nparams)
		return NULL;
	return &mod->param_entries[slot - M_PARAM];
}

/* The module's own files */

static ssize_t coresize_show(struct kobj *obj, const struct sysfs_entry *ent,
			     char *buf)
{
	(void)ent;
	return emit(buf, "%lu\n", to_module(obj)->info.coresize);
}

static ssize_t version_show(struct kobj *obj, const struct sysfs_entry *ent,
			    char *buf)
{
	const struct mdev_module_info *info = &to_module(obj)->info;

	return emit(buf, "%s\n", ent->priv ? info->srcversion : info->version);
}

static ssize_t live_show(struct kobj *obj, const struct sysfs_entry *ent,
			 char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "live\n");
}

static ssize_t newline_show(struct kobj *obj, const struct sysfs_entry *ent,
			    char *buf)
{
	(void)obj, (void)ent;
	return emit(buf, "\n"); /* taint: no flags */
}

static bool has_version(struct kobj *obj)
{
	return to_module(obj)->info.version != NULL;
}

static bool has_srcversion(struct kobj *obj)
{
	return to_module(obj)->info.srcversion != NULL;
}

static bool has_params(struct kobj *obj)
{
	return to_module(obj)->nparams > 0;
}

static int module_name(struct kobj *obj, const struct sysfs_entry *ent,
		       char *buf, size_t size)
{
	(void)ent;
	return name_copy(buf, size, to_module(obj)->info.name);
}

static int driver_link_name(struct kobj *obj, const struct sysfs_entry *ent,
			    char *buf, size_t size)
{
	(void)ent;
	return link_path(buf, size, "mdev:%s", to_module(obj)->driver_name);
}

static int driver_link_target(struct kobj *obj, char *buf, size_t size)
{
	return link_path(buf, size, "bus/mdev/drivers/%s",
			 to_module(obj)->driver_name);
}

static void in_modules(struct kobj *obj, struct sysfs_node *dir)
{
	(void)obj;
	root_node(R_MODULE, dir);
}

#define MOD_FILE(slot, fname, fmode, ...)                                    \
	[slot] = { .name = (fname), .mode = (fmode), .dir = M_DIR,           \
		   .needs = OBJ_F_ALL, __VA_ARGS__ }

static const struct sysfs_entry module_entries[M_NR] = {
	[M_DIR] = { .get_name = module_name, .mode = DIR_MODE,
		    .dir = SYSFS_NO_DIR, .container = in_modules,
		    .needs = OBJ_F_VISIBLE },
	MOD_FILE(M_CORESIZE, "coresize", RO_MODE, .show = coresize_show),
	MOD_FILE(M_DRIVERS, "drivers", DIR_MODE),
	[M_DRIVER_LINK] = { .get_name = driver_link_name, .mode = LNK_MODE,
			    .dir = M_DRIVERS, .needs = OBJ_F_ALL,
			    .target = driver_link_target },
	MOD_FILE(M_HOLDERS, "holders", DIR_MODE),
	MOD_FILE(M_INITSIZE, "initsize", RO_MODE, .show = show_zero),
	MOD_FILE(M_INITSTATE, "initstate", RO_MODE, .show = live_show),
	MOD_FILE(M_PARAMS, "parameters", DIR_MODE, .is_visible = has_params,
		 .coll = &params_coll),
	MOD_FILE(M_REFCNT, "refcnt", RO_MODE, .show = show_zero),
	MOD_FILE(M_SRCVERSION, "srcversion", RO_MODE, .show = version_show,
		 .priv = 1, .is_visible = has_srcversion),
	MOD_FILE(M_TAINT, "taint", RO_MODE, .show = newline_show),
	MOD_FILE(M_UEVENT, "uevent", WO_MODE, UEVENT_STORE(mdev_module_uevent)),
	MOD_FILE(M_VERSION, "version", RO_MODE, .show = version_show,
		 .is_visible = has_version),
};

const struct kobj_type module_ktype = {
	.name = "module",
	.entries = module_entries,
	.nentries = M_NR,
	.extra_entry = module_extra_entry,
	.extra_first = M_PARAM,
	.release = module_release,
};
