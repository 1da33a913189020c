#!/bin/bash
# The checks of vfio_dev.sh, inside `mdevfs run` (the default samples).
# shellcheck shell=bash
set -u
# shellcheck source=checks.sh
. "$1/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
types=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2

# --- /dev through its overlay -------------------------------------------
out=$(sh -c 'ls -d /dev/pts /dev/shm; echo x > /dev/null' 2>&1)
expect_eq "ls /dev/pts /dev/shm; echo > /dev/null" "$out" "/dev/pts
/dev/shm"
expect_eq "head -c1 /dev/urandom" "$(head -c1 /dev/urandom | wc -c)" 1
expect_eq "/dev/shm is its own tmpfs" "$(stat -f -c %T /dev/shm)" tmpfs
expect_eq "/dev/pts is devpts" "$(stat -f -c %T /dev/pts)" devpts
echo hi >/dev/shm/mdevfs-vfio-test.$$ &&
	expect_eq "a file in /dev/shm" "$(cat /dev/shm/mdevfs-vfio-test.$$)" hi
rm -f /dev/shm/mdevfs-vfio-test.$$
[[ "$(script -qc 'tty' /dev/null)" == /dev/pts/* ]] && ok "script gets a pty" ||
	fail "script: $(script -qc 'tty' /dev/null 2>&1)"
[ -c /dev/fuse ] && exec 4<>/dev/fuse && ok "/dev/fuse opens" || fail "/dev/fuse"
exec 4<&-
expect_eq "/dev is an overlay" "$(stat -f -c %T /dev)" overlayfs

# --- the container --------------------------------------------------------
expect_eq "/dev/vfio/vfio" "$(stat -c '%F %a %U' /dev/vfio/vfio)" "regular empty file 666 root"
expect_eq "/dev/vfio lists the container only" "$(names /dev/vfio)" vfio
python3 - <<'PY' && ok "container ioctls, read, write" || fail "container ioctls"
import errno, fcntl, os
IO = lambda nr: (ord(';') << 8) | nr            # _IO(VFIO_TYPE, nr)
a = os.open("/dev/vfio/vfio", os.O_RDWR)
b = os.open("/dev/vfio/vfio", os.O_RDWR)        # any number of opens
assert fcntl.ioctl(a, IO(100)) == 0             # VFIO_GET_API_VERSION
assert fcntl.ioctl(b, IO(101), 1) == 0          # VFIO_CHECK_EXTENSION TYPE1
assert fcntl.ioctl(b, IO(101), 8) == 0          # ... NOIOMMU: no IOMMU here
def err(f):
    try:
        f()
    except OSError as e:
        return e.errno
    return 0
assert err(lambda: fcntl.ioctl(a, IO(102), 1)) == errno.EINVAL   # SET_IOMMU
assert err(lambda: fcntl.ioctl(a, IO(199))) == errno.ENOTTY      # unknown
assert err(lambda: os.read(a, 8)) == errno.EINVAL
assert err(lambda: os.write(a, b"x")) == errno.EINVAL
PY

# --- a group: there with its device, held by an open ---------------------
u=$(uuidgen)
echo "$u" >"$types/create"
g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
expect_eq "/dev/vfio/$g appears with the group" "$(names /dev/vfio)" "$g vfio"
expect_eq "/dev/vfio/$g" "$(stat -c '%F %a %U' "/dev/vfio/$g")" "regular empty file 600 root"
expect_err "a group that is not there" "No such file or directory" \
	cat "/dev/vfio/$((g + 1))"
# Read-write, as QEMU opens it: a VM, the device in use.
exec 3<>"/dev/vfio/$g" && ok "open of /dev/vfio/$g" || fail "open of /dev/vfio/$g"
expect_err "a second open: EBUSY" "Device or resource busy" sh -c "exec 5<'/dev/vfio/$g'"
expect_err "ctl hold meanwhile" "$u: in use" "$MDEVFS" ctl hold "$u"
python3 - <<'PY' && ok "group: unknown ioctl ENOTTY, read EINVAL" || fail "group ioctl"
import errno, fcntl, os, sys
fd = 3
try:
    fcntl.ioctl(fd, (ord(';') << 8) | 103)      # GET_STATUS needs data
    sys.exit(1)
except OSError as e:
    assert e.errno == errno.ENOTTY, e
PY
python3 -c 'import os,errno
try: os.read(3, 4)
except OSError as e: raise SystemExit(e.errno != errno.EINVAL)
raise SystemExit(1)' && ok "read of a group: EINVAL" || fail "read of a group"
# The remove waits for the close (its subshell must not inherit fd 3).
# shellcheck disable=SC2320 # the echo's status is the write's
(exec 3<&-; echo 1 >"/sys/bus/mdev/devices/$u/remove"; echo $? >"$tmp/rm.rc") &
remover=$!
sleep 0.5
kill -0 "$remover" 2>/dev/null && ok "remove waits while the group is open" ||
	fail "remove did not wait"
[ -e "/dev/vfio/$g" ] && ok "the group stays meanwhile" || fail "the group went early"
exec 3<&-
wait "$remover"
expect_eq "remove done once closed" "$(cat "$tmp/rm.rc")" 0
[ -e "/dev/vfio/$g" ] && fail "/dev/vfio/$g still there" || ok "/dev/vfio/$g gone"
expect_eq "/dev/vfio after" "$(names /dev/vfio)" vfio

# --- a group opened read-only: claimed, as by libvirt's check ------------
u=$(uuidgen)
echo "$u" >"$types/create"
g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
exec 3<"/dev/vfio/$g"
expect_err "a second open of a claimed group: EBUSY" "Device or resource busy" \
	sh -c "exec 5<>'/dev/vfio/$g'"
expect_err "ctl hold of a claimed group" "$u: in use" "$MDEVFS" ctl hold "$u"
(exec 3<&-; timeout 5 sh -c "echo 1 >'/sys/bus/mdev/devices/$u/remove'") &&
	ok "a claim does not hold up a remove" || fail "the remove waited for a claim"
[ -e "/dev/vfio/$g" ] && fail "/dev/vfio/$g still there" || ok "/dev/vfio/$g gone while claimed"
exec 3<&-

# --- a group whose device `mdevfs ctl hold` holds -------------------------
u=$(uuidgen)
echo "$u" >"$types/create"
g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
"$MDEVFS" ctl hold "$u" >"$tmp/hold.out" &
holder=$!
for _ in $(seq 100); do grep -q holding "$tmp/hold.out" && break; sleep 0.02; done
expect_err "open while ctl holds: EBUSY" "Device or resource busy" cat "/dev/vfio/$g"
expect_err "read-only open too" "Device or resource busy" sh -c "exec 5<'/dev/vfio/$g'"
kill -INT "$holder"
wait "$holder"
exec 3<>"/dev/vfio/$g" && ok "open once let go" || fail "open once let go"
exec 3<&-
echo 1 >"/sys/bus/mdev/devices/$u/remove" && ok "removed" || fail "remove"
finish
