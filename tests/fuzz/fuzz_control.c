// SPDX-License-Identifier: MIT
/*
 * The control interface (fs/daemon/control.c): the input is what a client sends,
 * "COMMAND ARG...\n" and for `register` a configuration, served by
 * control_serve() on one end of a socketpair against a real daemon state:
 * the built-in samples plugged as at start (fs/daemon/parents.c), one device
 * created on mtty.  Everything but the socket server and FUSE is real.
 *
 * Invariants: the reply is lines of "o TEXT" and "e TEXT" ending in one
 * "x STATUS" with the status returned (0, 1 or 2; 2 exactly for an
 * unknown command or a wrong number of arguments); what the reply says
 * was registered, unregistered or vanished is so in `list` afterwards;
 * the daemon's parents and devices are what they were unless the command
 * changed them; everything unplugs cleanly and nothing leaks.
 *
 * Inputs that name a plugin are skipped: `register` would dlopen() it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "builtin.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "fuzz.h"
#include "log.h"
#include "mdev.h"

#define RESIDENT "f00dfa11-5eed-4e11-a0de-000000000001"
#define REQUEST_MAX 4096 /* the command line's limit in run_command_line() */

static void daemon_up(struct daemon *d)
{
	g_autofree char *create = fuzz_create_path("mtty", "mtty-1");
	GPtrArray *parents;

	config_set_backends(builtin_backends);
	mdev_core_init(NULL);
	*d = (struct daemon){ .plugged = g_ptr_array_new() };
	lock_mutex_init(&d->lock, LOCK_DAEMON);
	pthread_cond_init(&d->unplugged, NULL);
	FUZZ_CHECK(config_load(NULL, &parents) == 0, "no samples");
	FUZZ_CHECK(parents_plug(d, parents) == 0, "cannot plug the samples");
	FUZZ_CHECK(fuzz_store(create, RESIDENT, 36) == 36, "cannot create");
}

static void daemon_down(struct daemon *d)
{
	static const char *const no_delay[] = { "remove_delay_ms=0", NULL };
	g_autoptr(GString) list = g_string_new(NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;

	/* A `fault` may have made removes wait an hour: not this one. */
	parents_list(d, list);
	lines = g_strsplit(list->str, "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		g_autofree char *name = g_strndup(*l, strcspn(*l, " "));

		(void)parents_fault(d, name, "*", (char **)no_delay, out);
	}
	parents_unplug_all(d);
	g_ptr_array_free(d->plugged, TRUE);
	pthread_cond_destroy(&d->unplugged);
	lock_mutex_destroy(&d->lock);
	mdev_core_fini();
}

/* The request through a socketpair: the reply's text, the status. */
static int serve(struct daemon *d, const uint8_t *data, size_t size,
		 GString *reply)
{
	int sv[2], status;
	char buf[4096];
	ssize_t n;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		   "socketpair: %s", g_strerror(errno));
	FUZZ_CHECK(write(sv[0], data, size) == (ssize_t)size, "short write");
	shutdown(sv[0], SHUT_WR);
	/* The reply cannot fill the buffer and block: it is never read
	 * while the daemon's side writes. */
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0, "fcntl");
	status = control_serve(d, sv[1]);
	close(sv[1]);
	while ((n = read(sv[0], buf, sizeof(buf))) > 0)
		g_string_append_len(reply, buf, n);
	close(sv[0]);
	return status;
}

static void check_reply(const char *reply, int status)
{
	g_auto(GStrv) lines = g_strsplit(reply, "\n", -1);
	guint n = g_strv_length(lines);
	g_autofree char *last = g_strdup_printf("x %d", status);

	FUZZ_CHECK(status >= 0 && status <= 2, "status %d", status);
	FUZZ_CHECK(n >= 2 && !*lines[n - 1], "reply not in lines");
	FUZZ_CHECK(!strcmp(lines[n - 2], last), "last line '%s'", lines[n - 2]);
	for (guint i = 0; i + 2 < n; i++)
		FUZZ_CHECK(g_str_has_prefix(lines[i], "o ") ||
			   g_str_has_prefix(lines[i], "e "), "line '%s'", lines[i]);
}

/* The parents `list` shows, by name. */
static bool listed(struct daemon *d, const char *name)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;

	parents_list(d, out);
	lines = g_strsplit(out->str, "\n", -1);
	for (char **l = lines; *l; l++)
		if (g_str_has_prefix(*l, name) && (*l)[strlen(name)] == ' ')
			return true;
	return false;
}

/* What the reply says happened, checked against the daemon. */
static void check_effects(struct daemon *d, const char *reply)
{
	g_auto(GStrv) lines = g_strsplit(reply, "\n", -1);

	for (char **l = lines; *l; l++) {
		const char *name;

		if ((name = g_str_has_prefix(*l, "o registered ") ? *l + 13 : NULL))
			FUZZ_CHECK(listed(d, name), "%s: registered, not listed", name);
		if ((name = g_str_has_prefix(*l, "o unregistered ") ? *l + 15 : NULL))
			FUZZ_CHECK(!listed(d, name), "%s: unregistered, listed", name);
		if (g_str_has_suffix(*l, " vanished") && g_str_has_prefix(*l, "o ")) {
			g_autofree char *v = g_strndup(*l + 2, strlen(*l) - 11);

			FUZZ_CHECK(!listed(d, v), "%s: vanished, listed", v);
		}
	}
}

/* 2 exactly for an unknown command, a wrong number of arguments, or
 * list's one argument not --json. */
static bool misused(const uint8_t *data, size_t size)
{
	static const struct { const char *name; int min, max; } cmds[] = {
		{ "status", 0, 0 }, { "list", 0, 1 }, { "register", 1, 1 }, { "unregister", 1, -1 },
		{ "hold", 1, 1 }, { "vanish", 1, 1 }, { "fault", 2, -1 }, { "stop", 0, 2 },
	};
	const uint8_t *nl = memchr(data, '\n', size);
	g_autofree char *line = nl ? g_strndup((const char *)data,
					       (size_t)(nl - data)) : NULL;
	g_auto(GStrv) argv = NULL;
	char **w;
	int argc;

	if (!line || !g_shell_parse_argv(line, &argc, &argv, NULL))
		return false;
	/* a client that shows progress says so first */
	w = argv;
	if (argc > 1 && !strcmp(w[0], "--progress"))
		w++, argc--;
	if (!strcmp(w[0], "list") && argc == 2)
		return strcmp(w[1], "--json") != 0;
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		if (!strcmp(w[0], cmds[i].name))
			return argc - 1 < cmds[i].min ||
			       (cmds[i].max >= 0 && argc - 1 > cmds[i].max);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	struct daemon d;
	bool mtty_went;
	int status;

	if (size > REQUEST_MAX || memmem(data, size, "plugin:", 7))
		return 0;
	daemon_up(&d);
	status = serve(&d, data, size, reply);
	check_reply(reply->str, status);
	FUZZ_CHECK((status == 2) == misused(data, size), "status %d", status);
	check_effects(&d, reply->str);
	mtty_went = !listed(&d, "mtty");
	FUZZ_CHECK(listed(&d, "mdpy") || strstr(reply->str, "o unregistered mdpy") ||
		   strstr(reply->str, "o mdpy vanished"), "mdpy went silently");
	FUZZ_CHECK(fuzz_count("bus/mdev/devices") == !mtty_went,
		   "the resident device is %s",
		   mtty_went ? "there without its parent" : "gone");
	daemon_down(&d);
	return 0;
}
