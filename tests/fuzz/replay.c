// SPDX-License-Identifier: MIT
/*
 * A main() for a fuzz harness in builds without libFuzzer (gcc, TSan):
 * runs LLVMFuzzerTestOneInput() once on every file named, or in a
 * directory named, so that ctest replays the seed corpus and the saved
 * regressions in every build.  A harness's invariant aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "fuzz.h"

/* Optional in a harness, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
	g_autofree char *data = NULL;
	g_autoptr(GError) err = NULL;
	gsize size;

	if (!g_file_get_contents(path, &data, &size, &err)) {
		fprintf(stderr, "replay: %s\n", err->message);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, size);
	return 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in @dir, in name order (dot files aside). */
static int replay_dir(const char *dir, unsigned int *n)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	const char *name;

	if (!d) {
		fprintf(stderr, "replay: %s\n", err->message);
		return -1;
	}
	while ((name = g_dir_read_name(d)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_build_filename(dir, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_str);
	for (guint i = 0; i < names->len; i++) {
		if (replay_file(g_ptr_array_index(names, i)))
			return -1;
		(*n)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		int ret;

		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			ret = replay_dir(argv[i], &n);
		} else {
			ret = replay_file(argv[i]);
			n++;
		}
		if (ret)
			return 1;
	}
	printf("replayed %u inputs\n", n);
	return n ? 0 : 1;
}
