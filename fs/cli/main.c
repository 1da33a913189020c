// SPDX-License-Identifier: MIT
/* mdevfs: mount an emulated VFIO mediated-device sysfs tree. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fuse_opt.h>

#include "builtin.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "mdev.h"
#include "record.h"
#include "run.h"
#include "uevent_netlink.h"
#include "usage.h"

/* The options the daemon and run share, in both usages. */
static const char config_help[] =
"  -c, --config FILE  parents and types to serve (default: the kernel's\n"
"                     sample drivers mtty, mdpy and mbochs, built in)\n";
static const char o_help[] =
"  -o OPT[,OPT...]    FUSE mount options, and mdevfs's own:\n"
"                       timeout=SECONDS  kernel entry cache (default 60)\n"
"                       max_threads=N    FUSE worker threads (default 10)\n"
"                       max_writers=N    writer threads, for the writes\n"
"                                        beyond half the workers (default 256)\n"
"                       uevent_pause=SECONDS  after each uevent, wait\n"
"                                        before going on, so a monitor finds\n"
"                                        the tree as the event left it (tests)\n";
static const char help_version_help[] =
"  -h, --help         show this help\n"
"  -V, --version      show the version\n";

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mdevfs [OPTIONS] MOUNTPOINT\n"
"       mdevfs run [OPTIONS] [--] COMMAND [ARGS...]\n"
"       mdevfs ctl [-m MOUNTPOINT] COMMAND ...\n"
"       mdevfs record [-o FILE] [SYSFS_ROOT]\n"
"       mdevfs --check [-c CONFIG]\n"
"\n"
"Mounts a sysfs-shaped tree of VFIO mediated devices on MOUNTPOINT: class/,\n"
"bus/mdev, devices/ and kernel/iommu_groups, as the kernel shows them.\n"
"`mdevfs run` runs COMMAND with the tree at the real /sys paths (see\n"
"mdevfs run --help).  `mdevfs ctl` plugs and unplugs parents of a running\n"
"mdevfs (see mdevfs ctl --help).  `mdevfs record` writes a configuration\n"
"of a host's mdev parents (see mdevfs record --help).\n"
"\n"
"%s"
"      --check        read the configuration, report problems and exit\n"
"  -f, --foreground   do not detach; log to stderr\n"
"  -d, --debug        foreground, with every FUSE request logged\n"
"  -v, --verbose      log every create, remove, bind and unbind, and each\n"
"                     failure (default: the daemon's own events)\n"
"      --uevent=LIST  uevent routes: kernel, udev, both comma-separated,\n"
"                     or none (default: udev; kernel,udev when mdevfs has\n"
"                     a network namespace of its own, as in run)\n"
"      --state-dir=DIR  where devices are recorded, so that a restart\n"
"                     after a crash brings them back (default:\n"
"                     /run/mdevfs/MOUNTPOINT escaped as systemd-escape\n"
"                     --path does)\n"
"      --no-state-dir nothing recorded: a crash loses the devices\n"
"      --durable-state  records also survive a power loss (fsync each;\n"
"                     default: they survive mdevfs's death, not the host's)\n"
"%s"
"                       state_dir=DIR    as --state-dir\n"
"%s"
"\n"
"Stop it with mdevfs ctl -m MOUNTPOINT stop, which returns once it is done,\n"
"or fusermount3 -u MOUNTPOINT, SIGTERM or SIGINT: every parent unregisters\n"
"and its devices are removed.  Started again on the mount of\n"
"an mdevfs that was killed, it replaces that mount and brings back the\n"
"devices it had.  See mdevfs(8).\n", config_help, o_help, help_version_help);
}

static void run_usage(FILE *out)
{
	fprintf(out,
"Usage: mdevfs run [OPTIONS] [--] COMMAND [ARGS...]\n"
"\n"
"Runs COMMAND in a mount and network namespace of its own in which the\n"
"tree is at the real /sys paths, /dev/vfio is served and /etc/mdevctl.d is\n"
"private, and returns COMMAND's exit status.  As a user other than root,\n"
"in a user namespace of its own, where the user is root (see mdevfs-run(1)\n"
"for what differs there).\n"
"\n"
"%s"
"  -v, --verbose      log what happens (default: only problems)\n"
"  -d, --debug        as -v, with every FUSE request logged\n"
"      --keep-mdevctl-d  use the host's /etc/mdevctl.d\n"
"      --hide-host-devices  a parent may hide a device of the host's\n"
"                     of the same path or bus name (default: refused)\n"
"      --ready-fd=N   once the tree and the uevent routes are up and\n"
"                     COMMAND started, write COMMAND's pid and a newline\n"
"                     to file descriptor N and close it (nothing written:\n"
"                     the run failed or COMMAND ended first)\n"
"      --ready-monitors=M  --ready-fd waits until M uevent monitors\n"
"                     (udevadm monitor, pyudev, a udevd) listen in the run\n"
"      --uevent=LIST  uevent routes: kernel, udev, both comma-separated,\n"
"                     or none (default: kernel,udev)\n"
"%s"
"%s"
"\n"
"See mdevfs-run(1).\n", config_help, o_help, help_version_help);
}

enum mode { MODE_MOUNT, MODE_RUN, MODE_CHECK };

struct cli {
	struct daemon_options o;
	enum mode mode;
	bool verbose;
	char **rest;      /* MOUNTPOINT, or COMMAND [ARGS...] */
	int nrest;
	char *state_dir;  /* -o state_dir='s copy, which o.state_dir may name */
};

/* Each option comes whole ("timeout=5"), from the option's name on. */
static const char *value_of(const char *opt)
{
	return strchr(opt, '=') + 1;
}

static int parse_seconds(const char *opt, double *out)
{
	const char *v = value_of(opt);
	char *end;
	double n = strtod(v, &end);

	if (!*v || *end || n < 0) {
		log_err("-o %s: expected seconds", opt);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_uint(const char *opt, unsigned int *out)
{
	const char *v = value_of(opt);
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n == 0 || n > 65536) {
		log_err("-o %s: expected a number from 1 to 65536", opt);
		return -1;
	}
	*out = (unsigned int)n;
	return 0;
}

/* libfuse gets the others as one list again: the commas and backslashes
 * fuse_opt unescaped are escaped back. */
static void keep_for_fuse(struct cli *cli, const char *opt)
{
	char *escaped = NULL;

	if (!*opt || fuse_opt_add_opt_escaped(&escaped, opt))
		return;
	g_ptr_array_add(cli->o.fuse_opts, g_strdup(escaped));
	free(escaped);
}

enum { OPT_TIMEOUT, OPT_MAX_THREADS, OPT_MAX_WRITERS, OPT_STATE_DIR,
       OPT_UEVENT_PAUSE };

/* mdevfs's own -o options; fuse_opt_parse() splits the list and hands
 * every other option to take_o() as FUSE_OPT_KEY_OPT. */
static const struct fuse_opt own_opts[] = {
	FUSE_OPT_KEY("timeout=", OPT_TIMEOUT),
	FUSE_OPT_KEY("max_threads=", OPT_MAX_THREADS),
	FUSE_OPT_KEY("max_writers=", OPT_MAX_WRITERS),
	FUSE_OPT_KEY("state_dir=", OPT_STATE_DIR),
	FUSE_OPT_KEY("uevent_pause=", OPT_UEVENT_PAUSE),
	FUSE_OPT_END,
};

/* fuse_opt's callback: 0 (taken), or -1 after saying why. */
static int take_o(void *data, const char *opt, int key, struct fuse_args *out)
{
	struct cli *cli = data;

	(void)out;
	switch (key) {
	case OPT_TIMEOUT:
		return parse_seconds(opt, &cli->o.fs.timeout);
	case OPT_MAX_THREADS:
		return parse_uint(opt, &cli->o.fs.max_threads);
	case OPT_MAX_WRITERS:
		return parse_uint(opt, &cli->o.fs.max_writers);
	case OPT_UEVENT_PAUSE:
		return parse_seconds(opt, &cli->o.fs.uevent_pause);
	case OPT_STATE_DIR:
		/* A copy: fuse_opt's strings are gone after the parse. */
		g_free(cli->state_dir);
		cli->o.state_dir = cli->state_dir = g_strdup(value_of(opt));
		return 0;
	default:
		keep_for_fuse(cli, opt);
		return 0;
	}
}

static int parse_o(struct cli *cli, const char *list)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	int ret;

	fuse_opt_add_arg(&args, "mdevfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, list);
	ret = fuse_opt_parse(&args, cli, own_opts, take_o);
	fuse_opt_free_args(&args);
	return ret;
}

/* --ready-fd=N (from 0) and --ready-monitors=M: 0, or -1 after one line. */
static int parse_ready(struct cli *cli, int c, const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (!*arg || *end || n < 0 || n > 65536) {
		log_err("--ready-%s=%s: expected a number from 0 to 65536",
			c == 'R' ? "fd" : "monitors", arg);
		return -1;
	}
	if (c == 'R')
		cli->o.ready_fd = (int)n;
	else
		cli->o.ready_monitors = (unsigned int)n;
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep-mdevctl-d", no_argument, NULL, 'K' },
		{ "hide-host-devices", no_argument, NULL, 'H' },
		{ "uevent", required_argument, NULL, 'U' },
		{ "ready-fd", required_argument, NULL, 'R' },
		{ "ready-monitors", required_argument, NULL, 'M' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "no-state-dir", no_argument, NULL, 'N' },
		{ "durable-state", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* run: options end at COMMAND */
	const char *opts = cli->mode == MODE_RUN ? "+c:dvo:hV" : "c:fdvo:hV";
	int c;

	while ((c = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->o.config = optarg; break;
		case 'C': cli->mode = MODE_CHECK; break;
		case 'f': cli->o.foreground = true; break;
		case 'd': cli->o.foreground = cli->o.debug = true; break;
		case 'v': cli->verbose = true; break;
		case 'K': cli->o.keep_mdevctl_d = true; break;
		case 'H': cli->o.hide_host_devices = true; break;
		case 'S': cli->o.state_dir = optarg; break;
		case 'N': cli->o.no_state_dir = true; break;
		case 'D': cli->o.durable_state = true; break;
		case 'U':
			if (uevent_routes_parse(optarg, &cli->o.uevent_routes)) {
				log_err("--uevent=%s: expected kernel, udev, "
					"kernel,udev or none", optarg);
				return 2;
			}
			break;
		case 'R':
		case 'M':
			if (parse_ready(cli, c, optarg))
				return 2;
			break;
		case 'o':
			if (parse_o(cli, optarg))
				return 2;
			break;
		case 'h':
			(cli->mode == MODE_RUN ? run_usage : usage)(stdout);
			return 0;
		case 'V': printf("mdevfs %s\n", MDEVFS_VERSION); return 0;
		default: return usage_error(cli->mode == MODE_RUN ? "run" : NULL);
		}
	}
	if (daemon_check_fuse_options(&cli->o))
		return 2;
	if (cli->o.durable_state && (cli->o.no_state_dir || cli->mode == MODE_RUN)) {
		log_err("--durable-state: %s has no state directory",
			cli->o.no_state_dir ? "--no-state-dir" : "run");
		return 2;
	}
	if (cli->mode != MODE_RUN && cli->o.ready_fd >= 0) {
		log_err("--ready-fd: only for run");
		return 2;
	}
	if (cli->o.ready_monitors && cli->o.ready_fd < 0) {
		log_err("--ready-monitors: tells --ready-fd when, and needs it");
		return 2;
	}
	cli->rest = argv + optind;
	cli->nrest = argc - optind;
	if (cli->mode == MODE_RUN && cli->nrest < 1) {
		log_err("run: missing COMMAND");
		return usage_error("run");
	}
	if (cli->mode == MODE_MOUNT && cli->nrest != 1) {
		log_err(cli->nrest < 1 ? "missing MOUNTPOINT" :
			"one MOUNTPOINT only");
		return usage_error(NULL);
	}
	return -1;
}

static int serve_mode(struct cli *cli, GPtrArray *parents)
{
	struct daemon_options *o = &cli->o;

	switch (cli->mode) {
	case MODE_CHECK:
		printf("%s: %u parent%s, OK\n",
		       o->config ? o->config : SAMPLES_CONF_NAME, parents->len,
		       parents->len == 1 ? "" : "s");
		config_free_parents(parents);
		return 0;
	case MODE_RUN:
		o->foreground = true;
		return daemon_check_fuse_device() ?
			       (config_free_parents(parents), 1) :
			       run_command(o, parents, cli->rest);
	case MODE_MOUNT:
		break;
	}
	o->mountpoint = cli->rest[0];
	if (daemon_check_fuse_device()) {
		config_free_parents(parents);
		return 1;
	}
	return daemon_run(o, parents);
}

static int serve(struct cli *cli)
{
	GPtrArray *parents = NULL;
	int ret;

	/* A daemon says nothing on its terminal unless something fails, nor
	 * does run, whose terminal is COMMAND's. */
	if ((cli->mode == MODE_MOUNT && !cli->o.foreground) ||
	    (cli->mode == MODE_RUN && !cli->verbose && !cli->o.debug))
		log_set_level(MDEVFS_LOG_WARNING);
	else if (cli->o.debug)
		log_set_level(MDEVFS_LOG_DEBUG); /* libfuse's request log */
	log_set_verbose(cli->verbose);
	mdev_core_init(&daemon_host);
	ret = config_load(cli->o.config, &parents) ? 1 : serve_mode(cli, parents);
	mdev_core_fini();
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli = {
		.o = { .fs = { .timeout = 60.0, .max_threads = 10,
			       .max_writers = 256 },
		       .uevent_routes = UEVENT_ROUTES_DEFAULT, .ready_fd = -1 },
	};
	g_autoptr(GPtrArray) fuse_opts = g_ptr_array_new_with_free_func(g_free);
	/* The command line as given, for run's re-exec in a user namespace:
	 * the names below replace some of its words. */
	g_auto(GStrv) all = g_strdupv(argv);
	int ret;

	cli.o.fuse_opts = fuse_opts;
	config_set_backends(builtin_backends);
	/* getopt names the program by argv[0] (usage.h). */
	argv[0] = (char *)PROG_NAME;
	if (argc > 1 && !strcmp(argv[1], "ctl")) {
		argv[1] = (char *)PROG_NAME ": ctl";
		return ctl_main(argc - 1, argv + 1);
	}
	if (argc > 1 && !strcmp(argv[1], "record")) {
		argv[1] = (char *)PROG_NAME ": record";
		return record_main(argc - 1, argv + 1);
	}
	if (argc > 1 && !strcmp(argv[1], "run")) {
		cli.mode = MODE_RUN;
		argc--, argv++;
		argv[0] = (char *)PROG_NAME ": run";
	}
	ret = parse_args(argc, argv, &cli);
	if (ret < 0 && cli.mode == MODE_RUN)
		ret = run_as_user(all, cli.o.ready_fd); /* -1: root already */
	if (ret < 0)
		ret = serve(&cli);
	g_free(cli.state_dir);
	return ret;
}
