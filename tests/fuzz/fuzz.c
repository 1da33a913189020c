// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"

void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* libFuzzer's signature. */
int LLVMFuzzerInitialize(int *argc, char ***argv) // NOLINT(readability-non-const-parameter)
{
	(void)argc, (void)argv;
	setenv("MDEVFS_PLUGIN_DIR", "/nonexistent/mdevfs-fuzz", 1);
	log_set_level(MDEVFS_LOG_ERR);
	return 0;
}

GPtrArray *fuzz_tree_setup(const char *conf)
{
	GPtrArray *parents;
	int ret;

	log_set_level(MDEVFS_LOG_ERR);
	config_set_backends(builtin_backends);
	mdev_core_init(NULL);
	ret = conf ? config_load_text("fuzz.conf", conf, &parents) :
		     config_load(NULL, &parents);
	FUZZ_CHECK(ret == 0, "the harness's configuration does not load");
	for (guint i = 0; i < parents->len; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(parents, i);

		FUZZ_CHECK(mdev_parent_add(p) == 0 && mdev_register_parent(p) == 0,
			   "cannot register parent %u", i);
	}
	return parents;
}

void fuzz_tree_teardown(GPtrArray *parents)
{
	for (guint i = parents->len; i-- > 0;) {
		mdev_unregister_parent(g_ptr_array_index(parents, i));
		mdev_parent_del(g_ptr_array_index(parents, i));
	}
	config_free_parents(parents);
	mdev_core_fini();
}

int fuzz_node(const char *path, struct sysfs_node *node)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	struct sysfs_node n = sysfs_root();
	int ret = 0;

	sysfs_read_lock();
	for (char **p = parts; *p && !ret; p++) {
		const struct sysfs_entry *ent = sysfs_entry(n);

		if (!**p)
			continue;
		/* The VFS follows a symlink in the middle of a path; the
		 * harnesses only walk real directories. */
		if (ent && S_ISLNK(ent->mode))
			ret = -ENOTDIR;
		else
			ret = sysfs_lookup(n, *p, &n);
	}
	sysfs_read_unlock();
	if (!ret)
		*node = n;
	return ret;
}

ssize_t fuzz_store(const char *path, const void *buf, size_t len)
{
	struct sysfs_node n;
	char page[PAGE_SIZE + 1];

	if (fuzz_node(path, &n))
		return -ENOENT;
	len = MIN(len, (size_t)PAGE_SIZE);
	memcpy(page, buf, len);
	page[len] = '\0';
	return sysfs_store(n, page, len, NULL);
}

static bool count_one(void *ctx, const char *name, struct sysfs_node child,
		      uint64_t next_off)
{
	unsigned int *n = ctx;

	(void)child, (void)next_off;
	if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		(*n)++;
	return true;
}

unsigned int fuzz_count(const char *path)
{
	struct sysfs_node dir;
	unsigned int n = 0;

	FUZZ_CHECK(fuzz_node(path, &dir) == 0, "no directory %s", path);
	sysfs_read_lock();
	sysfs_readdir(dir, 0, count_one, &n);
	sysfs_read_unlock();
	return n;
}

char *fuzz_create_path(const char *parent, const char *type)
{
	return g_strdup_printf("devices/virtual/%s/%s/mdev_supported_types/%s/create",
			       parent, parent, type);
}
