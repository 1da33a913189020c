#!/bin/bash
# The README's tour, run as a user would: mount in the background, run
# examples/tour.sh, unmount.
. "$(dirname "$0")/lib.sh"

new_mountpoint m
"$MDEVFS" "$m" || { fail "mount"; finish; }
pid=$(daemon_pid "$m")
if out=$(bash "$(dirname "$0")/../../examples/tour.sh" "$m" 2>&1); then
	ok "examples/tour.sh"
else
	fail "examples/tour.sh"
fi
echo "$out"
grep -q "File exists" <<<"$out" && ok "EEXIST shown" || fail "no EEXIST in the tour"
fusermount3 -u "$m"
wait_gone "$pid" && ok "stopped" || fail "daemon still running"
finish
