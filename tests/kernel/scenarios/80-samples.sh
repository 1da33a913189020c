#!/bin/sh
# The sample vendors' numbers: available_instances of every type as
# devices come and go (mtty's ports, mdpy's core counter, mbochs's
# memory), the vendor attributes, and the lowest-free iommu group and
# vfio-dev numbers reused (abi §5, checklist 26-29, 38).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
A=80000000-0000-4000-8000-00000000000a
B=80000000-0000-4000-8000-00000000000b
C=80000000-0000-4000-8000-00000000000c
D=80000000-0000-4000-8000-00000000000d
numbers() { # UUID...
	for u in "$@"; do
		tree "bus/mdev/devices/$u/iommu_group" "bus/mdev/devices/$u/vfio-dev"
	done
}

section "mtty: 24 ports, 1 or 2 a device"
avail "$T1" "$T2"
mk "$T2" "$A"; avail "$T1" "$T2"
mk "$T1" "$B"; avail "$T1" "$T2"
mk "$T1" "$C"; avail "$T1" "$T2"
rm_dev "$A"; avail "$T1" "$T2"
rm_dev "$B"; rm_dev "$C"; avail "$T1" "$T2"

section "mdpy: 4 devices of any type"
for t in "$VGA" "$HD" "$XGA"; do
	mk "$t" "$A"
	tree "bus/mdev/devices/$A/vendor" "bus/mdev/devices/$A/mdev_type"
	rm_dev "$A"
done
mk "$HD" "$A"; avail "$VGA" "$XGA" "$HD"
mk "$HD" "$B"; avail "$VGA" "$XGA" "$HD"
mk "$XGA" "$C"; avail "$VGA" "$XGA" "$HD"
mk "$VGA" "$D"; avail "$VGA" "$XGA" "$HD"
rm_dev "$B"; avail "$VGA" "$XGA" "$HD"
for u in "$A" "$C" "$D"; do rm_dev "$u"; done

section "mbochs: 256 MB, 4, 16 or 64 a device"
avail "$SMALL" "$MEDIUM" "$LARGE"
for t in "$SMALL" "$MEDIUM" "$LARGE"; do
	mk "$t" "$A"
	tree "bus/mdev/devices/$A/vendor"
	avail "$SMALL" "$MEDIUM" "$LARGE"
	rm_dev "$A"
done
mk "$LARGE" "$A"; mk "$MEDIUM" "$B"; mk "$SMALL" "$C"
avail "$SMALL" "$MEDIUM" "$LARGE"
rm_dev "$A"; avail "$SMALL" "$MEDIUM" "$LARGE"
rm_dev "$B"; rm_dev "$C"; avail "$SMALL" "$MEDIUM" "$LARGE"

section "iommu groups and vfio-dev numbers: the lowest free, reused"
mk "$T1" "$A"; mk "$VGA" "$B"; mk "$SMALL" "$C"
numbers "$A" "$B" "$C"
rm_dev "$B"
mk "$T2" "$D"
numbers "$A" "$C" "$D"
rm_dev "$A"
mk "$MEDIUM" "$B"
numbers "$B" "$C" "$D"
tree kernel/iommu_groups class/vfio-dev
for u in "$B" "$C" "$D"; do rm_dev "$u"; done
