# The checks the shell tests make and report, as TAP-like "ok -" and
# "FAIL -" lines: sourced by lib.sh and by the scripts the tests run inside
# `mdevfs run`.  CHECKS_PREFIX (optional) starts every line.
# shellcheck shell=bash
FAILS=0

ok() { echo "ok - ${CHECKS_PREFIX:-}$*"; }
fail() { echo "FAIL - ${CHECKS_PREFIX:-}$*"; FAILS=$((FAILS + 1)); }

expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}

# expect_out WHAT 'wanted output' COMMAND...: the exact output (and stderr)
expect_out() {
	local what=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	expect_eq "$what" "$out" "$want"
}

# expect_err WHAT 'message substring' COMMAND...: fails with that message
expect_err() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ "$out" == *"$want"* ]]; then
		ok "$what"
	else
		fail "$what: rc=$rc, output '$out', wanted '$want'"
	fi
}

# names DIR: DIR's entries on one line, in ls's order (a glob sorts by
# the locale's collation as ls does), without parsing ls.
names() {
	local f found=()
	for f in "$1"/*; do
		[ -e "$f" ] || [ -L "$f" ] && found+=("${f##*/}")
	done
	echo "${found[*]}"
}

# count DIR: how many entries DIR has.
count() {
	local f n=0
	for f in "$1"/*; do
		[ -e "$f" ] || [ -L "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# Inside `mdevfs run`: sd-device (udevadm monitor --udev, libudev's "udev"
# monitors, libvirt) subscribes to udev's group only where udevd runs
# (/run/udev/control) or /dev is a devtmpfs, and the run's /dev is an
# overlay; on a host without udevd, a private /run with udevd's control
# file stands in for it (docs/run.md).
udev_as_running() {
	[ -e /run/udev/control ] && return 0
	mount -t tmpfs tmpfs /run && mkdir -p /run/udev && : >/run/udev/control
}

# The summary line and the exit status: 1 if any check failed.
finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "${CHECKS_PREFIX:-}$FAILS check(s) failed"
		exit 1
	fi
	echo "${CHECKS_PREFIX:-}all checks passed"
}

# write_errno FILE TEXT: one write(2) of TEXT, as mdevctl and the kernel's
# sysfs see it: OK or the errno's name (ENOSPC, EUSERS, ...).
write_errno() {
	python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode())
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1" "$2"
}

# read_errno FILE: what a read gives, or its errno's name.
read_errno() {
	python3 -c '
import errno, sys
try:
    print(open(sys.argv[1]).read(), end="")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1"
}
