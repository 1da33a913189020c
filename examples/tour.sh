#!/bin/bash
# A first look at mdevfs, the commands of the README's tour.
#
#   mdevfs /mnt/mdevfs && examples/tour.sh /mnt/mdevfs
#
# It creates a dual-port mtty device, looks at it the way management tools
# do, and removes it.  Every step is checked; the script stops at the first
# one that does not do what the kernel would.
set -euo pipefail
cd "${1:?usage: $0 MOUNTPOINT}"

# The command line as typed, then run: a string (with its redirections)
# or words.
show() { printf '\n$ %s\n' "$*"; eval "$*"; }
check() { [ "$1" = "$2" ] || { echo "unexpected: '$1', wanted '$2'" >&2; exit 1; }; }

types=class/mdev_bus/mtty/mdev_supported_types
show ls class/mdev_bus
show ls $types
# shellcheck disable=SC2016 # shown as typed, expanded by show's eval
show 'grep . $types/*/name $types/*/available_instances'
check "$(cat $types/mtty-2/available_instances)" 12

uuid=$(uuidgen)
show "echo $uuid > $types/mtty-2/create"
show ls bus/mdev/devices
show readlink "bus/mdev/devices/$uuid"
show ls "bus/mdev/devices/$uuid"
show readlink "bus/mdev/devices/$uuid/mdev_type" "bus/mdev/devices/$uuid/iommu_group"
show cat "bus/mdev/devices/$uuid/mdev_type/name"
show cat $types/mtty-1/available_instances $types/mtty-2/available_instances
check "$(cat $types/mtty-1/available_instances)" 22
check "$(readlink "bus/mdev/devices/$uuid/mdev_type")" ../mdev_supported_types/mtty-2

# The same UUID on another parent: the kernel says EEXIST.
show "echo $uuid > class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create || true"

show "echo 1 > bus/mdev/devices/$uuid/remove"
show ls bus/mdev/devices
check "$(ls bus/mdev/devices)" ""
check "$(cat $types/mtty-2/available_instances)" 12
echo
echo "tour done"
