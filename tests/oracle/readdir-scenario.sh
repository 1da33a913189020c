#!/bin/sh
# readdir-scenario.sh ROOT: getdents order and d_off of the directories of
# the mdev tree, printed as "== DIR" and one "d_off d_type name" line per
# entry (tests/oracle/dents.c, in $DENTS).  Runs as a busybox sh scenario on
# the oracle kernel (tests/oracle/record.sh) and on an mdevfs mount
# (tests/integration/readdir_order.sh); the two outputs must be equal.
set -u
S=${1:?usage: readdir-scenario.sh ROOT}
D=${DENTS:?set DENTS to the dents probe}
M=devices/virtual/mtty/mtty
T1=$M/mdev_supported_types/mtty-1
T2=$M/mdev_supported_types/mtty-2
U1=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
US="$U1 
0f6a2c6c-1d3e-4a4b-9b6e-1c2d3e4f5a01
1b4e28ba-2fa1-11d2-883f-0016d3cca427
5c3e6a3a-8b1b-4c3f-9d2a-7e8f9a0b1c2d
6ba7b810-9dad-11d1-80b4-00c04fd430c8
a7c3f6e2-3b4d-4e5f-8a9b-0c1d2e3f4a5b
d2f0e1c4-5a6b-4c7d-8e9f-a0b1c2d3e4f5
ffffffff-0000-4000-8000-000000000001"

list() { # DIR [BUFSIZE [COMMAND]]
	echo "== $1${2:+ (buffer $2)}${3:+ (after the first call: ${3#"cd $S && "})}"
	"$D" "$S/$1" "${2:-32768}" ${3:+"$3"}
}

list "$T1"
list "$M/mdev_supported_types"
list devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga
list bus/mdev
list bus/mdev/drivers
list class/mdev_bus
n=0
for u in $US; do
	n=$((n + 1))
	if [ $n -le 6 ]; then t=$T1; else t=$T2; fi
	echo "$u" > "$S/$t/create" || echo "create $u on $t failed"
done
list bus/mdev/devices
list "$M"
list "$T1/devices"
list "$T2/devices"
list bus/mdev/drivers/mtty
list "$M/$U1"
list "$M/$U1/power"
list "$M/$U1/vfio-dev"
for v in "$S/$M/$U1"/vfio-dev/vfio*; do
	list "$M/$U1/vfio-dev/${v##*/}"
done
list kernel/iommu_groups
list kernel/iommu_groups/0
list kernel/iommu_groups/0/devices
list class/vfio-dev
# A pass in 200-byte calls (the first: the dots and 2 UUIDs) during which an entry it
# listed already goes and comes back under the same name.
list bus/mdev/devices 200 "cd $S && echo 1 > bus/mdev/devices/$U1/remove && echo $U1 > $T1/create"
for u in $US; do
	echo 1 > "$S/bus/mdev/devices/$u/remove" || echo "remove $u failed"
done
list bus/mdev/devices
