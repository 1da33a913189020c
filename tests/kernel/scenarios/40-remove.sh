#!/bin/sh
# remove: the values that remove, the ones that do nothing, the ones
# refused, a zero-length write, a stale fd, racing removers, the UUID free
# again at once; what is gone afterwards (abi checklist 39-47).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U=40000000-0000-4000-8000-000000000001
R=$DEVS/$U/remove

section "echo 1: everything of the device goes, its instances come back"
avail "$T1" "$T2"
mk "$T2" "$U"
avail "$T1" "$T2"
ev "$R" "1\n"
tree "bus/mdev/devices/$U" "devices/virtual/mtty/mtty/$U" \
	bus/mdev/drivers/mtty devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/devices \
	kernel/iommu_groups class/vfio-dev
avail "$T1" "$T2"

section "values that remove"
for d in 1 2 0x1 0X1 01 +1 "2\n" 18446744073709551615 0x10 007 "1\0"; do
	mk "$T1" "$U" >/dev/null
	ev "$R" "$d"
done

section "zero: nothing happens"
mk "$T1" "$U"
for d in 0 "0\n" 00 0x0 +0; do
	ev "$R" "$d"
done
ev "$R" 1 empty
tree "devices/virtual/mtty/mtty/$U/remove"

section "refused: EINVAL, nothing happens"
for d in abc -1 " 1" "1 " "\n" 08 09 0x "1\n\n" "1\r" 18446744073709551616 \
	0x1g "" true y on; do
	ev "$R" "$d"
done
tree "devices/virtual/mtty/mtty/$U/remove"
ev "$R" 1 long:5000:nl
ev "$R" 1 rdwr
op "$R" open:r

section "two writes on one fd"
ev "$R" 0 twice:1
mk "$T1" "$U" >/dev/null
ev "$R" 1 split:1

section "a stale fd: ENODEV; the path: ENOENT"
mk "$T1" "$U" >/dev/null
put "$R" 1 after:"$P/kwrite $R 1"
put "$R" 1
op "$R" stat

section "racing removers: one removal, one unbind and remove"
mk "$T1" "$U" >/dev/null
ev "$R" 1 race:6:ENODEV

section "the UUID free again at once, on another parent"
mk "$T1" "$U" >/dev/null
put "$R" 1
mk "$VGA" "$U"
ev "$R" 1
mk "$VGA" "$U"
put "$MP/$U/remove" 1
avail "$T1" "$VGA"

section "unbound through the driver's unbind: a device without its driver"
U2=40000000-0000-4000-8000-000000000002
mk "$T2" "$U2"
ev "$S/bus/mdev/drivers/mtty/unbind" "$U2"
tree "devices/virtual/mtty/mtty/$U2" "bus/mdev/drivers/mtty"
avail "$T1" "$T2"
ev "$S/bus/mdev/drivers/mtty/bind" "$U2"
ev "$S/bus/mdev/drivers/mtty/unbind" "$U2"
ev "$S/bus/mdev/drivers/mtty/unbind" 40000000-0000-4000-8000-000000000009
ev "$S/bus/mdev/drivers_probe" "$U2"
ev "$DEVS/$U2/remove" 1
avail "$T1" "$T2"

section "drivers_autoprobe"
for d in 0 1 "1\n" yes no 2 ""; do
	put "$S/bus/mdev/drivers_autoprobe" "$d"
	op "$S/bus/mdev/drivers_autoprobe" open:r read:10
done
put "$S/bus/mdev/drivers_autoprobe" 1
