#!/bin/sh
# SPDX-License-Identifier: MIT
# A shell test on a private tree, with the real /sys paths and tools:
#   mdevfs run -- sh examples/testbed/test-shell.sh
set -eu
events=$(mktemp)
udevadm monitor --kernel --subsystem-match=mdev >"$events" & monitor=$!
trap 'kill $monitor; rm -f "$events"' EXIT
until grep -q '^KERNEL - ' "$events"; do sleep 0.01; done  # it listens
u=$(uuidgen)
echo "$u" >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create
timeout 5 sh -c "until grep -q ' bind .*/$u (mdev)' $events; do sleep 0.01; done"
grep -q " add .*/$u (mdev)" "$events"
mdevctl list | grep -qx "$u mtty mtty-2 manual"
echo 1 >"/sys/bus/mdev/devices/$u/remove"
