#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An mdevfs callout (and mdevctl-style callout script) for NVIDIA vGPU on
# SR-IOV GPUs with "vendor-specific VFIO" (Ada, Hopper and later, vGPU
# 17+), where the driver has no mdev interface: a vGPU is a virtual
# function (VF) of the physical GPU (PF) whose nvidia/current_vgpu_type
# holds the vGPU type's id.  It gives such a GPU the mdev life cycle:
#
#   -e pre -a start   pick a free VF of the parent PF that can host the
#                     type, write the id to its current_vgpu_type, read it
#                     back, and record UUID -> VF
#   -e pre -a stop    write 0 to the device's VF and forget it
#   -e get -a available        the free VFs that can host the type
#   -e get -a attributes       [{"vf":"<VF's PCI address>"}]: what QEMU
#                     is given (-device vfio-pci,host=<VF>)
#
# The type is nvidia-<id> (the driver's numeric vGPU type id, as Proxmox
# names them); the parent is the PF's PCI address.  Failures end with an
# "errno=NAME" line on stderr, which mdevfs hands to the writer of
# `create`: EUSERS when no VF is free (what the mdev core says when a
# parent is full), EIO when the driver does not take the type.
#
# Environment: VGPU_SYSFS_ROOT (default /sys) is where bus/pci/devices is
# (a test points it at a fake tree), VGPU_STATE_DIR (default
# /run/mdevfs-vgpu) where UUID -> VF is recorded.  mdevfs gives callouts a
# clean environment: set them with the parent's callout_env key.
#
# The VFs must exist (/usr/lib/nvidia/sriov-manage -e <PF>, never a write
# to sriov_numvfs).  mdevfs runs the starts and stops of one parent one at
# a time; the lock below also keeps out other tools using this script.
set -u

sysfs=${VGPU_SYSFS_ROOT:-/sys}
state=${VGPU_STATE_DIR:-/run/mdevfs-vgpu}
type='' event='' action='' uuid='' parent=''
while getopts t:e:a:s:u:p: opt; do
	case $opt in
	t) type=$OPTARG ;;
	e) event=$OPTARG ;;
	a) action=$OPTARG ;;
	s) ;;
	u) uuid=$OPTARG ;;
	p) parent=$OPTARG ;;
	*) exit 1 ;;
	esac
done

case $type in
nvidia-[0-9]*) id=${type#nvidia-} ;;
*) exit 2 ;; # not a type of ours
esac
case $id in *[!0-9]*) exit 2 ;; esac
pf=$sysfs/bus/pci/devices/$parent

fail() { # ERRNO MESSAGE
	echo "$2" >&2
	echo "errno=$1" >&2
	exit 1
}

# The PF's VFs, as directories, in VF order.
vfs() {
	i=0
	while [ -e "$pf/virtfn$i" ]; do
		echo "$sysfs/bus/pci/devices/$(basename "$(readlink "$pf/virtfn$i")")"
		i=$((i + 1))
	done
}

# Whether VF $1 is free and can host the type now (the list of creatable
# types shrinks as sibling VFs are configured: read it each time).
can_host() {
	[ "$(cat "$1/nvidia/current_vgpu_type" 2>/dev/null)" = 0 ] || return 1
	awk -v id="$id" '/^ID/ { next } { sub(/[ \t]*:.*/, ""); if ($1 == id) ok = 1 }
		END { exit !ok }' "$1/nvidia/creatable_vgpu_types" 2>/dev/null
}

start() {
	[ -e "$state/$uuid" ] && fail EEXIST "$uuid is already on VF $(cat "$state/$uuid")"
	[ -e "$pf/virtfn0" ] || fail ENODEV "$parent has no VFs: run sriov-manage -e $parent"
	for vf in $(vfs); do
		can_host "$vf" || continue
		if ! echo "$id" 2>/dev/null >"$vf/nvidia/current_vgpu_type"; then
			echo "$(basename "$vf"): the driver refused type $id" >&2
			continue
		fi
		# A type the VF cannot take is reset to 0: verify.
		if [ "$(cat "$vf/nvidia/current_vgpu_type")" != "$id" ]; then
			echo 0 >"$vf/nvidia/current_vgpu_type" 2>/dev/null
			continue
		fi
		basename "$vf" >"$state/$uuid"
		echo "$uuid: type $id on VF $(basename "$vf")" >&2
		return 0
	done
	fail EUSERS "$parent: no free VF can host type $id"
}

stop() {
	[ -e "$state/$uuid" ] || { echo "$uuid: not ours, nothing to stop" >&2; return 0; }
	vf=$(cat "$state/$uuid")
	echo 0 >"$sysfs/bus/pci/devices/$vf/nvidia/current_vgpu_type" ||
		fail EIO "$uuid: cannot clear VF $vf"
	rm -f "$state/$uuid"
	echo "$uuid: VF $vf freed" >&2
}

available() {
	n=0
	for vf in $(vfs); do
		can_host "$vf" && n=$((n + 1))
	done
	echo "$n"
}

attributes() {
	vf=$(cat "$state/$uuid" 2>/dev/null) || fail ENODEV "$uuid: not ours"
	printf '[{"vf":"%s"}]\n' "$vf"
}

mkdir -p "$state" || fail EIO "cannot create $state"
exec 9>"$state/.lock" && flock 9 || fail EIO "cannot lock $state/.lock"
case $event/$action in
pre/start) start ;;
pre/stop) stop ;;
get/available) available ;;
get/attributes) attributes ;;
live/modify) fail EPERM "no writable attributes" ;;
*) ;; # post events, and what mdevctl may ask that needs no answer
esac
exit 0
