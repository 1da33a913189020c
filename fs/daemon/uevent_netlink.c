// SPDX-License-Identifier: MIT
/*
 * Uevents on the wire.  Route K is what lib/kobject_uevent.c's
 * uevent_net_rcv() accepts from userspace: a netlink request to the kernel
 * whose payload is "ACTION@DEVPATH\0KEY=VALUE\0...", to which the kernel
 * appends SEQNUM before it broadcasts the event on group 1.  Route U is
 * udevd's monitor format on group 2: a 40-byte "libudev" header with the
 * MurmurHash2 of the subsystem that filtering receivers check in BPF, then
 * the properties.
 *
 * Route U stands in for a udevd.  When route K is on and a udevd listens
 * in the network namespace, udevd itself passes each event on to group 2
 * (after its rules), so route U stays silent: a listener would hear every
 * event twice.  Otherwise route U's SEQNUM is the kernel's for the same
 * event when route K carried it, so no two events share a number.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <net/if.h>

#include "log.h"
#include "uevent_netlink.h"

#define UEVENT_BUFFER_SIZE 2048  /* the kernel's limit, SEQNUM included */
#define UDEV_MONITOR_MAGIC 0xfeedcafe
#define UDEV_GROUP 2
/* udevd's control socket, in /proc/net/unix of its network namespace
 * whatever its mount namespace. */
#define UDEVD_SOCKET " /run/udev/control\n"
/* Reading that file costs tens of microseconds (the kernel walks every
 * unix socket), more than the rest of an event: with no udevd, it is read
 * at most this often.  A udevd that comes meanwhile hears the next events
 * twice for that long; one that goes is noticed at once, since then an
 * event route U leaves to it would be lost. */
#define UDEVD_RECHECK_US 100000

/* udevd's struct monitor_netlink_header (sd-device/device-monitor.c). */
struct udev_header {
	char prefix[8];
	uint32_t magic;          /* big-endian */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* big-endian */
	uint32_t filter_devtype_hash;   /* big-endian */
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

static struct {
	int fd;
	unsigned int routes;
	uint64_t seqnum;              /* route U; the sending thread only */
	int seqnum_fd;                /* /sys/kernel/uevent_seqnum, or -1 */
	bool udevd;                   /* one was listening at the last event;
				       * the sending thread only */
	gint64 udevd_checked;         /* when; the sending thread only */
	atomic_uint_fast64_t sent[2], failed[2];
	int logged[2][8];             /* errnos already logged, per route */
} nl = { .fd = -1, .seqnum_fd = -1 };

static const char *const route_names[] = { "kernel", "udev" };

uint32_t uevent_subsystem_hash(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = (uint32_t)len; /* seed 0 */

	for (; len >= 4; p += 4, len -= 4) {
		uint32_t k;

		memcpy(&k, p, 4);
		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3: h ^= (uint32_t)p[2] << 16; /* fall through */
	case 2: h ^= (uint32_t)p[1] << 8;  /* fall through */
	case 1: h ^= p[0]; h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

int uevent_routes_parse(const char *list, unsigned int *routes)
{
	g_auto(GStrv) words = g_strsplit(list, ",", -1);

	*routes = 0;
	if (!strcmp(list, "none"))
		return 0;
	for (char **w = words; *w; w++) {
		if (!strcmp(*w, "kernel"))
			*routes |= UEVENT_ROUTE_KERNEL;
		else if (!strcmp(*w, "udev"))
			*routes |= UEVENT_ROUTE_UDEV;
		else
			return -EINVAL;
	}
	return *routes ? 0 : -EINVAL;
}

/* Only loopback: a namespace made for this, like `unshare -n`'s. */
static bool only_loopback(void)
{
	struct if_nameindex *ifs = if_nameindex();
	bool lo = ifs != NULL;

	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		if (strcmp(i->if_name, "lo") != 0)
			lo = false;
	if (ifs)
		if_freenameindex(ifs);
	return lo;
}

unsigned int uevent_routes_default(void)
{
	struct stat mine, init;
	bool own;

	if (stat("/proc/self/ns/net", &mine) == 0 &&
	    stat("/proc/1/ns/net", &init) == 0)
		own = mine.st_ino != init.st_ino;
	else /* PID 1 is out of sight: judge by the interfaces */
		own = only_loopback();
	return own ? UEVENT_ROUTE_KERNEL | UEVENT_ROUTE_UDEV : UEVENT_ROUTE_UDEV;
}

const char *uevent_routes_name(unsigned int routes)
{
	static const char *const names[] = { "none", "kernel", "udev",
					     "kernel,udev" };

	return names[routes & 3];
}

/* A failure is counted; each cause is logged the first time. */
static void failed(int route, int err)
{
	atomic_fetch_add(&nl.failed[route], 1);
	for (size_t i = 0; i < G_N_ELEMENTS(nl.logged[route]); i++) {
		if (nl.logged[route][i] == err)
			return;
		if (!nl.logged[route][i]) {
			nl.logged[route][i] = err;
			log_warn("uevents by route %s fail: %s (counted, logged once)",
				 route_names[route], strerror(err));
			return;
		}
	}
}

/* "KEY=VALUE\0" for ACTION, DEVPATH, SUBSYSTEM and the rest. */
static GString *properties(const struct uevent *ev)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "ACTION=%s", uevent_action_name(ev->action));
	g_string_append_c(s, '\0');
	g_string_append_printf(s, "DEVPATH=%s", ev->devpath);
	g_string_append_c(s, '\0');
	g_string_append_printf(s, "SUBSYSTEM=%s", ev->subsystem);
	g_string_append_c(s, '\0');
	for (guint i = 0; i < ev->env->len; i++) {
		g_string_append(s, g_ptr_array_index(ev->env, i));
		g_string_append_c(s, '\0');
	}
	return s;
}

/* The kernel's answer to a request: 0 or its errno. */
static int read_ack(void)
{
	char buf[512];
	ssize_t n = recv(nl.fd, buf, sizeof(buf), MSG_DONTWAIT);
	const struct nlmsghdr *h = (const void *)buf;

	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return n < 0 ? errno : EPROTO;
	if (h->nlmsg_type != NLMSG_ERROR)
		return EPROTO;
	return -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/* Whether the kernel took it. */
static bool send_kernel(const struct uevent *ev, const GString *props)
{
	g_autofree char *head = g_strdup_printf("%s@%s",
		uevent_action_name(ev->action), ev->devpath);
	struct nlmsghdr h = {
		.nlmsg_type = NLMSG_MIN_TYPE,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct iovec iov[3] = {
		{ &h, NLMSG_HDRLEN },
		{ head, strlen(head) + 1 },
		{ props->str, props->len },
	};
	struct msghdr msg = { &kernel, sizeof(kernel), iov, 3, NULL, 0, 0 };
	int err;

	h.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + iov[1].iov_len + iov[2].iov_len);
	if (h.nlmsg_len - NLMSG_HDRLEN + sizeof("SEQNUM=18446744073709551615") >
	    UEVENT_BUFFER_SIZE) {
		failed(0, EMSGSIZE);
		return false;
	}
	if (sendmsg(nl.fd, &msg, MSG_DONTWAIT) < 0)
		err = errno;
	else
		err = read_ack(); /* the kernel answered while sending */
	if (err) {
		failed(0, err);
		return false;
	}
	atomic_fetch_add(&nl.sent[0], 1);
	return true;
}

/* The kernel's counter, or 0. */
static uint64_t kernel_seqnum(void)
{
	char buf[32];
	ssize_t n = nl.seqnum_fd < 0 ? -1 :
		pread(nl.seqnum_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return g_ascii_strtoull(buf, NULL, 10);
}

static bool udevd_listening(void)
{
	g_autofree char *sockets = NULL;
	gint64 t = g_get_monotonic_time();
	bool now;

	if (!nl.udevd && nl.udevd_checked && t - nl.udevd_checked < UDEVD_RECHECK_US)
		return false;
	nl.udevd_checked = t;
	if (!g_file_get_contents("/proc/net/unix", &sockets, NULL, NULL))
		return false;
	now = strstr(sockets, UDEVD_SOCKET) != NULL;
	if (now != nl.udevd)
		log_info(now ? "uevents: a udevd listens here: route udev is "
			 "left to it" : "uevents: no udevd listens here any "
			 "more: route udev resumes");
	nl.udevd = now;
	return now;
}

/* udevd's events carry SEQNUM: the kernel's when route K took the event
 * (the kernel numbered it while sendmsg() ran), else this route's own
 * count.  Appends it to @props. */
static void send_udev(const struct uevent *ev, GString *props, bool numbered)
{
	uint64_t kernel = numbered ? kernel_seqnum() : 0;

	nl.seqnum = kernel ? kernel : nl.seqnum + 1;
	g_string_append_printf(props, "SEQNUM=%" PRIu64, nl.seqnum);
	g_string_append_c(props, '\0');

	gsize len = props->len;
	struct udev_header h = {
		.prefix = "libudev",
		.magic = htobe32(UDEV_MONITOR_MAGIC),
		.header_size = sizeof(h),
		.properties_off = sizeof(h),
		.properties_len = (uint32_t)len,
		.filter_subsystem_hash = htobe32(uevent_subsystem_hash(ev->subsystem)),
	};
	struct sockaddr_nl group = { .nl_family = AF_NETLINK,
				     .nl_groups = UDEV_GROUP };
	struct iovec iov[2] = { { &h, sizeof(h) }, { props->str, len } };
	struct msghdr msg = { &group, sizeof(group), iov, 2, NULL, 0, 0 };

	if (sendmsg(nl.fd, &msg, MSG_DONTWAIT) < 0)
		failed(1, errno);
	else
		atomic_fetch_add(&nl.sent[1], 1);
}

void uevent_netlink_send(const struct uevent *ev)
{
	g_autoptr(GString) props = NULL;
	bool numbered = false;

	if (nl.fd < 0)
		return;
	props = properties(ev);
	if (nl.routes & UEVENT_ROUTE_KERNEL)
		numbered = send_kernel(ev, props);
	if (!(nl.routes & UEVENT_ROUTE_UDEV) || (numbered && udevd_listening()))
		return;
	send_udev(ev, props, numbered);
}

int uevent_netlink_open(unsigned int routes)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };

	if (routes & UEVENT_ROUTES_DEFAULT)
		routes = uevent_routes_default();
	nl.routes = routes;
	if (!routes)
		return 0;
	nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (nl.fd < 0 || bind(nl.fd, (struct sockaddr *)&self, sizeof(self))) {
		log_err("uevents: cannot open a netlink socket: %s; none will be sent",
			strerror(errno));
		if (nl.fd >= 0)
			close(nl.fd);
		nl.fd = -1;
		return -errno;
	}
	/* route U's own count starts where the kernel's is, so the numbers
	 * look like what udevd forwards */
	nl.seqnum_fd = open("/sys/kernel/uevent_seqnum", O_RDONLY | O_CLOEXEC);
	nl.seqnum = kernel_seqnum();
	log_info("uevents by route %s", uevent_routes_name(routes));
	return 0;
}

unsigned int uevent_netlink_routes(void)
{
	return nl.fd >= 0 ? nl.routes : 0;
}

void uevent_netlink_counts(struct uevent_counts *c)
{
	for (int r = 0; r < 2; r++) {
		c->sent[r] = atomic_load(&nl.sent[r]);
		c->failed[r] = atomic_load(&nl.failed[r]);
	}
}

void uevent_netlink_close(void)
{
	struct uevent_counts c;

	if (nl.fd < 0)
		return;
	uevent_netlink_counts(&c);
	for (int r = 0; r < 2; r++)
		if (nl.routes & (1u << r))
			log_info("uevents by route %s: %" PRIu64 " sent, %" PRIu64
				 " failed", route_names[r], c.sent[r], c.failed[r]);
	close(nl.fd);
	nl.fd = -1;
	if (nl.seqnum_fd >= 0)
		close(nl.seqnum_fd);
	nl.seqnum_fd = -1;
}
