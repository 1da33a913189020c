// SPDX-License-Identifier: MIT
/*
 * Waiting for a uevent: what the kernel broadcasts on its netlink group in
 * the tree's network namespace, "ACTION@DEVPATH\0KEY=VALUE\0...", as udevd
 * and `udevadm monitor --kernel` hear it (docs/uevents.md, route K).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "testbed_private.h"

#define UEVENT_BUFFER_SIZE 8192

/* The properties of one message, or NULL if it is none. */
static GHashTable *parse_uevent(const char *buf, size_t len)
{
	GHashTable *props;
	const char *end = buf + len;

	if (!memchr(buf, '@', strnlen(buf, len)))
		return NULL;
	props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (const char *p = buf + strnlen(buf, len) + 1; p < end;
	     p += strnlen(p, (size_t)(end - p)) + 1) {
		const char *eq = memchr(p, '=', strnlen(p, (size_t)(end - p)));

		if (eq)
			g_hash_table_insert(props, g_strndup(p, (size_t)(eq - p)),
					    g_strdup(eq + 1));
	}
	return props;
}

static bool has(GHashTable *props, const char *key, const char *value)
{
	const char *v = g_hash_table_lookup(props, key);

	return !value || (v && !strcmp(v, value));
}

static bool matches(GHashTable *props, const char *action,
		    const char *subsystem, const char *property)
{
	g_autofree char *key = NULL;
	const char *eq;

	if (!has(props, "ACTION", action) || !has(props, "SUBSYSTEM", subsystem))
		return false;
	if (!property)
		return true;
	eq = strchr(property, '=');
	if (!eq)
		return g_hash_table_contains(props, property);
	key = g_strndup(property, (size_t)(eq - property));
	return has(props, key, eq + 1);
}

/* Waits for the next message until @deadline: its length, 0 at the
 * deadline, or -errno. */
static ssize_t next_message(int fd, char *buf, size_t size, gint64 deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	gint64 left;
	ssize_t n;

	for (;;) {
		left = deadline - g_get_monotonic_time();
		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)((left + 999) / 1000)) < 0 && errno != EINTR)
			return -errno;
		n = recv(fd, buf, size - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			return n;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

GHashTable *mdev_testbed_wait_uevent(MdevTestbed *tb, const char *action,
				     const char *subsystem,
				     const char *property, int timeout_ms,
				     GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	char buf[UEVENT_BUFFER_SIZE];
	ssize_t n;

	while ((n = next_message(tb->uevent_fd, buf, sizeof(buf), deadline)) > 0) {
		GHashTable *props = parse_uevent(buf, (size_t)n);

		if (props && matches(props, action, subsystem, property))
			return props;
		if (props)
			g_hash_table_destroy(props);
	}
	if (n < 0)
		/* ENOBUFS: the receive buffer overflowed, events are lost */
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_REFUSED,
			    "uevents: %s", g_strerror((int)-n));
	else
		g_set_error(error, MDEV_TESTBED_ERROR, MDEV_TESTBED_ERROR_TIMEOUT,
			    "no uevent%s%s%s%s%s%s in %d ms",
			    action ? " ACTION=" : "", action ? action : "",
			    subsystem ? " SUBSYSTEM=" : "", subsystem ? subsystem : "",
			    property ? " " : "", property ? property : "",
			    timeout_ms);
	return NULL;
}
