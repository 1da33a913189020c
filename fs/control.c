// SPDX-License-Identifier: MIT
/*
 * The control socket's server: one thread accepts, a thread per connection
 * runs its command, so an unregistration waiting for a slow vendor holds
 * up no other command.  The protocol is in control.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "fs.h"
#include "log.h"
#include "macro.h"
#include "mdev.h"

struct control {
	int listen_fd;
	int stop_fd;              /* eventfd: wakes the acceptor */
	pthread_t acceptor;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* a connection ended */
	GList *conns;             /* struct conn *; lock */
	bool stopping;            /* lock */
};

struct conn {
	struct daemon *d;
	struct control *ctl;
	int fd;
	GString *in;              /* read, not yet used */
	int requests[2];          /* hold: a pipe of request counts */
};

char *control_name(const char *mountpoint)
{
	g_autofree char *real = realpath(mountpoint, NULL);

	if (!real) {
		log_err("mountpoint %s: %s", mountpoint, g_strerror(errno));
		return NULL;
	}
	return g_strconcat(CONTROL_PREFIX, real, NULL);
}

socklen_t control_address(const char *name, struct sockaddr_un *sa)
{
	size_t len = strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] stays 0: the abstract namespace */
	if (len > sizeof(sa->sun_path) - 1) {
		g_autofree char *sum = g_compute_checksum_for_string(
			G_CHECKSUM_SHA256, name, -1);

		len = (size_t)g_snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
					 "%ssha256:%s", CONTROL_PREFIX, sum);
	} else {
		memcpy(sa->sun_path + 1, name, len);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

int control_connect(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len = control_address(name, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, len) == 0)
		return fd;
	err = errno;
	close(fd);
	return -err;
}

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

/* Reads more of the stream; 0 at its end, -1 on an error. */
static ssize_t read_more(struct conn *c)
{
	char buf[4096];
	ssize_t n;

	do
		n = read(c->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		g_string_append_len(c->in, buf, n);
	return n;
}

static int cmd_list(struct conn *c, char **args)
{
	g_autoptr(GString) out = g_string_new(NULL);

	(void)args;
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

static int cmd_unregister(struct conn *c, char **args)
{
	int status = 0;

	for (char **name = args; *name; name++) {
		int ret = parents_unplug(c->d, *name);

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

static const struct command {
	const char *name;
	int min_args, max_args; /* -1: any number */
	int (*run)(struct conn *c, char **args);
} commands[] = {
	{ "list", 0, 0, cmd_list },
	{ "register", 1, 1, cmd_register },
	{ "unregister", 1, -1, cmd_unregister },
	{ "hold", 1, 1, cmd_hold },
	{ "vanish", 1, 1, cmd_vanish },
	{ "fault", 2, -1, cmd_fault },
};

/* The command line: one line of shell-quoted words. */
static int run_command_line(struct conn *c)
{
	g_auto(GStrv) argv = NULL;
	char *nl;
	int argc;

	while (!(nl = memchr(c->in->str, '\n', c->in->len)))
		if (c->in->len > 4096 || read_more(c) <= 0) {
			say(c, 'e', "no command");
			return 1;
		}
	*nl = '\0';
	if (!g_shell_parse_argv(c->in->str, &argc, &argv, NULL)) {
		say(c, 'e', "cannot parse the command line");
		return 1;
	}
	g_string_erase(c->in, 0, nl + 1 - c->in->str);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		const struct command *cmd = &commands[i];

		if (strcmp(cmd->name, argv[0]) != 0)
			continue;
		if (argc - 1 < cmd->min_args ||
		    (cmd->max_args >= 0 && argc - 1 > cmd->max_args)) {
			say(c, 'e', "%s: wrong number of arguments", argv[0]);
			return 2;
		}
		return cmd->run(c, argv + 1);
	}
	say(c, 'e', "%s: unknown command", argv[0]);
	return 2;
}

int control_serve(struct daemon *d, int fd)
{
	struct conn c = { .d = d, .fd = fd, .in = g_string_new(NULL),
			  .requests = { -1, -1 } };
	int status = run_command_line(&c);

	say(&c, 'x', "%d", status);
	if (c.requests[0] >= 0) {
		close(c.requests[0]);
		close(c.requests[1]);
	}
	g_string_free(c.in, TRUE);
	return status;
}

/*
 * SO_PEERCRED: the peer's effective uid when it connected, as this
 * daemon's user namespace sees it (root of a user namespace is its owner
 * here).  Root controls any mdevfs; a root daemon serves nobody else.  A
 * daemon of an ordinary user (its own mount, which only it can use) also
 * serves that user: the socket is its own, as its files are.
 */
static bool authorized(struct conn *c, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*uid = (uid_t)-1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	*uid = cred.uid;
	if (cred.uid == 0)
		return true;
	return geteuid() != 0 && cred.uid == geteuid();
}

static void conn_free(struct conn *c)
{
	if (c->requests[0] >= 0) {
		close(c->requests[0]);
		close(c->requests[1]);
	}
	close(c->fd);
	g_string_free(c->in, TRUE);
	g_free(c);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct control *ctl = c->ctl;
	uid_t uid;
	int status;

	if (authorized(c, &uid)) {
		status = run_command_line(c);
	} else {
		log_warn("ctl: refused a client of uid %d", (int)uid);
		say(c, 'e', geteuid() == 0 ?
		    "permission denied: only root may control this mdevfs" :
		    "permission denied: only root and the daemon's user may "
		    "control this mdevfs");
		status = 1;
	}
	say(c, 'x', "%d", status);
	pthread_mutex_lock(&ctl->lock);
	ctl->conns = g_list_remove(ctl->conns, c);
	conn_free(c);
	pthread_cond_broadcast(&ctl->cond);
	pthread_mutex_unlock(&ctl->lock);
	return NULL;
}

static void accept_one(struct control *ctl, struct daemon *d)
{
	struct conn *c;
	pthread_t thread;
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return; /* EAGAIN: the client gave up meanwhile */
	c = g_new0(struct conn, 1);
	c->d = d;
	c->ctl = ctl;
	c->fd = fd;
	c->in = g_string_new(NULL);
	c->requests[0] = c->requests[1] = -1;
	pthread_mutex_lock(&ctl->lock);
	if (ctl->stopping || thread_spawn(&thread, conn_main, c)) {
		conn_free(c);
	} else {
		ctl->conns = g_list_prepend(ctl->conns, c);
		pthread_detach(thread);
	}
	pthread_mutex_unlock(&ctl->lock);
}

struct acceptor {
	struct daemon *d;
	struct control *ctl;
};

static void *acceptor_main(void *arg)
{
	struct acceptor *a = arg;
	struct pollfd fds[] = {
		{ .fd = a->ctl->listen_fd, .events = POLLIN },
		{ .fd = a->ctl->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents & POLLIN)
			accept_one(a->ctl, a->d);
	}
	g_free(a);
	return NULL;
}

int control_open(struct daemon *d, const char *name)
{
	struct control *ctl = g_new0(struct control, 1);
	struct sockaddr_un sa;
	socklen_t len = control_address(name, &sa);

	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ctl->stop_fd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_cond_init(&ctl->cond, NULL);
	d->control = ctl;
	if (ctl->listen_fd < 0 || ctl->stop_fd < 0 ||
	    bind(ctl->listen_fd, (struct sockaddr *)&sa, len) ||
	    listen(ctl->listen_fd, 128)) {
		log_err("control socket @%s: %s%s", name, g_strerror(errno),
			errno == EADDRINUSE ? " (another mdevfs serves there)" : "");
		control_stop(d);
		return -1;
	}
	return 0;
}

int control_start(struct daemon *d)
{
	struct control *ctl = d->control;
	struct acceptor *a = g_new(struct acceptor, 1);

	a->d = d;
	a->ctl = ctl;
	if (thread_spawn(&ctl->acceptor, acceptor_main, a)) {
		log_err("cannot start the control socket's thread");
		g_free(a);
		return -1;
	}
	ctl->started = true;
	return 0;
}

void control_stop(struct daemon *d)
{
	struct control *ctl = move_ptr(d->control);
	uint64_t one = 1;

	if (!ctl)
		return;
	pthread_mutex_lock(&ctl->lock);
	ctl->stopping = true;
	pthread_mutex_unlock(&ctl->lock);
	if (ctl->started) {
		(void)!write(ctl->stop_fd, &one, sizeof(one));
		pthread_join(ctl->acceptor, NULL);
	}
	pthread_mutex_lock(&ctl->lock);
	for (GList *l = ctl->conns; l; l = l->next)
		shutdown(((struct conn *)l->data)->fd, SHUT_RDWR);
	while (ctl->conns)
		pthread_cond_wait(&ctl->cond, &ctl->lock);
	pthread_mutex_unlock(&ctl->lock);
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	if (ctl->stop_fd >= 0)
		close(ctl->stop_fd);
	pthread_cond_destroy(&ctl->cond);
	pthread_mutex_destroy(&ctl->lock);
	g_free(ctl);
}
