#!/bin/bash
# The passthrough backend against a real mdev sysfs tree.  Our machines
# have no VFIO, so the "real" tree is a second mdevfs (it speaks the same
# ABI): mount A serves the sample vendors, mount B passes A's parents
# through.  Also the core's fault injection and vanish switch, at run
# time, on those passthrough parents.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

a='' b='' # set by new_mountpoint
new_mountpoint a
new_mountpoint b
work=$(mktemp -d /tmp/mdevfs-pt-XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT
"$MDEVFS" -f "$a" 2>"$work/a.log" &
a_pid=$!
wait_mounted "$a" || { echo "cannot mount A"; exit 1; }
for p in mtty mdpy mbochs; do
	printf '[parent %s]\nclass = %s\ndriver = %s\nbackend = passthrough\n' "$p" "$p" "$p"
	printf 'sysfs_root = %s\nrescan_ms = 50\n\n' "$a"
done >"$work/b.conf"
"$MDEVFS" -f -c "$work/b.conf" "$b" 2>"$work/b.log" &
b_pid=$!
wait_mounted "$b" || { echo "cannot mount B"; cat "$work/b.log"; exit 1; }

# eventually WHAT COMMAND...: true within 5 s (the watcher rescans every 50 ms)
eventually() {
	local what=$1
	shift
	for _ in $(seq 100); do
		"$@" && { ok "$what"; return; }
		sleep 0.05
	done
	fail "$what"
}

types() { # MOUNT: every type's files, as one text
	local t f
	for t in "$1"/class/mdev_bus/*/mdev_supported_types/*; do
		for f in name device_api description available_instances; do
			[ -e "$t/$f" ] && echo "${t#"$1"/} $f $(cat "$t/$f")"
		done
	done
}
types_a=$(types "$a")
expect_eq "the real types, names, descriptions, counts" "$(types "$b")" "$types_a"
expect_eq "parent path" "$(readlink "$b/class/mdev_bus/mbochs")" "$(readlink "$a/class/mdev_bus/mbochs")"

mt=class/mdev_bus/mtty/mdev_supported_types
u=$(uuidgen)
expect_eq "create through B" "$(write_errno "$b/$mt/mtty-2/create" "$u")" OK
[ -d "$a/bus/mdev/devices/$u" ] && ok "the real device exists" || fail "not created in A"
expect_eq "B's device is complete" "$(readlink "$b/bus/mdev/devices/$u/mdev_type")" \
	"../mdev_supported_types/mtty-2"
expect_eq "available read through" "$(cat "$b/$mt/mtty-2/available_instances")" \
	"$(cat "$a/$mt/mtty-2/available_instances")"

# The real vendor's errno, unchanged: ENOSPC from mtty's port pool, EUSERS
# from mdpy's core counter, EEXIST for a UUID A has on another parent.
n=$(cat "$b/$mt/mtty-2/available_instances")
for _ in $(seq "$n"); do write_errno "$b/$mt/mtty-2/create" "$(uuidgen)" >/dev/null; done
expect_eq "full mtty: ENOSPC from the real vendor" \
	"$(write_errno "$b/$mt/mtty-2/create" "$(uuidgen)")" ENOSPC
dp=class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga
for _ in 1 2 3 4; do write_errno "$b/$dp/create" "$(uuidgen)" >/dev/null; done
expect_eq "full mdpy: EUSERS from the real core" "$(write_errno "$b/$dp/create" "$(uuidgen)")" EUSERS
expect_eq "bad UUID: EINVAL" "$(write_errno "$b/$dp/create" nope)" EINVAL
expect_eq "B agrees with A" "$(names "$b/bus/mdev/devices")" "$(names "$a/bus/mdev/devices")"

# Behind B's back: devices created and removed on A appear and go in B.
for d in "$a"/bus/mdev/devices/*; do echo 1 >"$d/remove"; done
empty() { [ -z "$(ls "$1")" ]; }
eventually "devices removed behind B's back go" empty "$b/bus/mdev/devices"
v=$(uuidgen)
echo "$v" >"$a/class/mdev_bus/mbochs/mdev_supported_types/mbochs-medium/create"
eventually "a device created behind B's back is adopted" test -e "$b/bus/mdev/devices/$v/mdev_type"
expect_eq "adopted with its type" "$(readlink "$b/bus/mdev/devices/$v/mdev_type")" \
	"../mdev_supported_types/mbochs-medium"
grep -q "adopted $v" "$work/b.log" && ok "adoption logged" || fail "adoption not logged"
expect_eq "remove through B" "$(write_errno "$b/bus/mdev/devices/$v/remove" 1)" OK
[ -e "$a/bus/mdev/devices/$v" ] && fail "still in A" || ok "removed from A"

# Fault injection through the core, at run time, on a passthrough parent.
out=$("$MDEVFS" ctl -m "$b" fault mtty mtty-1 probe_fail_percent=100 probe_fail_errno=EBUSY)
expect_eq "ctl fault shows the type's faults" "$out" \
	"mtty-1 probe_delay_ms=0 remove_delay_ms=0 probe_fail_percent=100 probe_fail_errno=EBUSY"
expect_eq "injected EBUSY" "$(write_errno "$b/$mt/mtty-1/create" "$(uuidgen)")" EBUSY
expect_eq "the real vendor never saw it" "$(count "$a/bus/mdev/devices")" 0
"$MDEVFS" ctl -m "$b" fault mtty '*' probe_fail_percent=0 probe_delay_ms=300 >/dev/null
start=$(date +%s%N)
expect_eq "slow but working" "$(write_errno "$b/$mt/mtty-1/create" "$(uuidgen)")" OK
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 300 ] && ok "probe_delay_ms=300 took ${ms} ms" || fail "took only ${ms} ms"
expect_err "unknown fault" "unknown fault 'colour' (one of: probe_delay_ms, remove_delay_ms, probe_fail_percent, probe_fail_errno, probe_fail_seed)" \
	"$MDEVFS" ctl -m "$b" fault mtty mtty-1 colour=red
# A known key's bad value is the value's fault, not an unknown key's; the
# type's faults stay as they were.
before=$("$MDEVFS" ctl -m "$b" fault mtty mtty-1)
expect_err "a bad seed" "mtty-1: fault probe_fail_seed: 'abc' is not a number" \
	"$MDEVFS" ctl -m "$b" fault mtty mtty-1 probe_fail_seed=abc
out=$("$MDEVFS" ctl -m "$b" fault mtty mtty-1 probe_fail_seed=abc 2>&1)
[[ $out != *unknown* ]] && ok "a bad seed is no unknown fault" || fail "a bad seed: '$out'"
expect_err "a bad delay" "mtty-1: fault probe_delay_ms: expected an integer from 0 to 3600000, got 'abc'" \
	"$MDEVFS" ctl -m "$b" fault mtty mtty-1 probe_delay_ms=abc
expect_eq "bad values change nothing" "$("$MDEVFS" ctl -m "$b" fault mtty mtty-1)" "$before"
expect_err "unknown type" "mtty nope: no such parent or type" "$MDEVFS" ctl -m "$b" fault mtty nope

# The vanish switch: vendor calls stop at once, the parent goes from B;
# the real parent is untouched (the vendor is "gone", not unloaded).
"$MDEVFS" ctl -m "$b" fault mtty '*' probe_delay_ms=0 >/dev/null
expect_eq "ctl vanish" "$("$MDEVFS" ctl -m "$b" vanish mtty)" "mtty vanished"
[ -e "$b/class/mdev_bus/mtty" ] && fail "vanished parent still in B" || ok "vanished parent gone from B"
[ -z "$(ls "$b/bus/mdev/devices")" ] && ok "its devices went with it" || fail "devices left"
expect_err "vanish twice" "mtty: no such parent" "$MDEVFS" ctl -m "$b" vanish mtty

# The real parent going away: B unplugs its copy by itself.
"$MDEVFS" ctl -m "$a" unregister mdpy >/dev/null
eventually "a real parent that goes is unplugged from B" test ! -e "$b/class/mdev_bus/mdpy"
expect_eq "the others stay" "$(ls "$b/class/mdev_bus")" mbochs
grep -q "mdpy: unplugged: its device is gone" "$work/b.log" && ok "logged" || fail "not logged"

# Config errors name file, line and key.
printf '[parent nope]\nclass = nope\ndriver = nope\nbackend = passthrough\nsysfs_root = %s\n' "$a" >"$work/bad.conf"
expect_err "no such real parent" "bad.conf:5: [parent nope] sysfs_root: $a: no mdev parent nope there" \
	"$MDEVFS" --check -c "$work/bad.conf"
printf '[parent mbochs]\nclass = other\ndriver = mbochs\nbackend = passthrough\nsysfs_root = %s\n' "$a" >"$work/bad.conf"
expect_err "type prefix mismatch" "does not start with 'other-': set device_driver" \
	"$MDEVFS" --check -c "$work/bad.conf"

# B first, and until its daemon is gone: while it stops it still reads A.
fusermount3 -u "$b" && ok "B unmounts" || fail "B unmount"
wait_gone "$b_pid" && ok "B's daemon ends" || { fail "B's daemon hangs"; kill -9 "$b_pid"; }
fusermount3 -u "$a" && ok "A unmounts" || fail "A unmount"
wait_gone "$a_pid" && ok "A's daemon ends" || { fail "A's daemon hangs"; kill -9 "$a_pid"; }
wait "$b_pid"; expect_eq "B's exit status" "$?" 0
wait "$a_pid"; expect_eq "A's exit status" "$?" 0
grep -E "ERROR|AddressSanitizer|ThreadSanitizer|runtime error" "$work"/*.log && fail "sanitizer or error output" || ok "clean logs"
finish
