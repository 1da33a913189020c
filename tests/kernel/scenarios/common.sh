# shellcheck shell=sh disable=SC2034 # the names are for the scenarios
# What every scenario of the kernel differential suite shares; sourced by
# each (. "$K/common.sh").  A scenario is a POSIX sh script that runs as
# root on the oracle kernel in its VM (tests/kernel/record.sh, busybox sh)
# and on mdevfs inside `mdevfs run` (tests/kernel/compare.sh), against
# /sys, with every sample parent plugged and no device; it prints only
# what the probes print and its section titles, and leaves things as it
# found them.
#
# The environment: MODE (kernel or mdevfs), P (the probes: ktree kwrite kop
# kuev), K (this directory); on the kernel MODDIR (the sample modules'
# .ko files), on mdevfs MDEVFS (the binary) and KCONF (a configuration per
# sample parent), both read by ./parent.
set -u
: "${MODE:?kernel or mdevfs}" "${P:?the probes}" "${K:?the scenarios}"
S=/sys
MT=$S/devices/virtual/mtty/mtty
MP=$S/devices/virtual/mdpy/mdpy
MB=$S/devices/virtual/mbochs/mbochs
T1=$MT/mdev_supported_types/mtty-1
T2=$MT/mdev_supported_types/mtty-2
VGA=$MP/mdev_supported_types/mdpy-vga
XGA=$MP/mdev_supported_types/mdpy-xga
HD=$MP/mdev_supported_types/mdpy-hd
SMALL=$MB/mdev_supported_types/mbochs-small
MEDIUM=$MB/mdev_supported_types/mbochs-medium
LARGE=$MB/mdev_supported_types/mbochs-large
DEVS=$S/bus/mdev/devices
# The events kept: the sample parents' and their devices', vfio's, the mdev
# bus's, the sample drivers' classes and modules; the host's kernel sends
# its own devices' events into every network namespace, also mdevfs run's.
KUEV_KEEP=/devices/virtual/mtty,/devices/virtual/mdpy,/devices/virtual/mbochs
KUEV_KEEP=$KUEV_KEEP,/devices/virtual/vfio,/bus/mdev,/class/mtty,/class/mdpy
KUEV_KEEP=$KUEV_KEEP,/class/mbochs,/module/mtty,/module/mdpy,/module/mbochs
export KUEV_KEEP
# What a monitor looks for at each event of a device (-p of kuev).
LOOK=.,uevent,remove,subsystem,power,driver,iommu_group,vfio-dev,vendor,mdev_type

section() { printf '\n== %s\n' "$*"; }
tree() { "$P/ktree" "$S" "$@"; }
put() { "$P/kwrite" "$@"; }
op() { "$P/kop" "$@"; }
uev() { "$P/kuev" "$@"; }
# A write and the uevents it caused.
ev() { "$P/kuev" -- "$P/kwrite" "$@"; }
# A write, the uevents and what existed at each one's arrival.
evp() { "$P/kuev" -p "$S:$LOOK" -- "$P/kwrite" "$@"; }
# mk TYPE_DIR UUID / rm UUID: a create or a remove, its result shown.
mk() { "$P/kwrite" "$1/create" "$2"; }
rm_dev() { "$P/kwrite" "$DEVS/$1/remove" 1; }
# avail TYPE_DIR...: the available_instances of each.
avail() {
	for t in "$@"; do
		"$P/kop" "$t/available_instances" open:r read:64
	done
}
# parent unplug|plug NAME, as a command (kuev runs it).
PARENT=$K/parent
