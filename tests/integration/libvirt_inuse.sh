#!/bin/bash
# Real libvirtd (only its node device driver) inside `mdevfs run`: its
# nodedev-destroy of an mdev refuses while the device's group is open
# ("device in use": it opens /dev/vfio/N and gets EBUSY), and destroys it
# (mdevctl stop) once it is not.  Run inside `unshare -m -n`.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
drv=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so
if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null || [ ! -e "$drv" ]; then
	echo "ok - skipped: libvirtd, virsh or its nodedev driver is not installed"
	exit 0
fi

"$MDEVFS" run -- env MDEVFS="$MDEVFS" DRV="$drv" bash "$here/libvirt_inuse-inside.sh" "$here"
expect_eq "the checks inside mdevfs run" "$?" 0
finish
