#!/bin/sh
# Parents unplugged and plugged again: a sample module unloaded with
# devices on it (each removed, with its events, then the parent's
# MDEV_STATE=unregistered and the rest), loaded again (the parent's
# MDEV_STATE=registered once its types and class/mdev_bus link exist),
# class/mdev_bus kept with no parent at all (abi checklist 2, 51-53).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U1=70000000-0000-4000-8000-000000000001
U2=70000000-0000-4000-8000-000000000002
U3=70000000-0000-4000-8000-000000000003
U4=70000000-0000-4000-8000-000000000004
PLOOK=.,uevent,mdev_supported_types,mdev_supported_types/mtty-1,/class/mdev_bus/mtty,/class/mtty/mtty,/bus/mdev/drivers/mtty,/module/mtty

section "mtty unplugged with three devices"
mk "$T1" "$U1"
mk "$T2" "$U2"
mk "$T1" "$U3"
mk "$VGA" "$U4"
"$P/kuev" -p "$S:$PLOOK" -- "$PARENT" unplug mtty
tree class/mdev_bus class/mtty devices/virtual/mtty bus/mdev kernel/iommu_groups class/vfio-dev
op "$T1/create" stat
put "$T1/create" "$U1"

section "mtty plugged again"
"$P/kuev" -p "$S:$PLOOK" -- "$PARENT" plug mtty
tree class/mdev_bus class/mtty devices/virtual/mtty bus/mdev/drivers bus/mdev/devices
avail "$T1" "$T2"
mk "$T1" "$U1"
rm_dev "$U1"

section "every parent unplugged: class/mdev_bus stays, empty"
"$P/kuev" -- sh -c "$PARENT unplug mdpy; $PARENT unplug mbochs; $PARENT unplug mtty"
tree class/mdev_bus bus/mdev class/vfio-dev kernel/iommu_groups \
	devices/virtual/mtty devices/virtual/mdpy devices/virtual/mbochs
section "and plugged again"
"$P/kuev" -- sh -c "$PARENT plug mtty; $PARENT plug mdpy; $PARENT plug mbochs"
tree class/mdev_bus bus/mdev/drivers
avail "$T1" "$VGA" "$SMALL"
