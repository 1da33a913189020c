#!/bin/bash
# getdents order and d_off on mdevfs against the oracle kernel's: the
# scenario that tests/oracle/record.sh ran on Linux 6.1 runs on a mount of
# the built-in samples, and what it prints must be what the kernel printed
# (tests/oracle/readdir-order.txt), less the entries mdevfs does not have.
. "$(dirname "$0")/lib.sh"
DENTS=${DENTS:?set DENTS to the dents probe}
ORACLE=$(dirname "$0")/../oracle

# The kernel's listing without what mdevfs leaves out: a driver's module
# link (mdevfs's drivers are nobody's module).  An entry's d_off is the
# position of the next one, so a kept entry takes the d_off the kernel
# gave the entry just before the next kept one.
expected() {
	awk '
	function skipped(d, x) {
		return d ~ /^bus\/mdev\/drivers\/[^\/]+$/ && x == "module"
	}
	function flush(   i, j) {
		for (i = 1; i <= n; i++) {
			if (drop[i])
				continue
			for (j = i + 1; j <= n && drop[j]; j++)
				;
			print (j <= n ? off[j - 1] : 2147483647), type[i], name[i]
		}
		n = 0
	}
	/^#/ { next }
	/^== / { flush(); print; dir = substr($0, 4); sub(/ \(.*/, "", dir); next }
	{ n++; off[n] = $1; type[n] = $2; name[n] = $3; drop[n] = skipped(dir, $3) }
	END { flush() }
	' "$ORACLE/readdir-order.txt"
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
