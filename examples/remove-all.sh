#!/bin/bash
# Removes every mediated device, then waits until none is left:
#
#   examples/remove-all.sh
#
# A device still being created answers EAGAIN; it is tried again.  SYSFS
# names the sysfs root (default /sys).
set -uo pipefail
sys=${SYSFS:-/sys}

for _ in $(seq 100); do
	left=0
	for dev in "$sys"/bus/mdev/devices/*; do
		[ -e "$dev" ] || continue
		left=$((left + 1))
		echo 1 >"$dev/remove" 2>/dev/null || true
	done
	[ "$left" -eq 0 ] && exit 0
	sleep 0.1
done
shopt -s nullglob
left=("$sys"/bus/mdev/devices/*)
echo "$0: devices left: ${left[*]##*/}" >&2
exit 1
