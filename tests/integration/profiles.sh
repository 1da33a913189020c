#!/bin/bash
# The vendor profiles of examples/profiles/: each passes `mdevfs --check`,
# and mdevctl 1.2.0 inside `mdevfs run -c PROFILE` sees and does what it
# would on a host with that vendor's hardware (profiles-inside.sh).
#
# Run inside `unshare -m -n` (ctest does); MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
profiles=$here/../../examples/profiles

names=()
for conf in "$profiles"/*.conf; do
	names+=("$(basename "$conf" .conf)")
done
expect_eq "the profiles" "${names[*]}" "intel-gvtg nvidia-gpu vfio-ap vfio-ccw"

for name in "${names[@]}"; do
	conf=$profiles/$name.conf
	out=$("$MDEVFS" --check -c "$conf" 2>&1)
	expect_eq "$name: mdevfs --check" "$?" 0
	[[ "$out" == *OK ]] || fail "$name: --check says '$out'"
	hide=()
	if ! out=$("$MDEVFS" run -c "$conf" -- true 2>&1); then
		# A parent where the host has a device (GVT-g's 0000:00:02.0
		# on a VM) is refused, in one line, unless told.
		expect_eq "$name: refused in one line" "$(wc -l <<<"$out")" 1
		[[ "$out" == *"would hide the host's /sys/devices/"*"--hide-host-devices" ]] ||
			fail "$name: refused with '$out'"
		hide=(--hide-host-devices)
	fi
	"$MDEVFS" run "${hide[@]}" -c "$conf" -- bash "$here/profiles-inside.sh" "$name"
	expect_eq "$name: the checks inside mdevfs run" "$?" 0
done

expect_eq "no staging directory left" "$(ls -d /tmp/mdevfs-run-* 2>/dev/null)" ""
expect_eq "no mount left" "$(grep -c mdevfs /proc/self/mounts)" 0
finish
