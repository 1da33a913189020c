#!/bin/bash
# Creates N mediated devices of a type and waits until each is complete,
# then prints their UUIDs, one a line:
#
#   examples/create-devices.sh 3 mtty mtty-2
#
# A device is complete when its mdev_type link resolves: udev's `add`
# can arrive before it does (on the kernel too), and tools such as mdevctl
# read it.  SYSFS names the sysfs root (default /sys; a mounted mdevfs tree
# also works: SYSFS=/mnt/mdevfs).
set -euo pipefail
n=${1:?usage: $0 N PARENT TYPE}
parent=${2:?usage: $0 N PARENT TYPE}
type=${3:?usage: $0 N PARENT TYPE}
sys=${SYSFS:-/sys}
create=$sys/class/mdev_bus/$parent/mdev_supported_types/$type/create

available=$(cat "$sys/class/mdev_bus/$parent/mdev_supported_types/$type/available_instances")
if [ "$available" -lt "$n" ]; then
	echo "$0: only $available instances of $type available on $parent" >&2
	exit 1
fi
uuids=()
for _ in $(seq "$n"); do
	uuid=$(uuidgen)
	echo "$uuid" >"$create"
	uuids+=("$uuid")
done
for uuid in "${uuids[@]}"; do
	for _ in $(seq 100); do
		[ -e "$sys/bus/mdev/devices/$uuid/mdev_type" ] && break
		sleep 0.1
	done
	[ -e "$sys/bus/mdev/devices/$uuid/mdev_type" ] || {
		echo "$0: $uuid did not appear" >&2
		exit 1
	}
	echo "$uuid"
done
