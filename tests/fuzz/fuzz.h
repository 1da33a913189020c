/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz harnesses share: a real tree of the core (as the unit
 * tests' tree_helpers.c builds it, without Check, whose asserts need a
 * running suite), writes to it as the FUSE layer makes them, and
 * FUZZ_CHECK(), which aborts with a message so that libFuzzer (or the
 * replay driver under ctest) reports the input that broke an invariant.
 */
#ifndef MDEVFS_FUZZ_H
#define MDEVFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "sysfs.h"

#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

__attribute__((noreturn, format(printf, 4, 5)))
void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...);

/* libFuzzer's entry point, which every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Its set-up, here for all: only errors are logged, and no plugin
 * directory is found (an input may name a plugin). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A fresh core with the parents of @conf (NULL: the built-in samples)
 * added and registered; the teardown unregisters them and ends the core. */
GPtrArray *fuzz_tree_setup(const char *conf);
void fuzz_tree_teardown(GPtrArray *parents);

/* A path from the root, as the VFS walks it: 0 or -ENOENT/-ENOTDIR. */
int fuzz_node(const char *path, struct sysfs_node *node);
/* A write(2) of @len bytes as mdevfs_write() passes it on: at most a
 * page, NUL-terminated; the store's result, or -ENOENT. */
ssize_t fuzz_store(const char *path, const void *buf, size_t len);
/* What ls(1) counts in a directory, . and .. aside. */
unsigned int fuzz_count(const char *path);
/* The create file of a type, as `mdevctl` finds it. */
char *fuzz_create_path(const char *parent, const char *type);

#endif /* MDEVFS_FUZZ_H */
