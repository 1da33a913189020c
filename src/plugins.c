// SPDX-License-Identifier: MIT
/*
 * Backends in shared objects, as nbdkit loads its plugins: dlopen() the
 * file, call its one exported entry point with the host's ABI, check the
 * table it returns and keep a host-sized copy of it.
 *
 * Every file is loaded once per process (the registry below, by canonical
 * path), whatever number of parents use it and however often they are
 * registered and unregistered with `mdevfs ctl`, and it is never unloaded:
 * a plugin may have started threads, registered atexit() or thread-local
 * destructors, or handed its strings and functions to a library (GLib
 * types cannot be unregistered), all of which would then point into
 * unmapped code.  A handful of files per daemon costs nothing; a new build
 * of a plugin is picked up by restarting mdevfs.  A file that fails the
 * checks is closed again, so that a fixed one is loaded on the next try.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "lock.h"
#include "plugins.h"

#if !defined(MDEVFS_PLUGINDIR) || !defined(MDEVFS_PLUGINDIR_REL)
#error "MDEVFS_PLUGINDIR(_REL) must name the plugin directory (CMakeLists.txt)"
#endif

/* A table larger than this is not a table. */
#define PLUGIN_MAX_SIZE 4096

typedef const struct mdevfs_backend *(*plugin_entry_fn)(uint32_t host_abi);

struct plugin {
	char *path;                /* canonical: the registry's key */
	void *handle;
	struct mdevfs_backend ops; /* the host's copy of the plugin's table */
};

/* canonical path -> struct plugin *, never freed (see above); under
 * registry_lock, a leaf of lock.h's table (a pthread lock, which
 * ThreadSanitizer sees, where GLib's G_LOCK is not) */
static GHashTable *registry;
static struct lock_mutex registry_lock = LOCK_MUTEX_INIT(LOCK_PLUGINS);

/* plugin_dir() without MDEVFS_PLUGIN_DIR: found once, never freed */
static char *installed_dir;
static pthread_once_t installed_once = PTHREAD_ONCE_INIT;

/*
 * The plugin directory of the prefix this executable is installed in,
 * MDEVFS_PLUGINDIR_REL from its own directory: a tree installed with
 * `cmake --install --prefix DIR`, DESTDIR or `dpkg -x` loads the plugins
 * installed into it, where its mdevfs-backend.pc (relative to itself too)
 * says they go.  Without /proc, the configured prefix's.
 */
static void find_installed_dir(void)
{
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *bindir = NULL;

	if (!exe) {
		installed_dir = g_strdup(MDEVFS_PLUGINDIR);
		return;
	}
	bindir = g_path_get_dirname(exe);
	installed_dir = g_canonicalize_filename(MDEVFS_PLUGINDIR_REL, bindir);
}

const char *plugin_dir(void)
{
	const char *env = getenv(PLUGIN_DIR_ENV);

	if (env && *env)
		return env;
	/* pthread_once, which ThreadSanitizer sees, as registry_lock */
	pthread_once(&installed_once, find_installed_dir);
	return installed_dir;
}

/* The bytes of a newer plugin's table that this host does not know. */
static bool tail_is_zero(const struct mdevfs_backend *b)
{
	const unsigned char *p = (const unsigned char *)b;

	for (size_t i = sizeof(*b); i < b->struct_size; i++)
		if (p[i])
			return false;
	return true;
}

int plugin_adopt(const struct mdevfs_backend *b, struct mdevfs_backend *out,
		 char **error)
{
	size_t size = b->struct_size;

	/* abi and struct_size lead the table in every ABI: read them first. */
	if (b->abi != MDEVFS_BACKEND_ABI) {
		*error = g_strdup_printf("built for backend ABI %u, this mdevfs "
			"has ABI %u: rebuild it with this mdevfs's "
			"<mdevfs/backend.h>", b->abi, MDEVFS_BACKEND_ABI);
		return -EINVAL;
	}
	if (size < PLUGIN_MIN_SIZE || size > PLUGIN_MAX_SIZE ||
	    size % _Alignof(struct mdevfs_backend)) {
		*error = g_strdup_printf("struct_size %zu is not the size of a "
			"struct mdevfs_backend (at least %zu, a multiple of %zu)",
			size, PLUGIN_MIN_SIZE, _Alignof(struct mdevfs_backend));
		return -EINVAL;
	}
	/* A newer plugin may run on this host as long as it does not count
	 * on a hook this host would never call (Linux's
	 * copy_struct_from_user() draws the same line). */
	if (size > sizeof(*b) && !tail_is_zero(b)) {
		*error = g_strdup_printf("built for a newer mdevfs: it sets hooks "
			"this one does not know (struct_size %zu > %zu)", size,
			sizeof(*b));
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, b, MIN(size, sizeof(*out)));
	out->struct_size = sizeof(*out);
	if (!out->name || !*out->name) {
		*error = g_strdup("its table has no name");
		return -EINVAL;
	}
	if (!out->probe || !out->remove) {
		*error = g_strdup_printf("backend '%s' lacks the mandatory hook "
			"%s()", out->name, out->probe ? "remove" : "probe");
		return -EINVAL;
	}
	return 0;
}

/* NAME.so in the plugin directory, or a path, relative to @config's. */
static char *plugin_path(const char *spec, const char *config, char **error)
{
	g_autofree char *file = NULL;
	g_autofree char *dir = NULL;

	if (!strchr(spec, '/')) {
		if (!*spec || !strcmp(spec, ".") || !strcmp(spec, "..")) {
			*error = g_strdup_printf("'%s' is not a plugin name "
				"(plugin:NAME or plugin:PATH)", spec);
			return NULL;
		}
		file = g_strconcat(spec, ".so", NULL);
		return g_build_filename(plugin_dir(), file, NULL);
	}
	if (g_path_is_absolute(spec))
		return g_strdup(spec);
	if (!config || !strcmp(config, "-")) {
		*error = g_strdup_printf("'%s' is relative, but the configuration "
			"is not a file to be relative to: use an absolute path",
			spec);
		return NULL;
	}
	dir = g_path_get_dirname(config);
	return g_build_filename(dir, spec, NULL);
}

static struct plugin *plugin_load(const char *path, char **error)
{
	struct plugin *p = g_new0(struct plugin, 1);
	g_autofree char *why = NULL;
	const struct mdevfs_backend *b;
	plugin_entry_fn entry;

	/* RTLD_NOW: an mdevfs_*() this mdevfs lacks is an error now, not a
	 * crash in a hook later.  RTLD_LOCAL: two plugins' own symbols
	 * cannot bind to each other. */
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		*error = g_strdup(dlerror());
		goto err_free;
	}
	entry = (plugin_entry_fn)dlsym(p->handle, MDEVFS_BACKEND_ENTRY);
	if (!entry) {
		*error = g_strdup_printf("%s: no %s(): not an mdevfs plugin "
			"(see MDEVFS_BACKEND_REGISTER)", path, MDEVFS_BACKEND_ENTRY);
		goto err_close;
	}
	b = entry(MDEVFS_BACKEND_ABI);
	if (!b) {
		*error = g_strdup_printf("%s: refuses backend ABI %u", path,
					 MDEVFS_BACKEND_ABI);
		goto err_close;
	}
	if (plugin_adopt(b, &p->ops, &why)) {
		*error = g_strdup_printf("%s: %s", path, why);
		goto err_close;
	}
	p->path = g_strdup(path);
	return p;

err_close:
	dlclose(p->handle);
err_free:
	g_free(p);
	return NULL;
}

const struct mdevfs_backend *plugin_backend(const char *spec,
					    const char *config, char **error)
{
	g_autofree char *path = plugin_path(spec, config, error);
	char *real;
	struct plugin *p;

	if (!path)
		return NULL;
	real = realpath(path, NULL);
	if (!real) {
		if (strchr(spec, '/'))
			*error = g_strdup_printf("%s: %s", path, g_strerror(errno));
		else
			*error = g_strdup_printf("%s: %s (the plugin directory "
				"is %s; " PLUGIN_DIR_ENV " sets another)", path,
				g_strerror(errno), plugin_dir());
		return NULL;
	}
	lock_mutex(&registry_lock);
	if (!registry)
		registry = g_hash_table_new(g_str_hash, g_str_equal);
	p = g_hash_table_lookup(registry, real);
	if (!p) {
		p = plugin_load(real, error);
		if (p)
			g_hash_table_insert(registry, p->path, p);
	}
	unlock_mutex(&registry_lock);
	free(real);
	return p ? &p->ops : NULL;
}
