// SPDX-License-Identifier: MIT
/*
 * `mdevfs ctl`: plugs and unplugs parents of a running mdevfs, lists them
 * and holds devices open, over the daemon's control socket (control.h).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "attr_io.h"
#include "control_protocol.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "mount.h"
#include "usage.h"

/* The commands, each with its usage: the whole list is --help, one entry
 * is `ctl CMD --help` (and `ctl help CMD`).  The daemon checks the
 * arguments (control_commands.c). */
struct ctl_command {
	const char *name;
	const char *args;
	const char *help; /* lines of it, each indented when printed */
};

static const struct ctl_command commands[] = {
	{ "status", "",
	  "serving, the daemon's pid, its devices and parents\n"
	  "(exit status 75 while it stops: try again)" },
	{ "list", "[--json]",
	  "the parents: name, state, path, devices, and\n"
	  "what the vendor holds; --json: also their types\n"
	  "and devices, as one JSON document" },
	{ "register", "FILE",
	  "plug the parents of a configuration file (- for\n"
	  "stdin), as a driver that loads: all or none" },
	{ "unregister", "PARENT...",
	  "unplug parents, as devices that go away: waits for\n"
	  "creates and removes in flight, removes every device" },
	{ "hold", "UUID",
	  "keep a device open, as a VM using it, until this\n"
	  "command ends (Ctrl-C); prints the requests to let\n"
	  "it go that a remove makes meanwhile" },
	{ "fault", "PARENT TYPE [KEY=VALUE...]",
	  "set and show the faults of a type (* for all):\n"
	  "probe_delay_ms, remove_delay_ms, probe_fail_percent,\n"
	  "probe_fail_errno, probe_fail_seed" },
	{ "vanish", "PARENT",
	  "the parent's hardware goes away: its vendor fails\n"
	  "with ENODEV from now on, then it unplugs" },
	{ "stop", "[-t SECONDS]",
	  "stop it as SIGTERM does and return once every device\n"
	  "is removed, the tree unmounted and the daemon gone;\n"
	  "silent if so.  Exit status 1: it failed, 3: no mdevfs\n"
	  "runs there, 124: still stopping after SECONDS\n"
	  "(default: no limit)" },
};

#define HELP_COLUMN 23

/* @help's lines: the first after @first spaces, the others after @indent. */
static void print_help_lines(FILE *out, const char *help, int first, int indent)
{
	g_auto(GStrv) lines = g_strsplit(help, "\n", -1);

	for (char **l = lines; *l; l++)
		fprintf(out, "%*s%s\n", l == lines ? first : indent, "", *l);
}

static void print_command(FILE *out, const struct ctl_command *cmd)
{
	int len = fprintf(out, "  %s%s%s", cmd->name, *cmd->args ? " " : "",
			  cmd->args);

	/* too long for the column: the help starts on a line of its own */
	if (len >= HELP_COLUMN - 1) {
		fputc('\n', out);
		len = 0;
	}
	print_help_lines(out, cmd->help, HELP_COLUMN - len, HELP_COLUMN);
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mdevfs ctl [-m MOUNTPOINT] COMMAND [ARGS...]\n"
"       mdevfs ctl COMMAND --help\n"
"\n"
"Talks to the mdevfs serving MOUNTPOINT (default: $" CONTROL_ENV ", set\n"
"inside `mdevfs run`, else the only mdevfs mounted).  Only root may use it\n"
"(and the user who started it, for an mdevfs not run as root).\n"
"\n"
"  -m, --mountpoint MOUNTPOINT  the mdevfs to talk to\n"
"  -h, --help         show this help\n"
"\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		print_command(out, &commands[i]);
	fprintf(out, "\nSee mdevfs-ctl(8).\n");
}

static const struct ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* `ctl CMD --help`: CMD's usage alone, to stdout; 2 for no such CMD. */
static int command_usage(const char *name)
{
	const struct ctl_command *cmd = find_command(name);

	if (!cmd) {
		log_err("ctl: unknown command '%s' (see mdevfs ctl --help)", name);
		return 2;
	}
	printf("Usage: mdevfs ctl [-m MOUNTPOINT] %s%s%s\n\n", cmd->name,
	       *cmd->args ? " " : "", cmd->args);
	print_help_lines(stdout, cmd->help, 2, 2);
	return 0;
}

/* Whether ARGS (CMD's) ask for its help: `ctl help [CMD]`, or `--help`
 * or `-h` anywhere after CMD; then *ret is the exit status. */
static bool help_asked(char **args, int nargs, int *ret)
{
	if (!strcmp(args[0], "help")) {
		if (nargs > 1)
			*ret = command_usage(args[1]);
		else
			usage(stdout), *ret = 0;
		return true;
	}
	for (int i = 1; i < nargs; i++)
		if (!strcmp(args[i], "--help") || !strcmp(args[i], "-h")) {
			*ret = command_usage(args[0]);
			return true;
		}
	return false;
}

static volatile sig_atomic_t stop_holding;

static void on_signal(int sig)
{
	(void)sig;
	if (!stop_holding)
		stop_holding = 1;
}

/* -m, $MDEVFS_CTL, or the one mdevfs mount there is. */
static char *find_name(const char *mountpoint)
{
	const char *env = getenv(CONTROL_ENV);
	g_auto(GStrv) mounts = NULL;
	g_autofree char *list = NULL;

	if (mountpoint)
		return control_name(mountpoint);
	if (env && *env)
		return g_strdup(env);
	mounts = mount_mdevfs_paths();
	if (g_strv_length(mounts) == 1)
		return control_name(mounts[0]);
	list = g_strjoinv(", ", mounts);
	log_err(mounts[0] ? "ctl: mdevfs is mounted on %s: say which with -m"
			  : "ctl: no mdevfs is mounted here%s", list);
	return NULL;
}

int ctl_connect(const char *name)
{
	int fd = control_connect(name);

	if (fd >= 0)
		return fd;
	log_err(fd == -ECONNREFUSED ?
		"ctl: no mdevfs answers at @%s (is it running, in this "
		"network namespace?)" : "ctl: @%s: %s", name, g_strerror(-fd));
	return fd;
}

/* Until @fd is readable: 0, or -ETIMEDOUT at @deadline (monotonic µs;
 * 0: none). */
static int wait_readable(int fd, gint64 deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	gint64 left;

	if (!deadline)
		return 0;
	left = deadline - g_get_monotonic_time();
	if (left <= 0 || poll(&pfd, 1, (int)MIN(left / 1000 + 1, INT32_MAX)) == 0)
		return -ETIMEDOUT;
	return 0;
}

/* The command line, and for register the file. */
static int send_request(int fd, char **args, int nargs)
{
	g_autoptr(GString) line = g_string_new(NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	g_autofree char *file = NULL;

	/* The daemon finds a plugin's relative path from the file's
	 * directory: it needs the absolute name (docs/plugins.md). */
	if (!strcmp(args[0], "register") && nargs == 2 && strcmp(args[1], "-") != 0)
		file = g_canonicalize_filename(args[1], NULL);
	/* Progress is for a person watching (a terminal), not a log; asked
	 * for only where there is some, as a daemon older than it knows no
	 * CONTROL_PROGRESS. */
	if (!strcmp(args[0], "unregister") && isatty(STDERR_FILENO))
		g_string_append(line, CONTROL_PROGRESS " ");
	for (int i = 0; i < nargs; i++) {
		g_autofree char *q = g_shell_quote(i == 1 && file ? file : args[i]);

		if (strchr(args[i], '\n')) {
			log_err("ctl: an argument has a newline");
			return -1;
		}
		g_string_append_printf(line, "%s%s", i ? " " : "", q);
	}
	g_string_append_c(line, '\n');
	if (!strcmp(args[0], "register") && nargs == 2) {
		const char *path = strcmp(args[1], "-") ? args[1] : "/dev/stdin";

		if (!g_file_get_contents(path, &text, &len, &err)) {
			log_err("ctl: %s", err ? err->message : args[1]);
			return -1;
		}
	}
	/* A daemon that refuses closes early: its answer says why (a failed
	 * send here does not). */
	if (write_all(fd, line->str, line->len) == 0 && text)
		write_all(fd, text, len);
	/* A hold ends when this side closes; the others end their input. */
	if (strcmp(args[0], "hold") != 0)
		shutdown(fd, SHUT_WR);
	return 0;
}

/* One line of the answer; a progress line stays on the terminal until
 * the next replaces it, and ends with the next line of another kind. */
static void print_line(const char *line, bool *in_progress)
{
	if (*in_progress && line[0] != 'p')
		fputc('\n', stderr);
	*in_progress = line[0] == 'p';
	if (line[0] == 'x')
		return;
	if (line[0] == 'p')
		fprintf(stderr, "\r%s\033[K", line + 2);
	else
		fprintf(line[0] == 'o' ? stdout : stderr, "%s\n", line + 2);
	fflush(stdout);
	fflush(stderr);
}

int ctl_print_answer(int fd, gint64 deadline, GString *errors)
{
	g_autoptr(GString) in = g_string_new(NULL);
	bool in_progress = false;

	for (;;) {
		char buf[4096], *nl;
		ssize_t n;

		while ((nl = memchr(in->str, '\n', in->len))) {
			*nl = '\0';
			if (errors && in->str[0] == 'e')
				g_string_append_printf(errors, "%s\n", in->str + 2);
			else
				print_line(in->str, &in_progress);
			if (in->str[0] == 'x')
				return atoi(in->str + 2);
			g_string_erase(in, 0, nl + 1 - in->str);
		}
		if (wait_readable(fd, deadline))
			return -ETIMEDOUT;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR && stop_holding == 1) {
			/* Ctrl-C ends a hold: the daemon lets the device go
			 * and says so, so that when this exits it is free. */
			stop_holding = 2;
			shutdown(fd, SHUT_WR);
			deadline = g_get_monotonic_time() + (gint64)5 * G_USEC_PER_SEC;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_err("ctl: the daemon closed the connection");
			return 1;
		}
		g_string_append_len(in, buf, n);
	}
}

int ctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	g_autofree char *name = NULL;
	g_autofree char *wrong = NULL;
	const char *mountpoint = NULL;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "+m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': mountpoint = optarg; break;
		case 'h': usage(stdout); return 0;
		default: return usage_error("ctl");
		}
	}
	if (optind >= argc) {
		log_err("ctl: missing COMMAND");
		return usage_error("ctl");
	}
	if (help_asked(argv + optind, argc - optind, &ret))
		return ret;
	/* A wrong command is one whether a daemon runs or not. */
	wrong = control_check(argv + optind, argc - optind);
	if (wrong) {
		log_err("ctl: %s", wrong);
		return usage_error("ctl");
	}
	name = find_name(mountpoint);
	if (!name)
		return 1;
	if (!strcmp(argv[optind], "stop"))
		return ctl_stop(name, argc - optind, argv + optind);
	fd = ctl_connect(name);
	if (fd < 0)
		return 1;
	if (!strcmp(argv[optind], "hold")) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	ret = send_request(fd, argv + optind, argc - optind) ? 1 :
	      ctl_print_answer(fd, 0, NULL);
	close(fd);
	return ret;
}
