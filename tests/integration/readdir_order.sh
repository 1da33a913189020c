#!/bin/bash
# getdents order and d_off on mdevfs against the oracle kernel's: the
# scenario that tests/oracle/record.sh ran on Linux 6.1 runs on a mount of
# the built-in samples, and what it prints must be what the kernel printed
# (tests/oracle/readdir-order.txt).
. "$(dirname "$0")/lib.sh"
DENTS=${DENTS:?set DENTS to the dents probe}
ORACLE=$(dirname "$0")/../oracle

expected() {
	grep -v '^#' "$ORACLE/readdir-order.txt"
}

new_mountpoint m
"$MDEVFS" "$m" || { fail "mount"; finish; }
pid=$(daemon_pid "$m")
got=$(DENTS=$DENTS sh "$ORACLE/readdir-scenario.sh" "$m" 2>&1)
if diff -u <(expected) <(echo "$got"); then
	ok "getdents order and d_off as on the oracle kernel"
else
	fail "getdents order or d_off differ from the oracle kernel's (diff above)"
fi
fusermount3 -u "$m"
wait_gone "$pid" && ok "stopped" || fail "daemon still running"
finish
