#!/bin/bash
# The checks of libvirt_inuse.sh, inside `mdevfs run`.
# shellcheck shell=bash
set -u
# shellcheck source=checks.sh
. "$1/checks.sh"
types=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2
virsh=(virsh -q -c nodedev:///system)

# libvirtd's files in private places: a /run of its own (with udevd's
# control file: libvirt's udev monitor needs it, see udev_as_running), and
# overlays on /var and /etc/libvirt whose layers are in a tmpfs S.
mount -t tmpfs tmpfs /run && mkdir -p /run/udev && : >/run/udev/control
S=$(mktemp -d)
mount -t tmpfs tmpfs "$S"
trap 'kill "$libvirtd" 2>/dev/null; wait; umount -l /var /etc/libvirt "$S"; rmdir "$S"' EXIT
for d in /var /etc/libvirt; do
	n=${d##*/}
	mkdir "$S/$n.u" "$S/$n.w"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$S/$n.u,workdir=$S/$n.w" "$d"
done
mkdir "$S/drv"
ln -s "$DRV" "$S/drv/"
printf 'log_outputs="1:file:%s/libvirtd.log"\nlog_filters="1:node_device"\n' "$S" >"$S/libvirtd.conf"
LIBVIRT_DRIVER_DIR=$S/drv libvirtd -f "$S/libvirtd.conf" &
libvirtd=$!
for _ in $(seq 200); do "${virsh[@]}" nodedev-list >/dev/null 2>&1 && break; sleep 0.05; done
"${virsh[@]}" nodedev-list >/dev/null 2>&1 && ok "libvirtd serves nodedev" ||
	{ fail "libvirtd: $(tail -5 "$S/libvirtd.log")"; finish; }

# A device, as libvirt names it once its udev event is in.
nodedev() { # UUID
	local name
	for _ in $(seq 100); do
		name=$("${virsh[@]}" nodedev-list --cap mdev | grep "${1//-/_}")
		[ -n "$name" ] && { echo "$name"; return 0; }
		sleep 0.05
	done
	return 1
}

u=$(uuidgen)
echo "$u" >"$types/create"
g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
name=$(nodedev "$u") && ok "libvirt sees the device ($name)" || fail "libvirt does not see $u"

# In use: the group open read-write, as by QEMU.
exec 3<>"/dev/vfio/$g"
expect_err "nodedev-destroy while the group is open" \
	"Unable to destroy '$name': device in use" "${virsh[@]}" nodedev-destroy "$name"
[ -e "/sys/bus/mdev/devices/$u" ] && ok "the device stays" || fail "the device went"
exec 3<&-

# In use: held by `mdevfs ctl hold`, the same thing.
"$MDEVFS" ctl hold "$u" >"$S/hold.out" &
holder=$!
for _ in $(seq 100); do grep -q holding "$S/hold.out" && break; sleep 0.02; done
expect_err "nodedev-destroy while ctl holds it" "device in use" \
	"${virsh[@]}" nodedev-destroy "$name"
kill -INT "$holder"
wait "$holder"

# Not in use: destroyed.  (libvirt keeps its own read-only open of the
# group while mdevctl stop removes the device: a claim, not a user.)
"${virsh[@]}" nodedev-destroy "$name" >/dev/null 2>&1 && ok "nodedev-destroy once free" ||
	fail "nodedev-destroy once free: $("${virsh[@]}" nodedev-destroy "$name" 2>&1)"
[ -e "/sys/bus/mdev/devices/$u" ] && fail "the device is still there" || ok "the device is gone"
finish
