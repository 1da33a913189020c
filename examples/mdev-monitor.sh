#!/bin/bash
# Says what happens to mediated devices, one line per uevent:
#
#   examples/mdev-monitor.sh [--udev|--kernel]
#
#   parent mtty registered
#   mdev 0b1c0e52-... add on mtty
#   mdev 0b1c0e52-... bind on mtty (driver mtty)
#
# A parent's MDEV_STATE change comes with the parent's own subsystem (mtty,
# pci, css...), so the monitor listens to everything and keeps what
# concerns mdev.  --udev (the default) hears mdevfs's route U, --kernel its
# route K.
set -euo pipefail
source=${1:---udev}

report() {
	local name=${devpath##*/} parent
	parent=${devpath%/*}
	parent=${parent##*/}
	if [ -n "$state" ]; then
		echo "parent $name $state"
	elif [ "$subsystem" = mdev ]; then
		echo "mdev $name $action on $parent${driver:+ (driver $driver)}"
	fi
}

action='' devpath='' subsystem='' driver='' state=''
stdbuf -oL udevadm monitor "$source" --property | while IFS= read -r line; do
	case $line in
	ACTION=*) action=${line#ACTION=} ;;
	DEVPATH=*) devpath=${line#DEVPATH=} ;;
	SUBSYSTEM=*) subsystem=${line#SUBSYSTEM=} ;;
	DRIVER=*) driver=${line#DRIVER=} ;;
	MDEV_STATE=*) state=${line#MDEV_STATE=} ;;
	"")
		[ -n "$action" ] && report
		action='' devpath='' subsystem='' driver='' state=''
		;;
	esac
done
