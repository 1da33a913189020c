// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "tree_helpers.h"

void tree_core_init_with(void (*on_uevent)(const struct uevent *ev))
{
	host_record_reset(on_uevent);
	config_set_backends(builtin_backends);
	mdev_core_init(&host_record_ops);
}

void tree_core_init(void)
{
	tree_core_init_with(NULL);
}

GPtrArray *tree_setup(const char *conf)
{
	return tree_setup_with(conf, NULL);
}

GPtrArray *tree_setup_with(const char *conf,
			   void (*on_uevent)(const struct uevent *ev))
{
	GPtrArray *parents;

	log_set_level(MDEVFS_LOG_WARNING);
	tree_core_init_with(on_uevent);
	ck_assert_int_eq(conf ? config_load_text("test.conf", conf, &parents) :
				config_load(NULL, &parents), 0);
	for (guint i = 0; i < parents->len; i++) {
		ck_assert_int_eq(mdev_parent_add(g_ptr_array_index(parents, i)), 0);
		ck_assert_int_eq(mdev_register_parent(g_ptr_array_index(parents, i)), 0);
	}
	return parents;
}

void tree_teardown(GPtrArray *parents)
{
	for (guint i = parents->len; i-- > 0;) {
		mdev_unregister_parent(g_ptr_array_index(parents, i));
		mdev_parent_del(g_ptr_array_index(parents, i));
	}
	config_free_parents(parents);
	mdev_core_fini();
}

struct mdevfs_parent *tree_parent(GPtrArray *parents, const char *name)
{
	for (guint i = 0; i < parents->len; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(parents, i);

		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}

struct mdevfs_type *tree_type(struct mdevfs_parent *parent, const char *id)
{
	for (unsigned int i = 0; i < parent->ntypes; i++)
		if (!strcmp(parent->types[i]->id, id))
			return parent->types[i];
	return NULL;
}

int tree_node(const char *path, struct sysfs_node *node)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	struct sysfs_node n = sysfs_root();
	int ret = 0;

	sysfs_read_lock();
	for (char **p = parts; *p && !ret; p++) {
		if (!**p)
			continue;
		/* Follow symlinks in the middle of a path, like the VFS. */
		const struct sysfs_entry *ent = sysfs_entry(n);

		if (ent && S_ISLNK(ent->mode)) {
			sysfs_read_unlock();
			return -ENOTDIR;
		}
		ret = sysfs_lookup(n, *p, &n);
	}
	sysfs_read_unlock();
	if (!ret)
		*node = n;
	return ret;
}

bool tree_exists(const char *path)
{
	struct sysfs_node n;

	return tree_node(path, &n) == 0;
}

ssize_t tree_write(const char *path, const char *buf, size_t len)
{
	struct mdev_store_ctx sc = { 0 };

	return tree_write_for(path, buf, len, &sc);
}

ssize_t tree_write_for(const char *path, const char *buf, size_t len,
		       struct mdev_store_ctx *sc)
{
	struct sysfs_node n;
	char page[PAGE_SIZE + 1];

	if (tree_node(path, &n))
		return -ENOENT;
	len = MIN(len, (size_t)PAGE_SIZE);
	memcpy(page, buf, len);
	page[len] = '\0';
	return sysfs_store(n, page, len, sc);
}

ssize_t tree_puts(const char *path, const char *s)
{
	return tree_write(path, s, strlen(s));
}

char *tree_read(const char *path)
{
	struct sysfs_node n;
	char page[PAGE_SIZE + 1];
	ssize_t len;

	if (tree_node(path, &n)) {
		errno = ENOENT;
		return NULL;
	}
	len = sysfs_show(n, page);
	if (len < 0) {
		errno = (int)-len;
		return NULL;
	}
	page[len] = '\0';
	return g_strchomp(g_strdup(page));
}

long tree_read_long(const char *path)
{
	g_autofree char *v = tree_read(path);

	ck_assert_msg(v != NULL, "cannot read %s", path);
	return strtol(v, NULL, 10);
}

char *tree_readlink(const char *path)
{
	struct sysfs_node n;
	char buf[4096];

	if (tree_node(path, &n) || sysfs_readlink(n, buf, sizeof(buf)) < 0)
		return NULL;
	return g_strdup(buf);
}

static bool collect(void *ctx, const char *name, struct sysfs_node child,
		    uint64_t next_off)
{
	(void)child, (void)next_off;
	if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		g_ptr_array_add(ctx, g_strdup(name));
	return true;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tree_ls(const char *path)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	struct sysfs_node n;

	if (tree_node(path, &n))
		return NULL;
	sysfs_read_lock();
	sysfs_readdir(n, 0, collect, names);
	sysfs_read_unlock();
	g_ptr_array_sort(names, cmp_str);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

unsigned int tree_count(const char *path)
{
	g_autofree char *ls = tree_ls(path);
	g_auto(GStrv) v = NULL;

	if (!ls || !*ls)
		return 0;
	v = g_strsplit(ls, " ", -1);
	return g_strv_length(v);
}

/* The path behind class/mdev_bus/<parent>, resolved as the VFS would. */
static char *parent_path(const char *parent)
{
	g_autofree char *link = g_strdup_printf("class/mdev_bus/%s", parent);
	g_autofree char *target = tree_readlink(link);

	return target ? g_strdup(target + strlen("../../")) : NULL;
}

int tree_create(const char *parent, const char *type, const char *uuid)
{
	g_autofree char *dir = parent_path(parent);
	g_autofree char *path = NULL;
	ssize_t ret;

	if (!dir)
		return ENOENT;
	path = g_strdup_printf("%s/mdev_supported_types/%s/create", dir, type);
	ret = tree_puts(path, uuid);
	return ret < 0 ? (int)-ret : 0;
}

int tree_remove(const char *uuid)
{
	struct mdev_store_ctx sc = { 0 };

	return tree_remove_for(uuid, &sc);
}

int tree_remove_for(const char *uuid, struct mdev_store_ctx *sc)
{
	g_autofree char *link = g_strdup_printf("bus/mdev/devices/%s", uuid);
	g_autofree char *target = tree_readlink(link);
	g_autofree char *path = NULL;
	ssize_t ret;

	if (!target)
		return ENOENT;
	path = g_strdup_printf("%s/remove", target + strlen("../../../"));
	ret = tree_write_for(path, "1", 1, sc);
	return ret < 0 ? (int)-ret : 0;
}

char *new_uuid(void)
{
	uuid_t u;
	char *s = g_malloc(UUID_STR_LEN);

	uuid_generate_random(u);
	uuid_unparse_lower(u, s);
	return s;
}
