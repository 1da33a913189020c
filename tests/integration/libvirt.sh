#!/bin/bash
# Real libvirtd (9.0, its node device driver) and a real systemd-udevd in
# `mdevfs run`, on one parent of each kind: a PCI GPU (the NVIDIA
# profile), an s390 subchannel on the css bus (vfio-ccw), the AP matrix
# (vfio-ap) and a virtual device (the mtty sample).  The checks run in the
# run, from libvirt-inside.sh.
#
# Run inside `unshare -m -n` (ctest does); MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
profiles=$here/../../examples/profiles

for need in libvirtd virsh /lib/systemd/systemd-udevd; do
	command -v "$need" >/dev/null ||
		{ echo "SKIP: $need is not installed (apt-get install libvirt-daemon libvirt-clients udev)"; exit 0; }
done

check() { # CONFIG PARENT TYPE
	local conf=$1
	shift
	"$MDEVFS" run ${conf:+-c "$conf"} -- bash "$here/libvirt-inside.sh" "$@"
	expect_eq "$1: the checks inside mdevfs run" "$?" 0
}

check "$profiles/nvidia-gpu.conf" 0000:3b:00.0 nvidia-47
check "$profiles/vfio-ccw.conf" 0.0.0313 vfio_ccw-io
check "$profiles/vfio-ap.conf" matrix vfio_ap-passthrough
check "" mtty mtty-2

expect_eq "no mount left" "$(grep -c mdevfs /proc/self/mounts)" 0
finish
