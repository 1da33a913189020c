// SPDX-License-Identifier: MIT
/*
 * The control socket's commands (the protocol is in control.h): one
 * connection's command line, parsed and run, its answer sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "control_conn.h"
#include "control_protocol.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"

/* One line to the client: 'o' (its stdout), 'e' (stderr) or 'x' (exit). */
static void say(struct conn *c, char kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct conn *c, char kind, const char *fmt, ...)
{
	g_autoptr(GString) line = g_string_new(NULL);
	va_list ap;

	g_string_append_printf(line, "%c ", kind);
	va_start(ap, fmt);
	g_string_append_vprintf(line, fmt, ap);
	va_end(ap);
	g_string_append_c(line, '\n');
	/* A client that went away loses the rest; nothing else changes. */
	(void)!send(c->fd, line->str, line->len, MSG_NOSIGNAL);
}

/* Every line of @text. */
static void say_lines(struct conn *c, char kind, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++)
		if (**l)
			say(c, kind, "%s", *l);
}

/* Reads more of the stream; 0 at its end, -1 on an error (ETIMEDOUT
 * after CONTROL_IDLE_SECONDS of silence). */
static ssize_t read_more(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;
	int ready;

	do
		ready = poll(&pfd, 1, CONTROL_IDLE_SECONDS * 1000);
	while (ready < 0 && errno == EINTR);
	if (ready == 0)
		errno = ETIMEDOUT;
	if (ready <= 0)
		return -1;
	do
		n = read(c->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		g_string_append_len(c->in, buf, n);
	return n;
}

/* For `mdevfs ctl status` and for a daemon starting on this mountpoint
 * (restart.c reads the first line). */
static int cmd_status(struct conn *c, char **args)
{
	(void)args;
	say(c, 'o', "serving pid=%d devices=%u parents=%u", (int)getpid(),
	    mdev_device_count(), parents_count(c->d));
	return 0;
}

static int cmd_list(struct conn *c, char **args)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (args[0]) /* --json, control_check() made sure */
		parents_list_json(c->d, out);
	else
		parents_list(c->d, out);
	say_lines(c, 'o', out->str);
	return 0;
}

/* The configuration text follows the command line to the end of stream. */
static int cmd_register(struct conn *c, char **args)
{
	g_autoptr(GString) errors = g_string_new(NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *parents;
	ssize_t n;
	int ret;

	while ((n = read_more(c)) > 0)
		if (c->in->len > CONTROL_MAX_CONFIG)
			break;
	if (n != 0) {
		say(c, 'e', "%s: %s", args[0], n < 0 ? g_strerror(errno) :
		    "the configuration is larger than 1 MiB");
		return 1;
	}
	log_capture(errors);
	ret = config_load_text(args[0], c->in->str, &parents);
	if (!ret) {
		for (guint i = 0; i < parents->len; i++)
			g_ptr_array_add(names, g_strdup(mdevfs_parent_name(
				g_ptr_array_index(parents, i))));
		ret = parents_plug(c->d, parents);
	}
	log_capture(NULL);
	if (ret)
		log_info("ctl: register %s failed", args[0]);
	say_lines(c, 'e', errors->str);
	for (guint i = 0; !ret && i < names->len; i++)
		say(c, 'o', "registered %s", (char *)g_ptr_array_index(names, i));
	return ret ? 1 : 0;
}

static void unplug_progress(void *ctx, unsigned int done, unsigned int total)
{
	struct conn *c = ctx;

	if (progress_due(&c->percent, done, total))
		say(c, 'p', "removing devices: %u/%u", done, total);
}

static int cmd_unregister(struct conn *c, char **args)
{
	int status = 0;

	for (char **name = args; *name; name++) {
		int ret;

		c->percent = 0;
		ret = parents_unplug_progress(c->d, *name, c->progress ?
					      unplug_progress : NULL, c);
		if (!ret)
			say(c, 'o', "unregistered %s", *name);
		else if (ret == -ENOENT)
			say(c, 'e', "%s: no such parent", *name);
		else
			say(c, 'e', "%s: being registered or unregistered; "
			    "try again", *name);
		status |= ret != 0;
	}
	return status;
}

static int cmd_vanish(struct conn *c, char **args)
{
	int ret = parents_vanish(c->d, args[0]);

	if (!ret)
		say(c, 'o', "%s vanished", args[0]);
	else if (ret == -ENOENT)
		say(c, 'e', "%s: no such parent", args[0]);
	else
		say(c, 'e', "%s: being registered or unregistered; try again",
		    args[0]);
	return ret ? 1 : 0;
}

/* fault PARENT TYPE [KEY=VALUE...]: applied in order, all or up to the
 * first bad one, which is reported. */
static int cmd_fault(struct conn *c, char **args)
{
	g_autoptr(GString) errors = g_string_new(NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	int ret;

	log_capture(errors);
	ret = parents_fault(c->d, args[0], args[1], args + 2, out);
	log_capture(NULL);
	say_lines(c, 'e', errors->str);
	if (ret == -ENOENT)
		say(c, 'e', "%s %s: no such parent or type", args[0], args[1]);
	say_lines(c, 'o', out->str);
	return ret ? 1 : 0;
}

/* Called by the core under its lock: must not block. */
static void hold_request(void *ctx, unsigned int count)
{
	struct conn *c = ctx;

	(void)!write(c->requests[1], &count, sizeof(count));
}

/* Until the client closes (or the daemon stops), passing requests on. */
static void hold_until_closed(struct conn *c)
{
	struct pollfd fds[] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = c->requests[0], .events = POLLIN },
	};
	unsigned int count;

	for (;;) {
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[1].revents & POLLIN)
			while (read(c->requests[0], &count, sizeof(count)) ==
			       sizeof(count))
				say(c, 'o', "request %u", count);
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			g_string_truncate(c->in, 0);
			if (read_more(c) <= 0)
				return;
		}
	}
}

static int cmd_hold(struct conn *c, char **args)
{
	struct mdev_holder *holder;
	uuid_t uuid;
	int ret;

	if (uuid_parse(args[0], uuid)) {
		say(c, 'e', "%s: not a UUID", args[0]);
		return 1;
	}
	if (pipe2(c->requests, O_CLOEXEC | O_NONBLOCK)) {
		say(c, 'e', "%s", g_strerror(errno));
		return 1;
	}
	ret = mdev_hold(uuid, hold_request, c, &holder);
	if (ret == -EBUSY) {
		say(c, 'e', "%s: in use (held, or its group open)", args[0]);
		return 1;
	}
	if (ret) {
		say(c, 'e', "%s: no such device, or being created or removed",
		    args[0]);
		return 1;
	}
	say(c, 'o', "holding %s", args[0]);
	hold_until_closed(c);
	mdev_unhold(holder);
	return 0;
}

/* The stop SIGTERM makes (libfuse's handler ends the loop, daemon_stop()
 * follows); the connection is answered when the daemon is done, so the
 * client returns once every device is removed, the tree unmounted and
 * the mountpoint free (control_end()). */
static int cmd_stop(struct conn *c, char **args)
{
	(void)args;
	if (c->d->run) {
		say(c, 'e', "stop: mdevfs run stops when its COMMAND ends");
		return 1;
	}
	if (!c->ctl) {
		say(c, 'e', "stop: no daemon serves this connection");
		return 1;
	}
	switch (control_keep(c)) {
	case 0:
		kill(getpid(), SIGTERM);
		return CONN_KEPT;
	case 1:
		return CONN_KEPT; /* stopping already: waits for the end too */
	default:
		say(c, 'e', "stop: %s", g_strerror(errno));
		return 1;
	}
}

static const struct command {
	const char *name;
	int (*run)(struct conn *c, char **args);
} commands[] = {
	{ "status", cmd_status },
	{ "list", cmd_list },
	{ "register", cmd_register },
	{ "unregister", cmd_unregister },
	{ "hold", cmd_hold },
	{ "vanish", cmd_vanish },
	{ "fault", cmd_fault },
	{ "stop", cmd_stop },
};

/* While the daemon stops, what the acceptor says then ("try again"). */
static int say_stopping(struct conn *c)
{
	say(c, 'e', CONTROL_STOPPING_FMT, (int)getpid(), mdev_device_count());
	return CONTROL_EX_STOPPING;
}

/* The line did not come: the client's doing, or the stop's end of its
 * input (a client that had no time to send it). */
static int no_command(struct conn *c)
{
	int err = errno;

	if (control_command_begins(c, false))
		return say_stopping(c);
	say(c, 'e', err == ETIMEDOUT ? "no command within %d s" : "no command",
	    CONTROL_IDLE_SECONDS);
	return 1;
}

/* One of a shape control_check() takes. */
static int run_command(struct conn *c, char **argv, int argc)
{
	g_autofree char *wrong = control_check(argv, argc);

	if (wrong) {
		say(c, 'e', "%s", wrong);
		return 2;
	}
	if (control_command_begins(c, !strcmp(argv[0], "stop")))
		return say_stopping(c);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(commands[i].name, argv[0]))
			return commands[i].run(c, argv + 1);
	say(c, 'e', "%s: unknown command", argv[0]);
	return 2;
}

/* The command line: one line of shell-quoted words. */
static int run_command_line(struct conn *c)
{
	g_auto(GStrv) argv = NULL;
	char *nl;
	int argc;

	while (!(nl = memchr(c->in->str, '\n', c->in->len))) {
		if (c->in->len > CONTROL_MAX_LINE) {
			say(c, 'e', "the command line is longer than %d bytes",
			    CONTROL_MAX_LINE);
			return 2;
		}
		if (read_more(c) <= 0)
			return no_command(c);
	}
	*nl = '\0';
	if (!g_shell_parse_argv(c->in->str, &argc, &argv, NULL)) {
		say(c, 'e', "cannot parse the command line");
		return 1;
	}
	g_string_erase(c->in, 0, nl + 1 - c->in->str);
	if (argc > 1 && !strcmp(argv[0], CONTROL_PROGRESS)) {
		c->progress = true;
		return run_command(c, argv + 1, argc - 1);
	}
	return run_command(c, argv, argc);
}

int conn_serve(struct conn *c)
{
	int status = run_command_line(c);

	if (status != CONN_KEPT)
		say(c, 'x', "%d", status);
	return status;
}

int control_serve(struct daemon *d, int fd)
{
	struct conn c = { .d = d, .fd = fd, .in = g_string_new(NULL),
			  .requests = { -1, -1 } };
	int status = conn_serve(&c);

	if (c.requests[0] >= 0) {
		close(c.requests[0]);
		close(c.requests[1]);
	}
	g_string_free(c.in, TRUE);
	return status;
}
