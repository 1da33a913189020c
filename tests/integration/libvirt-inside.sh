#!/bin/bash
# Inside `mdevfs run`, for parent PARENT and its type TYPE: a real
# systemd-udevd, a pyudev monitor and a real libvirtd (its node device
# driver only, as docs/run.md gives the recipe), each with private
# runtime directories, and what libvirt makes of the tree.
# shellcheck shell=bash
here=$(cd "$(dirname "$0")" && pwd)
. "$here/checks.sh"
parent=$1 type=$2
CHECKS_PREFIX="$parent: "
virsh=(virsh -c nodedev:///system)

# Private /run (udevd's and libvirtd's sockets), /var and /etc/libvirt
# (libvirtd's state), the scratch files in a tmpfs of their own.
s=$(mktemp -d)
mount -t tmpfs mdevfs-test "$s" && mount -t tmpfs mdevfs-test /run || exit 1
for d in var etc/libvirt; do
	n=${d//\//_}
	mkdir -p "$s/$n.u" "$s/$n.w"
	mount -t overlay mdevfs-test -o "lowerdir=/$d,upperdir=$s/$n.u,workdir=$s/$n.w" "/$d" || exit 1
done
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT

# the run's /dev is private: what udevd makes there stays in the run
expect_eq "/dev is the run's own" "$(stat -f -c %T /dev)" overlayfs
/lib/systemd/systemd-udevd >"$s/udevd.log" 2>&1 &
pids+=($!)
/usr/bin/python3 "$here/udev-listen.py" "$s/heard" >"$s/listen.ready" &
pids+=($!)
mkdir "$s/drivers"
ln -s /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so "$s/drivers/"
printf 'log_outputs="1:file:%s/libvirtd.log"\nlog_filters="1:node_device"\n' "$s" >"$s/libvirtd.conf"
LIBVIRT_DRIVER_DIR=$s/drivers libvirtd -f "$s/libvirtd.conf" >"$s/libvirtd.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
	[ -S /run/udev/control ] && [ -s "$s/listen.ready" ] &&
		"${virsh[@]}" nodedev-list >/dev/null 2>&1 && break
	sleep 0.05
done
"${virsh[@]}" nodedev-list >/dev/null 2>&1 || { fail "libvirtd did not start: $(cat "$s/libvirtd.out")"; exit 1; }

# wait_for WHAT COMMAND...: until COMMAND succeeds (libvirt hears a
# change through udev, a few ms later), at most 5 s
wait_for() {
	local what=$1
	shift
	for _ in $(seq 100); do "$@" && { ok "$what"; return 0; }; sleep 0.05; done
	fail "$what: not within 5 s"
	return 1
}

# libvirt's name for the device at sysfs path $1
nodedev_of() {
	local n
	for n in $("${virsh[@]}" nodedev-list); do
		"${virsh[@]}" nodedev-dumpxml "$n" | grep -qx "  <path>$1</path>" &&
			{ echo "$n"; return 0; }
	done
	return 1
}

# --- the parent, with every type and its available instances ----------------
types=/sys/class/mdev_bus/$parent/mdev_supported_types
pname=$(nodedev_of "$(realpath "/sys/class/mdev_bus/$parent")")
[ -n "$pname" ] || fail "libvirt does not list the parent"
xml=$("${virsh[@]}" nodedev-dumpxml "$pname")
n=0 wrong=
for t in "$types"/*; do
	n=$((n + 1))
	avail=$(cat "$t/available_instances")
	grep -A3 "<type id='${t##*/}'>" <<<"$xml" |
		grep -q "<availableInstances>$avail</availableInstances>" ||
		wrong+=" ${t##*/}"
done
expect_eq "libvirt lists every type ($n) with its available instances" \
	"$(grep -c "<type id=" <<<"$xml")/${wrong:-none wrong}" "$n/none wrong"
if [ -e "/sys/class/mdev_bus/$parent/config" ]; then
	# what libvirt read of the function's config space
	expect_eq "a PCI parent's link, from its config space" \
		"$(grep -o "<link validity='cap' port='0' speed='8' width='16'/>" <<<"$xml")" \
		"<link validity='cap' port='0' speed='8' width='16'/>"
	expect_eq "its vendor" "$(grep -o "<vendor id='0x10de'" <<<"$xml")" "<vendor id='0x10de'"
fi
if [ -L "/sys/class/mdev_bus/$parent/driver" ]; then
	drv=$(basename "$(readlink "/sys/class/mdev_bus/$parent/driver")")
	expect_eq "udev finds the parent's driver" \
		"$(udevadm info -a "/sys/class/mdev_bus/$parent" | grep -c "^    DRIVER==\"$drv\"")" 1
	expect_eq "its directory in the bus" \
		"$(realpath "/sys/bus/$(basename "$(readlink "/sys/class/mdev_bus/$parent/subsystem")")/drivers/$drv/$parent")" \
		"$(realpath "/sys/class/mdev_bus/$parent")"
fi
expect_eq "nodedev-list --cap mdev_types has it" \
	"$("${virsh[@]}" nodedev-list --cap mdev_types | grep -cx "$pname")" 1

# --- nodedev-create, the device's parent and iommu group ----------------------
u=$(uuidgen)
cat >"$s/mdev.xml" <<XML
<device>
  <parent>$pname</parent>
  <capability type='mdev'>
    <type id='$type'/>
    <uuid>$u</uuid>
  </capability>
</device>
XML
out=$("${virsh[@]}" nodedev-create "$s/mdev.xml" 2>&1)
[[ "$out" == "Node device mdev_"*" created from $s/mdev.xml" ]] ||
	fail "nodedev-create: $out"
dname=${out#Node device }
dname=${dname%% *}
expect_eq "the device is in sysfs" "$(cat "/sys/bus/mdev/devices/$u/mdev_type/name" 2>&1)" \
	"$(cat "$types/$type/name")"
group=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
dxml=$("${virsh[@]}" nodedev-dumpxml "$dname")
expect_eq "its <parent>" "$(grep -o '<parent>.*</parent>' <<<"$dxml")" "<parent>$pname</parent>"
expect_eq "its <iommuGroup>" "$(grep -o "<iommuGroup number='[0-9]*'/>" <<<"$dxml")" \
	"<iommuGroup number='$group'/>"

# --- a held device is refused as in use ---------------------------------------
exec 3<>"/dev/vfio/$group" || fail "cannot open /dev/vfio/$group"
expect_err "nodedev-destroy of a device a VM holds (its group open)" \
	"device in use" "${virsh[@]}" nodedev-destroy "$dname"
[ -d "/sys/bus/mdev/devices/$u" ] && ok "it stays" || fail "it went"
exec 3<&-
# `mdevfs ctl hold` is the same thing
"${MDEVFS:-mdevfs}" ctl hold "$u" >"$s/hold.out" &
holder=$!
for _ in $(seq 100); do grep -q holding "$s/hold.out" && break; sleep 0.02; done
expect_err "nodedev-destroy while mdevfs ctl holds it" "device in use" \
	"${virsh[@]}" nodedev-destroy "$dname"
kill -INT "$holder"
wait "$holder"

# --- destroy -------------------------------------------------------------------
expect_out "nodedev-destroy" "Destroyed node device '$dname'" \
	"${virsh[@]}" nodedev-destroy "$dname"
expect_eq "the device is gone from sysfs" "$(ls /sys/bus/mdev/devices)" ""
wait_for "libvirt forgets it" sh -c "! ${virsh[*]} nodedev-list --cap mdev | grep -q ."

# --- every event heard once, by pyudev and by libvirt, with udevd running ------
devpath=$(realpath --relative-to=/sys "/sys/class/mdev_bus/$parent")/$u
for action in add bind unbind remove; do
	expect_eq "pyudev hears $action once" \
		"$(grep -c "^$action /$devpath " "$s/heard")" 1
	expect_eq "libvirt hears $action once" \
		"$(grep -c "udev action: '$action': /sys/$devpath\$" "$s/libvirtd.log")" 1
done
dups=$(awk '{print $3}' "$s/heard" | sort | uniq -d | tr '\n' ' ')
expect_eq "no two events share a SEQNUM" "${dups:-none}" none
exit $((FAILS > 0))
