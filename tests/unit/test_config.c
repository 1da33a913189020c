// SPDX-License-Identifier: MIT
/*
 * The configuration file: a good one builds the tree it describes; every
 * bad one is refused with one line naming file, line and key.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "run_suite.h"
#include "config.h"
#include "log.h"
#include "tree_helpers.h"

/* Loads @text, returns what was logged. */
static char *load_errors(const char *text, int *ret)
{
	char path[] = "/tmp/mdevfs-test-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	GPtrArray *parents = NULL;
	char *out = NULL;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	*ret = config_load_text("test.conf", text, &parents);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	out = g_malloc0(8192);
	ck_assert_int_ge(read(fd, out, 8191), 0);
	close(fd);
	if (parents)
		config_free_parents(parents);
	return out;
}

#define PARENT "[parent mtty]\nclass = mtty\ndriver = mtty\nbackend = sample\n"
#define TYPE "[type mtty 1]\ndevice_api = vfio-pci\n"
#define PCI "[parent 0000:3b:00.0]\nbus = pci\npath = pci0000:3a/0000:3b:00.0\ndriver = nvidia\nbackend = sample\npool = 1\n"
#define PCI_TYPE "[type 0000:3b:00.0 1]\ndevice_api = vfio-pci\n"

static const struct { const char *text, *want; } bad[] = {
	{ PCI "pcie_link = 8GT/s\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] pcie_link: '8GT/s' is not a speed and width such as '8GT/s x16'" },
	{ PCI "pcie_link = 3GT/s x16\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] pcie_link: '3GT/s x16'" },
	{ PCI "pcie_link = 8GT/s x3\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] pcie_link: '8GT/s x3'" },
	{ PCI "numa_node = -2\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] numa_node: expected -1 or a node from 0 to 1023, got '-2'" },
	{ PCI "uevent = PCI_ID=10DE\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] uevent: a pci parent's PCI_ID" },
	{ PCI "uevent = PCI_ID=10DE:1B38\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] uevent: a pci parent's PCI_ID" },
	{ PCI "uevent = PCI_ID=10DE:1B38;PCI_CLASS=30200;PCI_SUBSYS_ID=x\n" PCI_TYPE, "test.conf:7: [parent 0000:3b:00.0] uevent: a pci parent's PCI_ID" },
	{ PARENT "pool = 1\npcie_link = 8GT/s x16\n" TYPE, "test.conf:6: [parent mtty] pcie_link: unknown key" },
	{ PARENT "pool = 1\ngarbage\n", "test.conf:6: expected [group], key = value" },
	{ "pool = 1\n" PARENT, "test.conf:1: key = value before the first [group]" },
	{ "[parent mtty\n", "test.conf:1: malformed [group] line" },
	{ PARENT "pool = 1\nclass = x\n", "test.conf:6: [parent mtty] class: set twice (first on line 2)" },
	{ PARENT "pool = 1\n" TYPE TYPE, "test.conf:8: [type mtty 1] appears twice (first on line 6)" },
	{ "[foo]\nx = 1\n", "test.conf:1: [foo]: expected [parent NAME] or [type PARENT NAME]" },
	{ PARENT "pool = 1\ncolour = red\n" TYPE, "test.conf:6: [parent mtty] colour: unknown key" },
	{ PARENT "pool = x\n" TYPE, "test.conf:5: [parent mtty] pool: expected an integer from 0 to 4294967295, got 'x'" },
	{ PARENT "pool = 1\n" TYPE "cost = -1\n", "test.conf:8: [type mtty 1] cost: expected an integer" },
	{ PARENT "pool = 1\n" TYPE "cost = 0\n", "test.conf:8: [type mtty 1] cost: must be at least 1" },
	{ "[parent mtty]\nclass = mtty\ndriver = mtty\npool = 1\n" TYPE, "test.conf:1: [parent mtty]: missing key 'backend' (one of: sample, passthrough, callout)" },
	{ "[parent mtty]\nclass = mtty\ndriver = mtty\nbackend = nvidia\n" TYPE, "test.conf:4: [parent mtty] backend: unknown backend 'nvidia' (one of: sample, passthrough, callout)" },
	{ PARENT "pool = 1\nbus = pci\n" TYPE, "test.conf:1: [parent mtty]: set exactly one of 'class' and 'bus'" },
	{ PARENT "pool = 1\npath = virtual/x/y\n" TYPE, "test.conf:6: [parent mtty] path: 'virtual/x/y' must be a path below devices/ ending in 'mtty'" },
	{ PARENT "pool = 1\npath = virtual/../mtty\n" TYPE, "test.conf:6: [parent mtty] path:" },
	{ PARENT "pool = 1\n" TYPE "[type nope 1]\ndevice_api = x\n", "test.conf:8: [type nope 1]: no [parent nope] for this type" },
	{ PARENT "pool = 1\n", "test.conf:1: [parent mtty]: no [type mtty ...] group" },
	{ PARENT "pool = 1\n[type mtty 1]\nname = x\n", "test.conf:6: [type mtty 1]: missing key 'device_api' (here or in [parent mtty])" },
	{ PARENT "pool = 1\nmax_instances = 2\n" TYPE, "test.conf:5: [parent mtty] pool: either the vendor counts" },
	{ PARENT TYPE, "test.conf:1: [parent mtty] pool: missing: set pool" },
	{ PARENT "pool = 1\nb[c = 1\n" TYPE, "test.conf:6: Invalid key name: b[c" },
	{ PARENT "pool = 1\n[type mtty 1]\r", "test.conf:6: Key file contains line" },
	{ PARENT "pool = 1\n\r\r[tipe x]\n" TYPE, "test.conf:6: [tipe x]: expected [parent NAME]" },
	{ PARENT "pool = 1\ndevice_driver = x\\ny\n" TYPE, "test.conf:6: [parent mtty] device_driver: 'x\\ny' is not a valid name" },
	{ PARENT "pool = 1\nuevent = A=1;foo\n" TYPE, "test.conf:6: [parent mtty] uevent: 'foo' is not KEY=VALUE" },
	{ PARENT "pool = 1\nmax_instances = 5000000000\n" TYPE, "test.conf:6: [parent mtty] max_instances: expected an integer" },
	{ "[parent mtty]\nclass = mdev_bus\ndriver = mtty\nbackend = sample\npool = 1\n" TYPE, "test.conf:2: [parent mtty] class: 'mdev_bus' is mdevfs's own" },
	{ PARENT "pool = 1\n" TYPE "[parent mtty2]\nclass = mtty\ndriver = mtty\nbackend = sample\npath = virtual/mtty/mtty/mtty2\npool = 1\n[type mtty2 1]\ndevice_api = x\n",
	  "test.conf: [parent mtty2] is inside [parent mtty]" },
	{ PARENT "pool = 1\n" TYPE "attr.a/b = x\n", "test.conf:8: [type mtty 1] attr.a/b: cannot add attribute 'a/b'" },
	{ PARENT "pool = 1\n" TYPE "probe_fail_errno = EFOO\n", "test.conf:8: [type mtty 1] probe_fail_errno: 'EFOO' is not an errno" },
	{ PARENT "pool = 1\n" TYPE "probe_fail_percent = 101\n", "test.conf:8: [type mtty 1] probe_fail_percent: expected an integer from 0 to 100, got '101'" },
	{ PARENT "pool = 1\n" TYPE "probe_fail_seed = abc\n", "test.conf:8: [type mtty 1] probe_fail_seed: 'abc' is not a number" },
	{ PARENT "pool = 1\n" TYPE "probe_delay_ms = 0x10\n", "test.conf:8: [type mtty 1] probe_delay_ms: expected an integer from 0 to 3600000, got '0x10'" },
	{ PARENT "pool = 1\n" TYPE "busy_until_request = x\n", "test.conf:8: [type mtty 1] busy_until_request: expected an integer" },
	{ PARENT "pool = 1\nvendor_group = power\n" TYPE, "test.conf:6: [parent mtty] vendor_group: 'power' is taken: the core has an entry of that name in every device's directory" },
	{ PARENT "pool = 1\nvendor_group = vfio-dev\n" TYPE, "test.conf:6: [parent mtty] vendor_group: 'vfio-dev' is taken" },
	{ PARENT "pool = 1\nvendor_group =\n" TYPE "attr.remove = x\n", "test.conf:9: [type mtty 1] attr.remove: cannot add attribute 'remove': File exists" },
	{ PARENT "pool = 1\nmodule = a/b\n" TYPE, "test.conf:6: [parent mtty] module: 'a/b' is not a valid name" },
	{ PARENT "pool = 1\nmodule.version = 1\n" TYPE, "test.conf:6: [parent mtty] module.version: needs key 'module'" },
	{ PARENT "pool = 1\nmodule = mtty\nmodule.coresize = big\n" TYPE, "test.conf:7: [parent mtty] module.coresize: expected an integer" },
	{ PARENT "pool = 1\nmodule = mtty\nmodule.param.a/b = 1\n" TYPE, "test.conf:7: [parent mtty] module.param.a/b: 'a/b' is not a valid parameter name" },
	{ PARENT "pool = 1\nmodule = mtty\nmodule.colour = red\n" TYPE, "test.conf:7: [parent mtty] module.colour: unknown key" },
	{ PARENT "pool = 1\n" TYPE "descriptio = d\n", "test.conf:8: [type mtty 1] descriptio: unknown key; did you mean 'description'?" },
	{ PARENT "pool = 1\ncolor = red\n" TYPE, "test.conf:6: [parent mtty] color: unknown key\n" },
	/* after another error, a typo still is one */
	{ "[parent mtty]\nclass = mtty\ndrivr = mtty\nbackend = sample\npool = 1\n" TYPE, "test.conf:3: [parent mtty] drivr: unknown key; did you mean 'driver'?" },
	{ "# nothing\n", "test.conf: no [parent NAME] group" },
	{ "[parent a b]\nx = 1\n", "test.conf:1: [parent a b]: expected [parent NAME]" },
	{ "[parent ..]\nclass = mtty\n", "test.conf:1: [parent ..]: '..' is not a valid device name" },
};

START_TEST(refused)
{
	int ret;
	g_autofree char *out = load_errors(bad[_i].text, &ret);

	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(strstr(out, bad[_i].want), "case %d: wanted '%s', got '%s'",
		      _i, bad[_i].want, out);
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		ck_assert_msg(!strncmp(l, "mdevfs: ", 8), "not one line: %s", out);
		if (!strchr(l, '\n'))
			break;
	}
}
END_TEST

START_TEST(missing_file)
{
	GPtrArray *parents;
	int fd = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	ck_assert_int_eq(config_load("/nonexistent/mdevfs.conf", &parents), -EINVAL);
	dup2(fd, 2);
	close(null);
	close(fd);
}
END_TEST

/* One message, not followed by others it caused. */
static bool one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return nl && !nl[1];
}

/* A refused core key of a parent keeps its backend from reading the rest:
 * those keys are not reported as unknown on top of it. */
START_TEST(core_error_alone)
{
	int ret;
	g_autofree char *out = load_errors(PARENT "pool = 1\n"
					   "max_instances = x\n" TYPE, &ret);

	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(one_line(out), "got '%s'", out);
}
END_TEST

/* A bad value of a type's key keeps neither the core nor the backend
 * from reading the keys after it: they are not reported as unknown. */
START_TEST(bad_key_alone)
{
	int ret;
	g_autofree char *out = load_errors(PARENT "pool = 1\n" TYPE
					   "probe_delay_ms = x\n"
					   "probe_fail_percent = 5\n"
					   "cost = 2\nbusy_until_request = 1\n"
					   "attr.note = n\n", &ret);

	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(one_line(out), "got '%s'", out);
	g_free(out);
	out = load_errors(PARENT "pool = 1\n" TYPE "cost = 0\n"
			  "busy_until_request = 1\nattr.note = n\n", &ret);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(one_line(out), "got '%s'", out);
}
END_TEST

/* A device_api vfio.h does not name is served, with a warning that
 * names file, line and key. */
START_TEST(device_api_unknown)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "[parent mtty]\nclass = mtty\ndriver = mtty\nbackend = sample\n"
		  "pool = 1\ndevice_api = vfio-pcie\n[type mtty 1]\n",
		  "mdevfs: test.conf:6: [parent mtty] device_api: 'vfio-pcie' is "
		  "not a device API the kernel knows (vfio-pci, vfio-platform, "
		  "vfio-amba, vfio-ccw, vfio-ap); served as it is\n" },
		{ PARENT "pool = 1\n[type mtty 1]\ndevice_api = vfio_ccw\n",
		  "mdevfs: test.conf:7: [type mtty 1] device_api: 'vfio_ccw' is not" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int ret;
		g_autofree char *out = load_errors(cases[i].text, &ret);

		ck_assert_int_eq(ret, 0);
		ck_assert_msg(g_str_has_prefix(out, cases[i].want) &&
			      one_line(out), "got '%s'", out);
	}
	for (const char *const *api = (const char *const[]){ "vfio-pci",
		"vfio-platform", "vfio-amba", "vfio-ccw", "vfio-ap", NULL };
	     *api; api++) {
		g_autofree char *text = g_strdup_printf(PARENT "pool = 1\n"
			"[type mtty 1]\ndevice_api = %s\n", *api);
		int ret;
		g_autofree char *out = load_errors(text, &ret);

		ck_assert_int_eq(ret, 0);
		ck_assert_msg(!*out, "%s: got '%s'", *api, out);
	}
}
END_TEST

static const char pci_conf[] =
	"[parent 0000:00:02.0]\n"
	"bus = pci\n"
	"path = pci0000:00/0000:00:02.0\n"
	"device_driver = i915\n"
	"driver = intel_vgpu_mdev\n"
	"backend = sample\n"
	"device_api = vfio-pci\n"
	"pool = 8\n"
	"uevent = DRIVER=i915;PCI_SLOT_NAME=0000:00:02.0\n"
	"vendor_group = intel_vgpu\n"
	"\n"
	"[type 0000:00:02.0 GVTg_V5_4]\n"
	"name = GVTg_V5_4\n"
	"description = low_gm_size: 128MB\\nhigh_gm_size: 512MB\n"
	"cost = 2\n"
	"attr.note = vgpu {uuid}\n"
	"\n"
	"[type 0000:00:02.0 GVTg_V5_8]\n";

/* PCI_ID, PCI_SUBSYS_ID and PCI_CLASS of the uevent as the function's
 * files and config space; without them, no such files. */
START_TEST(pci_function)
{
	GPtrArray *parents;
	const char *dir = "devices/pci0000:3a/0000:3b:00.0";
	g_autofree char *conf = g_strconcat(PCI,
		
		"uevent = PCI_ID=10DE:1B38;PCI_SUBSYS_ID=10DE:11D9;PCI_CLASS=30200\n"
		"pcie_link = 8GT/s x16\nnuma_node = 1\n", PCI_TYPE, NULL);
	static const char *const files[][2] = {
		{ "vendor", "0x10de" }, { "device", "0x1b38" },
		{ "subsystem_vendor", "0x10de" }, { "subsystem_device", "0x11d9" },
		{ "class", "0x030200" }, { "numa_node", "1" }, { "revision", "0x00" },
	};
	unsigned char cfg[PAGE_SIZE];
	g_autofree char *path = g_strdup_printf("%s/config", dir);
	struct sysfs_node node;

	mdev_core_fini();
	parents = tree_setup(conf);
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *f = g_strdup_printf("%s/%s", dir, files[i][0]);
		g_autofree char *v = tree_read(f);

		ck_assert_str_eq(v, files[i][1]);
	}
	ck_assert_int_eq(tree_node(path, &node), 0);
	ck_assert_int_eq(sysfs_show(node, (char *)cfg), 4096);
	ck_assert_int_eq(tree_puts(path, "x"), -EPERM);
	/* ids, class, header type 0, subsystem, then PM -> MSI -> PCIe
	 * (an endpoint, link 8 GT/s x16 capable and negotiated) */
	ck_assert_int_eq(cfg[0] | cfg[1] << 8, 0x10de);
	ck_assert_int_eq(cfg[2] | cfg[3] << 8, 0x1b38);
	ck_assert_int_eq(cfg[0x0b] << 16 | cfg[0x0a] << 8 | cfg[0x09], 0x030200);
	ck_assert_int_eq(cfg[0x0e], 0);
	ck_assert_int_eq(cfg[0x2e] | cfg[0x2f] << 8, 0x11d9);
	ck_assert_int_eq(cfg[0x06] & 0x10, 0x10);
	ck_assert_int_eq(cfg[cfg[0x34]], 0x01);
	ck_assert_int_eq(cfg[cfg[cfg[0x34] + 1]], 0x05);
	unsigned int exp = cfg[cfg[cfg[0x34] + 1] + 1];
	ck_assert_int_eq(cfg[exp], 0x10);
	ck_assert_int_eq(cfg[exp + 1], 0);
	ck_assert_int_eq((cfg[exp + 2] >> 4) & 0xf, 0);
	ck_assert_int_eq(cfg[exp + 0x0c] | cfg[exp + 0x0d] << 8, 3 | 16 << 4);
	ck_assert_int_eq(cfg[exp + 0x12] | cfg[exp + 0x13] << 8, 3 | 16 << 4);
	tree_teardown(parents);
	tree_core_init();
}
END_TEST

START_TEST(pci_parent)
{
	GPtrArray *parents;

	mdev_core_fini();
	parents = tree_setup(pci_conf);
	g_autofree char *u = new_uuid();
	g_autofree char *link = NULL, *drv = NULL, *note = NULL, *uevent = NULL;
	g_autofree char *desc = NULL, *dev = NULL;

	link = tree_readlink("class/mdev_bus/0000:00:02.0");
	ck_assert_str_eq(link, "../../devices/pci0000:00/0000:00:02.0");
	g_free(link);
	link = tree_readlink("bus/pci/devices/0000:00:02.0");
	ck_assert_str_eq(link, "../../../devices/pci0000:00/0000:00:02.0");
	uevent = tree_read("devices/pci0000:00/0000:00:02.0/uevent");
	ck_assert_str_eq(uevent, "DRIVER=i915\nPCI_SLOT_NAME=0000:00:02.0");
	desc = tree_read("devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/description");
	ck_assert_str_eq(desc, "low_gm_size: 128MB\nhigh_gm_size: 512MB");
	ck_assert_int_eq(tree_create("0000:00:02.0", "i915-GVTg_V5_4", u), 0);
	dev = g_strdup_printf("devices/pci0000:00/0000:00:02.0/%s", u);
	drv = g_strdup_printf("%s/driver", dev);
	g_free(link);
	link = tree_readlink(drv);
	ck_assert_str_eq(link, "../../../../bus/mdev/drivers/intel_vgpu_mdev");
	note = g_strdup_printf("%s/intel_vgpu/note", dev);
	g_free(uevent);
	uevent = tree_read(note);
	ck_assert_str_eq(uevent + 5, u);
	ck_assert_int_eq(tree_read_long("devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/available_instances"), 3);
	/* no name key: the name is the sysfs name, as the kernel shows it */
	g_free(desc);
	desc = tree_read("devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8/name");
	ck_assert_str_eq(desc, "GVTg_V5_8");
	/* its own driver, in its bus, with the link back */
	g_free(link);
	link = tree_readlink("devices/pci0000:00/0000:00:02.0/driver");
	ck_assert_str_eq(link, "../../../bus/pci/drivers/i915");
	g_free(link);
	link = tree_readlink("bus/pci/drivers/i915/0000:00:02.0");
	ck_assert_str_eq(link, "../../../../devices/pci0000:00/0000:00:02.0");
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/bind", "0000:00:02.0\n"), -EBUSY);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/unbind", "0000:00:02.0"), -EBUSY);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/bind", "0000:00:03.0"), -ENODEV);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/unbind", "nope"), -ENODEV);
	/* the oracle's pci drivers (tests/oracle/pci.txt) */
	g_free(desc);
	desc = tree_ls("bus/pci/drivers/i915");
	ck_assert_str_eq(desc, "0000:00:02.0 bind new_id remove_id uevent unbind");
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/new_id", "8086"), -EINVAL);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/remove_id", "8086 3e92"), -ENODEV);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/new_id", "8086 3e92"), 9);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/remove_id", "8086 3e92"), 9);
	ck_assert_int_eq(tree_puts("bus/pci/drivers/i915/remove_id", "8086 3e92"), -ENODEV);
	/* no PCI_ID and PCI_CLASS in its uevent: no function files */
	ck_assert_ptr_null(tree_read("devices/pci0000:00/0000:00:02.0/vendor"));
	tree_teardown(parents);
	tree_core_init();
}
END_TEST

/* Every name a device's directory lists, read from a live device, is
 * refused as a vendor group and, with the attributes in the directory
 * itself, as a vendor attribute: kernfs allows one entry per name. */
START_TEST(core_names_reserved)
{
	GPtrArray *parents;
	g_autofree char *u = new_uuid();
	g_autofree char *dir = NULL, *names = NULL;
	g_auto(GStrv) list = NULL;

	mdev_core_fini();
	parents = tree_setup(PARENT "pool = 1\nvendor_group =\n" TYPE);
	ck_assert_int_eq(tree_create("mtty", "mtty-1", u), 0);
	dir = g_strdup_printf("devices/virtual/mtty/mtty/%s", u);
	names = tree_ls(dir);
	tree_teardown(parents);
	tree_core_init();
	list = g_strsplit(names, " ", -1);
	ck_assert_uint_eq(g_strv_length(list), 8);
	for (char **n = list; *n; n++) {
		g_autofree char *group = g_strdup_printf(PARENT "pool = 1\n"
			"vendor_group = %s\n" TYPE "attr.a = x\n", *n);
		g_autofree char *attr = g_strdup_printf(PARENT "pool = 1\n"
			"vendor_group =\n" TYPE "attr.%s = x\n", *n);
		g_autofree char *want_group = g_strdup_printf("test.conf:6: "
			"[parent mtty] vendor_group: '%s' is taken", *n);
		g_autofree char *want_attr = g_strdup_printf("test.conf:9: "
			"[type mtty 1] attr.%s: cannot add attribute", *n);
		int ret;
		g_autofree char *out = load_errors(group, &ret);
		g_autofree char *out2 = NULL;

		ck_assert_int_eq(ret, -EINVAL);
		ck_assert_msg(strstr(out, want_group) && one_line(out),
			      "%s: got '%s'", *n, out);
		out2 = load_errors(attr, &ret);
		ck_assert_int_eq(ret, -EINVAL);
		ck_assert_msg(strstr(out2, want_attr) && one_line(out2),
			      "%s: got '%s'", *n, out2);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	log_set_level(MDEVFS_LOG_WARNING);
	tcase_add_checked_fixture(tc, tree_core_init, mdev_core_fini);
	tcase_add_loop_test(tc, refused, 0, G_N_ELEMENTS(bad));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, core_error_alone);
	tcase_add_test(tc, bad_key_alone);
	tcase_add_test(tc, device_api_unknown);
	tcase_add_test(tc, pci_parent);
	tcase_add_test(tc, pci_function);
	tcase_add_test(tc, core_names_reserved);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
