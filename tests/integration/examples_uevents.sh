#!/bin/bash
# The uevent examples at work: a private udevd runs examples/udev's rule on
# mdevfs's kernel events, and examples/mdev-monitor.sh reports its udev
# events.  Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
examples=$(cd "$(dirname "$0")/../../examples" && pwd)

# A private /run and rules directory: only the example rule runs, and
# nothing is written to the host's /run.
mount -t tmpfs none /run
mkdir -p /run/udev
for d in /etc/udev/rules.d /usr/lib/udev/rules.d; do
	[ -d "$d" ] && mount -t tmpfs none "$d"
done
cp "$examples/udev/70-mdevfs-example.rules" /etc/udev/rules.d/
SYSTEMD_DEVICE_VERIFY_SYSFS=0 /lib/systemd/systemd-udevd >/dev/null 2>&1 &
udevd=$!
setsid bash "$examples/mdev-monitor.sh" --udev >/run/monitor.log 2>&1 &
monitor=$! # its own process group: the script and its udevadm
sleep 1

new_mountpoint m
"$MDEVFS" --uevent=kernel,udev "$m" || fail "mount"
pid=$(daemon_pid "$m")
u=$(uuidgen)
echo "$u" >"$m/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create"
echo 1 >"$m/bus/mdev/devices/$u/remove"
fusermount3 -u "$m"
wait_gone "$pid"
udevadm settle --timeout=10 2>/dev/null
sleep 1
kill "$udevd" 2>/dev/null
kill -- -"$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null

rules=$(cat /run/mdevfs-example.log 2>/dev/null)
for want in "parent mdpy registered" "mdev $u bound to mdpy" "mdev $u removed" \
	"parent mdpy unregistered"; do
	grep -qx "$want" <<<"$rules" && ok "rule: $want" || fail "rule: $want (log: $rules)"
done
mon=$(cat /run/monitor.log)
for want in "parent mtty registered" "mdev $u add on mdpy" \
	"mdev $u bind on mdpy (driver mdpy)" "mdev $u unbind on mdpy" \
	"mdev $u remove on mdpy" "parent mbochs unregistered"; do
	grep -qx "$want" <<<"$mon" && ok "monitor: $want" || fail "monitor: $want (got: $mon)"
done
finish
