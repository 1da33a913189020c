// SPDX-License-Identifier: MIT
/*
 * The configuration loader (src/config.c, src/settings.c and the built-in
 * backends' keys) on any text.
 *
 * Invariants: the text loads, or config_load_text() returns -EINVAL after
 * reporting at least one error, each one as "fuzz.conf:LINE: ..." with a
 * LINE of the text (only the two whole-file errors have none).  A
 * configuration that loads registers: every parent appears under
 * class/mdev_bus, and goes again.  Nothing leaks (LeakSanitizer).
 *
 * `backend = plugin:PATH` would dlopen() whatever PATH names: inputs with
 * a '/' after "plugin:" are skipped, and plugin:NAME looks in a directory
 * that does not exist.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "mdev.h"
#include "mdev_private.h"

#define NAME "fuzz.conf"

static bool loads_plugin_path(const char *text)
{
	for (const char *p = text; (p = strstr(p, "plugin:")); p++) {
		size_t line = strcspn(p, "\n");

		if (memchr(p, '/', line))
			return true;
	}
	return false;
}

/* Errors a whole file has, with no line to blame. */
static bool whole_file_error(const char *line)
{
	return !strcmp(line, NAME ": no [parent NAME] group") ||
	       strstr(line, "] is inside [parent ");
}

static void check_errors(const char *text, const char *errors)
{
	g_auto(GStrv) lines = g_strsplit(errors, "\n", -1);
	unsigned int nlines = 1;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		nlines++;
	FUZZ_CHECK(*errors, "rejected without a word");
	for (char **l = lines; *l; l++) {
		unsigned long no;
		char *end;

		if (!**l || whole_file_error(*l))
			continue;
		FUZZ_CHECK(g_str_has_prefix(*l, NAME ":"), "not about the file: %s", *l);
		no = strtoul(*l + strlen(NAME ":"), &end, 10);
		FUZZ_CHECK(end != *l + strlen(NAME ":") && *end == ':' &&
			   no >= 1 && no <= nlines, "no line of the file: %s", *l);
	}
}

static void check_registers(GPtrArray *parents)
{
	config_set_backends(builtin_backends);
	mdev_core_init(NULL);
	for (guint i = 0; i < parents->len; i++) {
		struct mdevfs_parent *p = g_ptr_array_index(parents, i);
		g_autofree char *link = g_strdup_printf("class/mdev_bus/%s", p->name);
		struct sysfs_node n;

		FUZZ_CHECK(p->ntypes > 0, "%s loaded without types", p->name);
		FUZZ_CHECK(mdev_parent_add(p) == 0, "%s: cannot add", p->name);
		FUZZ_CHECK(mdev_register_parent(p) == 0, "%s: cannot register", p->name);
		FUZZ_CHECK(fuzz_node(link, &n) == 0, "no %s", link);
	}
	FUZZ_CHECK(fuzz_count("class/mdev_bus") == parents->len,
		   "class/mdev_bus does not list the parents");
	for (guint i = parents->len; i-- > 0;) {
		mdev_unregister_parent(g_ptr_array_index(parents, i));
		mdev_parent_del(g_ptr_array_index(parents, i));
	}
	FUZZ_CHECK(fuzz_count("class/mdev_bus") == 0, "parents left");
	mdev_core_fini();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autoptr(GString) errors = g_string_new(NULL);
	GPtrArray *parents = NULL;
	int ret;

	if (loads_plugin_path(text))
		return 0;
	log_capture(errors);
	ret = config_load_text(NAME, text, &parents);
	log_capture(NULL);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "returned %d", ret);
		check_errors(text, errors->str);
		return 0;
	}
	FUZZ_CHECK(parents && parents->len > 0, "loaded without parents");
	check_registers(parents);
	config_free_parents(parents);
	return 0;
}
