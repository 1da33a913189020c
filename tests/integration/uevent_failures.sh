#!/bin/bash
# A daemon that may not send uevents (run by a user, without CAP_SYS_ADMIN
# for route K or CAP_NET_ADMIN for route U) still creates and removes, logs
# each cause once and counts the failures.  The tree belongs to the user
# who runs it.  Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
new_mountpoint m
chown nobody "$m"
log=$(mktemp)
as_nobody "$MDEVFS" -f --uevent=kernel,udev "$m" 2>"$log" &
pid=$!
wait_mounted "$m" || fail "mount as nobody"
expect_eq "files belong to the user" "$(as_nobody stat -c %U "$m/bus/mdev/drivers_probe")" nobody
for i in 1 2 3; do
	u=$(uuidgen)
	as_nobody sh -c "echo $u > $m/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create" &&
		ok "create $i" || fail "create $i"
	as_nobody sh -c "echo 1 > $m/bus/mdev/devices/$u/remove" && ok "remove $i" ||
		fail "remove $i"
done
as_nobody fusermount3 -u "$m"
wait "$pid"
expect_eq "daemon exit" "$?" 0
expect_eq "route K failure logged once" \
	"$(grep -c 'route kernel fail: Operation not permitted' "$log")" 1
expect_eq "route U failure logged once" \
	"$(grep -c 'route udev fail: Operation not permitted' "$log")" 1
# 54: each sample parent's 5 plug and 5 unplug events (30), and 8 for each
# of the 3 create+remove cycles (add, vfio group add, vfio-dev add, bind;
# and their removes)
grep -q "route kernel: 0 sent, 54 failed" "$log" && ok "route K failures counted" ||
	fail "route K count: $(grep 'route kernel:' "$log")"
grep -q "route udev: 0 sent, 54 failed" "$log" && ok "route U failures counted" ||
	fail "route U count: $(grep 'route udev:' "$log")"
rm -f "$log"
finish
