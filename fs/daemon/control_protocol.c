// SPDX-License-Identifier: MIT
/* The control socket's name and address, for its client and its server. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "control_protocol.h"
#include "log.h"
#include "mount.h"

static const struct command_shape {
	const char *name;
	int min_args, max_args; /* -1: any number */
	const char *only;       /* the one argument there may be, or NULL */
} shapes[] = {
	{ "status", 0, 0, NULL },
	{ "list", 0, 1, "--json" },
	{ "register", 1, 1, NULL },
	{ "unregister", 1, -1, NULL },
	{ "hold", 1, 1, NULL },
	{ "vanish", 1, 1, NULL },
	{ "fault", 2, -1, NULL },
	/* ctl's -t SECONDS is its own: the daemon is sent "stop" alone. */
	{ "stop", 0, 2, NULL },
};

char *control_check(char **args, int nargs)
{
	for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
		const struct command_shape *c = &shapes[i];

		if (strcmp(c->name, args[0]) != 0)
			continue;
		if (nargs - 1 < c->min_args ||
		    (c->max_args >= 0 && nargs - 1 > c->max_args))
			return g_strdup_printf("%s: wrong number of arguments",
					       args[0]);
		if (c->only && nargs > 1 && strcmp(args[1], c->only) != 0)
			return g_strdup_printf("%s: unknown argument '%s' "
					       "(only %s)", args[0], args[1],
					       c->only);
		return NULL;
	}
	return g_strdup_printf("%s: unknown command", args[0]);
}

char *control_name(const char *mountpoint)
{
	g_autofree char *path = mount_absolute_path(mountpoint);

	if (!path) {
		log_err("mountpoint %s: %s", mountpoint, g_strerror(errno));
		return NULL;
	}
	return g_strconcat(CONTROL_PREFIX, path, NULL);
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
