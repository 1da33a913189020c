#!/bin/sh
# File descriptors kept across changes: a directory read to its end and
# read on after a create or a remove, and after lseek(0); an attribute
# read on after its value changed, after its device or its parent went;
# writes through fds whose files are gone (§1.4).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U=60000000-0000-4000-8000-000000000001
V=60000000-0000-4000-8000-000000000002

section "a directory read to its end, then a create, then a remove"
mk "$T1" "$U"
for d in "$DEVS" "$T1/devices" "$MT" "$S/bus/mdev/drivers/mtty" "$S/kernel/iommu_groups"; do
	op "$d" open:r+dir dents dents run:"$P/kwrite $T1/create $V >/dev/null" dents \
		seek:0 dents run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" dents seek:0 dents
done
section "a directory fd and lseek"
op "$DEVS" open:r+dir dents seekcur:0 seekend:0 seek:1 dents seek:2 dents

section "an attribute read, its value changed, read on, re-read"
op "$T1/available_instances" open:r read:4096 run:"$P/kwrite $T1/create $V >/dev/null" \
	read:4096 pread:4096:0 seek:0 read:4096 run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" \
	read:4096 seek:0 read:4096 read:1 seek:0 read:1 run:"$P/kwrite $T1/create $V >/dev/null" \
	read:4096 seek:0 read:4096
rm_dev "$V"

section "attributes and directories of a device that went"
mk "$T2" "$V"
for f in uevent vendor/sample_mdev_dev power/control power/runtime_status; do
	op "$MT/$V/$f" open:r read:4096 run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" \
		read:4096 seek:0 read:4096 pread:4096:0 fstat write:x close
	mk "$T2" "$V" >/dev/null
done
for d in "$MT/$V" "$MT/$V/power" "$MT/$V/vfio-dev" "$MT/$V/vendor"; do
	op "$d" open:r+dir dents run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" \
		seek:0 dents fstat
	mk "$T2" "$V" >/dev/null
done
section "writes through fds of a device that went"
for f in uevent power/control remove; do
	op "$MT/$V/$f" open:w run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" write:add write:1
	mk "$T2" "$V" >/dev/null
done
section "an fd of a device that went and came back under its UUID"
op "$MT/$V/uevent" open:r read:4096 run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null; $P/kwrite $T2/create $V >/dev/null" \
	seek:0 read:4096
op "$MT/$V/mdev_type/name" open:r read:4096 run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null; $P/kwrite $T1/create $V >/dev/null" \
	seek:0 read:4096
op "$MT/$V" stat run:"$P/kwrite $DEVS/$V/remove 1 >/dev/null" stat

section "a parent that went and came back"
op "$VGA/available_instances" open:r read:4096 run:"$PARENT unplug mdpy" seek:0 read:4096 \
	run:"$PARENT plug mdpy" seek:0 read:4096 fstat
op "$VGA" open:r+dir dents run:"$PARENT unplug mdpy" seek:0 dents \
	run:"$PARENT plug mdpy" seek:0 dents
op "$MP/uevent" open:r read:4096 run:"$PARENT unplug mdpy; $PARENT plug mdpy" seek:0 read:4096
rm_dev "$U"
