#!/bin/sh
# The tree, its modes, sizes, owners, link targets and contents, with no
# device and with one on each sample parent (abi checklist 1-8, 33-38).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U1=10000000-0000-4000-8000-000000000001
U2=10000000-0000-4000-8000-000000000002
U3=10000000-0000-4000-8000-000000000003
around() {
	tree class/mdev_bus class/mtty class/mdpy class/mbochs \
		class/vfio-dev class/vfio devices/virtual/vfio kernel/iommu_groups
}

section "no device"
tree bus/mdev devices/virtual/mtty devices/virtual/mdpy devices/virtual/mbochs
around
section "the sample modules"
tree module/mtty module/mdpy module/mbochs

section "one device on each parent"
mk "$T2" "$U1"
mk "$VGA" "$U2"
mk "$SMALL" "$U3"
tree bus/mdev devices/virtual/mtty devices/virtual/mdpy devices/virtual/mbochs
around

section "removed again"
for u in "$U1" "$U2" "$U3"; do rm_dev "$u"; done
tree bus/mdev devices/virtual/mtty/mtty/mdev_supported_types
around
