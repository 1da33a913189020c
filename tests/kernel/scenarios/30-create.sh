#!/bin/sh
# create: what each write gives and the uevents it causes, by the abi's
# table: lengths, the GUID's form, the 37th byte, case, offsets, two
# writes on one fd, the global duplicate check, the instance counter
# (EUSERS), a vendor's refusal (ENOSPC: add and remove), a UUID free again
# after a failure, a stale fd of a gone parent, racing creates (abi
# checklist 14-32).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U=30000000-0000-4000-8000-000000000001
V=30000000-0000-4000-8000-000000000002
W=30000000-0000-4000-8000-000000000003
C=$T2/create

section "36 and 37 bytes"
ev "$C" "$U\n"
tree "bus/mdev/devices/$U" devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/devices
ev "$DEVS/$U/remove" 1
ev "$C" "$U"
rm_dev "$U"

section "refused: EINVAL, nothing made"
for d in 30000000-0000-4000-8000-00000000000 "$U\r\n" "{$U}" \
	30000000000040008000000000000001 " $U" "$U\n\n" \
	30000000-0000-4000-8000-00000000000g 3000000-00000-4000-8000-000000000001 \
	30000000_0000_4000_8000_000000000001 "\n" "" \
	"3000000\0-0000-4000-8000-000000000001" "$U$U"; do
	ev "$C" "$d"
done
ev "$C" "$U" long:5000:nl
ev "$C" "$U" long:4096:nl
ev "$C" "$U" split:10
ev "$C" "$U" empty
tree "bus/mdev/devices"

section "accepted: the 37th byte is not looked at"
for d in "${U}x" "$U " "$U\0" "$U\t"; do
	ev "$C" "$d"
	rm_dev "$U"
done
section "upper case: the device is named in lower case"
ev "$C" 30000000-0000-4000-8000-0000000000AB
tree bus/mdev/devices
ev "$C" 30000000-0000-4000-8000-0000000000ab
ev "$C" 30000000-0000-4000-8000-0000000000Ab
rm_dev 30000000-0000-4000-8000-0000000000ab
section "the nil UUID"
ev "$C" 00000000-0000-0000-0000-000000000000
rm_dev 00000000-0000-0000-0000-000000000000

section "open flags, offsets, two writes on one fd"
ev "$C" "$U" rdwr
ev "$C" "$U\n" creat
rm_dev "$U"
ev "$C" "$U\n" trunc
rm_dev "$U"
ev "$C" "$U\n" excl
ev "$C" "$U\n" append
rm_dev "$U"
ev "$C" "$U" pwrite:1000
rm_dev "$U"
ev "$C" "$U\n" writev:10
rm_dev "$U"
ev "$C" "$U" twice:"$V"
ev "$C" "$W" twice:"$W"
tree bus/mdev/devices
for u in "$U" "$V" "$W"; do rm_dev "$u"; done

section "a UUID used on another parent: EEXIST"
mk "$T1" "$U"
for t in "$T1" "$T2" "$VGA" "$LARGE"; do
	ev "$t/create" "$U"
done
ev "$VGA/create" 30000000-0000-4000-8000-000000000001
tree "bus/mdev/devices" devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/devices
rm_dev "$U"

section "mdpy: the core's counter, then EUSERS"
avail "$VGA" "$XGA" "$HD"
n=0
for t in "$VGA" "$XGA" "$HD" "$VGA" "$XGA"; do
	n=$((n + 1))
	ev "$t/create" "30000000-0000-4000-8000-00000000010$n"
	avail "$VGA" "$XGA" "$HD"
done
ev "$HD/create" 30000000-0000-4000-8000-000000000105
for n in 1 2 3 4; do rm_dev "30000000-0000-4000-8000-00000000010$n"; done
avail "$VGA" "$XGA" "$HD"

section "mtty: the vendor's ports, then ENOSPC (add and remove)"
n=10
while [ $n -lt 21 ]; do
	mk "$T2" "30000000-0000-4000-8000-0000000002$n" >/dev/null
	n=$((n + 1))
done
mk "$T1" 30000000-0000-4000-8000-000000000221
avail "$T1" "$T2"
ev "$T2/create" "$U"
tree "bus/mdev/devices/$U"
evp "$T2/create" "$U"
avail "$T1" "$T2"
section "the UUID of the failed create, at once"
ev "$T1/create" "$U"
avail "$T1" "$T2"
ev "$T1/create" "$V"
ev "$T2/create" "$V"
n=10
while [ $n -lt 22 ]; do
	rm_dev "30000000-0000-4000-8000-0000000002$n" >/dev/null
	n=$((n + 1))
done
rm_dev "$U"
avail "$T1" "$T2"

section "mbochs: the vendor's memory, then ENOSPC"
for u in 1 2 3 4; do
	mk "$LARGE" "30000000-0000-4000-8000-00000000030$u"
	avail "$SMALL" "$MEDIUM" "$LARGE"
done
ev "$SMALL/create" "$U"
for u in 1 2 3 4; do rm_dev "30000000-0000-4000-8000-00000000030$u"; done

section "a create fd of a parent that went away: ENODEV, then ENOENT"
put "$VGA/create" "$U" after:"$PARENT unplug mdpy"
put "$VGA/create" "$U"
op "$VGA" stat
$PARENT plug mdpy
avail "$VGA"

section "racing creates of one UUID: one wins, the others EEXIST"
ev "$T1/create" "$U" race:8
tree bus/mdev/devices
rm_dev "$U"
