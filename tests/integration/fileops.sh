#!/bin/bash
# File operations on mdevfs against the oracle kernel's: the scenario that
# tests/oracle/record.sh ran on Linux 6.1 (fds kept across a create, a
# remove and a parent's unregistration; O_DIRECT, fsync, poll, xattrs)
# runs on a mount of the built-in samples, and what it prints must be what
# the kernel printed (tests/oracle/fileops.txt), but for what FUSE forces.
. "$(dirname "$0")/lib.sh"
FDOPS=${FDOPS:?set FDOPS to the fdops probe}
ORACLE=$(dirname "$0")/../oracle
T=devices/virtual/mtty/mtty/mdev_supported_types/mtty-2

# What FUSE forces, each in docs/kernel-differences.md: a step, and what
# mdevfs answers instead of the kernel.
forced=(
	"setfl f D|OK"                 # F_SETFL never reaches the daemon
	"statfs .|0x65735546"          # FUSE's f_type
	"listx $T/device_api 0|65536"  # FUSE caps a size query at 64 KiB
)

# Without the directories around the tree: a bare mount's root holds only
# the tree (tests/integration/run_stat.sh checks them in `mdevfs run`).
tree_only() {
	awk '/^#/ { next } /^== / { skip = $0 == "== the directories around the tree" } !skip'
}

# The kernel's answers, with mdevfs's for the forced steps.
expected() {
	local line f
	tree_only <"$ORACLE/fileops.txt" | while IFS= read -r line; do
		for f in "${forced[@]}"; do
			[ "${line%% -> *}" = "${f%%|*}" ] && line="${f%%|*} -> ${f#*|}"
		done
		printf '%s\n' "$line"
	done
}

for f in "${forced[@]}"; do
	grep -qF -- "${f%%|*} -> " "$ORACLE/fileops.txt" ||
		fail "forced step '${f%%|*}' is not in the record"
done

new_mountpoint m
log=$(mktemp /tmp/mdevfs-fileops-XXXXXX.log)
start_on "$m" "$log"
got=$(GONE="$MDEVFS ctl -m $m unregister mtty" FDOPS=$FDOPS \
	sh "$ORACLE/fileops-scenario.sh" "$m" 2>&1)
if diff -u <(expected) <(tree_only <<<"$got"); then
	ok "file operations answer as on the oracle kernel"
else
	fail "file operations differ from the oracle kernel's (diff above)"
fi
fusermount3 -u "$m"
wait_gone "$pid" && ok "stopped" || fail "daemon still running"
# the xattrs it kept, the fds it served: freed, no race (sanitizer builds)
expect_eq "no sanitizer report" "$(grep -c Sanitizer "$log")" 0
rm -f "$log"
finish
