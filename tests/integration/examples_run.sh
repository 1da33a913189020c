#!/bin/bash
# The example scripts a user would write, run in `mdevfs run` on the /sys
# paths: create N devices and wait for them, watch the events, remove all.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
out=$(mktemp)

"$MDEVFS" run -- bash -c "
	. $(dirname "$0")/checks.sh
	udev_as_running
	setsid bash $examples/mdev-monitor.sh --udev >$out.events 2>/dev/null &
	monitor=\$!
	sleep 0.5
	$examples/create-devices.sh 3 mtty mtty-2 >$out
	echo created \$(wc -l <$out) >>$out.log
	echo types \$(cat /sys/bus/mdev/devices/*/mdev_type/name | sort -u) >>$out.log
	echo ports \$(cat /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances) >>$out.log
	$examples/create-devices.sh 20 mtty mtty-2 2>>$out.log || echo refused >>$out.log
	$examples/remove-all.sh && echo left \$(ls /sys/bus/mdev/devices | wc -l) >>$out.log
	sleep 0.5
	kill -- -\$monitor
"
expect_eq "the run" "$?" 0
expect_eq "create-devices.sh made 3" "$(grep created "$out.log")" "created 3"
expect_eq "of the type asked" "$(grep types "$out.log")" "types Dual port serial"
expect_eq "ports taken" "$(grep ports "$out.log")" "ports 18"
grep -q "only 9 instances of mtty-2 available on mtty" "$out.log" && ok "too many refused" ||
	fail "too many: $(cat "$out.log")"
expect_eq "remove-all.sh left none" "$(grep left "$out.log")" "left 0"
while read -r u; do
	grep -q "mdev $u bind on mtty (driver mtty)" "$out.events" &&
		grep -q "mdev $u remove on mtty" "$out.events" && ok "events of $u" ||
		fail "events of $u: $(cat "$out.events")"
done <"$out"
rm -f "$out" "$out.log" "$out.events"
finish
