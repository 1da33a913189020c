// SPDX-License-Identifier: MIT
/*
 * A write to a device's remove file: the input, as written, goes to the
 * real store of a real device created for it.  The kernel's remove_store()
 * parses with kstrtoul(buf, 0, ...), not kstrtobool; the same input also
 * goes to bus/mdev/drivers_autoprobe, whose store looks at one byte.
 *
 * Invariants: remove accepts exactly what kstrtoul accepts (checked
 * against strtoul(3) with the kernel's restrictions): 0 leaves the device,
 * any other number removes it, both with the count written; anything else
 * fails with EINVAL and leaves the device.  drivers_autoprobe takes
 * anything, as drivers/base/bus.c's drivers_autoprobe_store() does: 0 if
 * the first byte is '0', else 1, and reads back what it took.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "parse.h"

#define UUID "0d5fa6d1-2ad1-4c1c-8c6b-0000000000aa"
#define DEVICE "devices/virtual/mtty/mtty/" UUID
#define LINK "bus/mdev/devices/" UUID
#define AUTOPROBE "bus/mdev/drivers_autoprobe"

static GPtrArray *parents;

/* kstrtoul(s, 0): strtoul(3) without the white space it skips (isspace(3),
 * \v included) and its minus sign, with one trailing newline allowed. */
static bool kstrtoul_oracle(const char *s, unsigned long *val)
{
	size_t n = strlen(s);
	g_autofree char *copy = NULL;
	char *end;

	if (n && s[n - 1] == '\n')
		n--;
	if (!n || isspace((unsigned char)s[0]) || s[0] == '-')
		return false;
	copy = g_strndup(s, n);
	errno = 0;
	*val = strtoul(copy, &end, 0);
	return end != copy && !*end && !errno;
}

static bool device_there(void)
{
	struct sysfs_node n;

	return fuzz_node(LINK, &n) == 0;
}

/* @text: @buf up to a NUL, as the store's parser sees it. */
static void check_remove(const char *text, const char *buf, size_t len)
{
	unsigned long val;
	bool valid = kstrtoul_oracle(text, &val);
	ssize_t ret;

	FUZZ_CHECK(fuzz_store("devices/virtual/mtty/mtty/mdev_supported_types/"
			      "mtty-1/create", UUID, 36) == 36, "cannot create");
	ret = fuzz_store(DEVICE "/remove", buf, len);
	if (!valid) {
		FUZZ_CHECK(ret == -EINVAL, "bad value accepted: %zd", ret);
		FUZZ_CHECK(device_there(), "removed by a bad value");
	} else {
		FUZZ_CHECK(ret == (ssize_t)len, "valid value %lu: %zd", val, ret);
		FUZZ_CHECK(device_there() == !val, "value %lu, device %s", val,
			   device_there() ? "there" : "gone");
	}
	if (device_there())
		FUZZ_CHECK(fuzz_store(DEVICE "/remove", "1", 1) == 1, "cannot remove");
	FUZZ_CHECK(fuzz_count("bus/mdev/devices") == 0, "a device is left");
}

static void check_autoprobe(const char *buf, size_t len)
{
	int want = buf[0] != '0';
	ssize_t ret = fuzz_store(AUTOPROBE, buf, len);
	struct sysfs_node n;
	char page[PAGE_SIZE + 1];

	FUZZ_CHECK(ret == (ssize_t)len, "drivers_autoprobe refused: %zd", ret);
	FUZZ_CHECK(fuzz_node(AUTOPROBE, &n) == 0, "no " AUTOPROBE);
	FUZZ_CHECK(sysfs_show(n, page) == 2, "cannot read " AUTOPROBE);
	FUZZ_CHECK(page[0] == '0' + want, "reads %c, want %d", page[0], want);
	FUZZ_CHECK(fuzz_store(AUTOPROBE, "1", 1) == 1, "cannot restore");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = MIN(size, (size_t)PAGE_SIZE);
	const char *buf = (const char *)data;
	g_autofree char *text = g_strndup(buf, len);

	if (!size) /* a zero-length write never reaches the store */
		return 0;
	if (!parents)
		parents = fuzz_tree_setup(NULL);
	check_remove(text, buf, len);
	check_autoprobe(buf, len);
	return 0;
}
