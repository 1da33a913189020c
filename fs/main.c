// SPDX-License-Identifier: MIT
/* mdevfs: mount an emulated VFIO mediated-device sysfs tree. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "uevent_netlink.h"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mdevfs [OPTIONS] MOUNTPOINT\n"
"Mounts a sysfs-shaped tree of VFIO mediated devices on MOUNTPOINT: class/,\n"
"bus/mdev, devices/ and kernel/iommu_groups, as the kernel shows them.\n"
"\n"
"  -c, --config FILE  parents and types to serve (default: the kernel's\n"
"                     sample drivers mtty, mdpy and mbochs, built in)\n"
"      --check        read the configuration, report problems and exit\n"
"  -f, --foreground   do not detach; log to stderr\n"
"  -d, --debug        foreground, with every FUSE request logged\n"
"      --uevent=LIST  uevent routes: kernel, udev, both comma-separated,\n"
"                     or none (default: udev; kernel,udev when mdevfs has\n"
"                     a network namespace of its own)\n"
"  -o OPT[,OPT...]    FUSE mount options, and mdevfs's own:\n"
"                       timeout=SECONDS  kernel entry cache (default 60)\n"
"                       max_threads=N    FUSE worker threads (default 10)\n"
"                       max_writers=N    concurrent writes (default 256)\n"
"  -h, --help         show this help\n"
"  -V, --version      show the version\n"
"\n"
"Stop it with fusermount3 -u MOUNTPOINT, SIGTERM or SIGINT: every parent\n"
"unregisters and its devices are removed.  See docs/ for the details.\n");
}

static int parse_uint(const char *what, const char *v, unsigned int *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n == 0 || n > 65536) {
		log_err("-o %s=%s: expected a number from 1 to 65536", what, v);
		return -1;
	}
	*out = (unsigned int)n;
	return 0;
}

/* Takes mdevfs's own -o options; the rest go to libfuse. */
static int parse_o(struct daemon_options *o, const char *arg)
{
	g_auto(GStrv) opts = g_strsplit(arg, ",", -1);

	for (char **p = opts; *p; p++) {
		char *v = strchr(*p, '=');
		char *end;

		if (v && !strncmp(*p, "timeout=", 8)) {
			o->fs.timeout = strtod(v + 1, &end);
			if (!v[1] || *end || o->fs.timeout < 0) {
				log_err("-o %s: expected seconds", *p);
				return -1;
			}
		} else if (v && !strncmp(*p, "max_threads=", 12)) {
			if (parse_uint("max_threads", v + 1, &o->fs.max_threads))
				return -1;
		} else if (v && !strncmp(*p, "max_writers=", 12)) {
			if (parse_uint("max_writers", v + 1, &o->fs.max_writers))
				return -1;
		} else if (**p) {
			g_ptr_array_add(o->fuse_opts, g_strdup(*p));
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "uevent", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_options o = {
		.fs = { .timeout = 60.0, .max_threads = 10, .max_writers = 256 },
	};
	g_autoptr(GPtrArray) fuse_opts = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *parents = NULL;
	bool check = false, uevent_set = false;
	int c;

	o.fuse_opts = fuse_opts;
	while ((c = getopt_long(argc, argv, "c:fdo:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'C': check = true; break;
		case 'f': o.foreground = true; break;
		case 'U':
			if (uevent_routes_parse(optarg, &o.uevent_routes)) {
				log_err("--uevent=%s: expected kernel, udev, "
					"kernel,udev or none", optarg);
				return 2;
			}
			uevent_set = true;
			break;
		case 'd': o.foreground = o.debug = true; break;
		case 'o':
			if (parse_o(&o, optarg))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("mdevfs %s\n", MDEVFS_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!uevent_set)
		o.uevent_routes = uevent_routes_default();
	if (!check && optind != argc - 1) {
		log_err(optind >= argc ? "missing MOUNTPOINT (see --help)" :
			"one MOUNTPOINT only (see --help)");
		return 2;
	}
	/* A daemon says nothing on its terminal unless something fails. */
	if (!o.foreground && !check)
		log_set_level(MDEVFS_LOG_WARNING);
	mdev_core_init();
	if (config_load(o.config, &parents)) {
		c = 1;
	} else if (check) {
		printf("%s: %u parent%s, OK\n",
		       o.config ? o.config : SAMPLES_CONF_NAME, parents->len,
		       parents->len == 1 ? "" : "s");
		config_free_parents(parents);
		c = 0;
	} else {
		o.mountpoint = argv[optind];
		if (daemon_check_fuse_device() ||
		    daemon_check_mountpoint(o.mountpoint)) {
			config_free_parents(parents);
			c = 1;
		} else {
			c = daemon_run(&o, parents);
		}
	}
	mdev_core_fini();
	return c;
}
