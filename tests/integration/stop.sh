#!/bin/bash
# SPDX-License-Identifier: MIT
# `mdevfs ctl stop` returns only when the daemon is done: every device
# removed through its (slow) vendor, the tree unmounted, the state
# directory gone, the process gone; so a start right after
# it needs no wait, round after round.  fusermount3 -u, for contrast,
# returns while the removes still run.  Its timeout, a daemon already
# stopping, two stops at once, from another pid namespace, a stop with
# lookups left unanswered, nothing to stop, and `mdevfs run`.  Run
# inside `unshare -m -n`; MDEVFS names the binary; STOP_ROUNDS (default 4).
. "$(dirname "$0")/lib.sh"
rounds=${STOP_ROUNDS:-4}
work=$(mktemp -d /tmp/mdevfs-stop-XXXXXX)
pid=''
trap 'kill -KILL $pid 2>/dev/null; cleanup; [ "$FAILS" -eq 0 ] && rm -rf "$work" || echo "logs kept in $work"' EXIT
new_mountpoint m
sd="$work/state"
types="$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1"
delay_ms=150

# devices N [DELAY_MS]: N devices on mtty, whose removes take DELAY_MS.
devices() {
	local got
	for _ in $(seq "$1"); do
		got=$(write_errno "$types/create" "$(uuidgen)")
		[ "$got" = OK ] || fail "a create: $got"
	done
	"$MDEVFS" ctl -m "$m" fault mtty '*' "remove_delay_ms=${2:-$delay_ms}" >/dev/null
}

# gone_now PID: exited already (a zombie of ours counts), without waiting.
gone_now() {
	local state
	kill -0 "$1" 2>/dev/null || return 0
	read -r _ _ state _ <"/proc/$1/stat" && [ "$state" = Z ]
}

mounted() { grep -q " $m " /proc/self/mountinfo; }

# What is left of the state directory: a clean stop removes it, records,
# lock and all (src/state.c).
state_left() {
	[ -e "$sd" ] || { echo none; return; }
	flock -n "$sd/lock" true && echo "unlocked, $(find "$sd" -type f ! -name lock | wc -l) records" ||
		echo locked
}

# --- round after round: stop, then start again at once ---------------------------
start_on "$m" "$work/daemon.log" --state-dir "$sd"
for r in $(seq "$rounds"); do
	devices 3
	expect_eq "round $r: ctl status names the daemon's pid" \
		"$("$MDEVFS" ctl -m "$m" status | grep -o 'pid=[0-9]*')" "pid=$pid"
	t0=$(date +%s%N)
	out=$("$MDEVFS" ctl -m "$m" stop 2>&1)
	rc=$?
	took=$((($(date +%s%N) - t0) / 1000000))
	# All of these at once, before anything can catch up.
	gone_now "$pid" && g=gone || g=running
	mounted && mt=mounted || mt=unmounted
	st=$(state_left)
	expect_eq "round $r: ctl stop: silent, exit 0" "$rc/$out" "0/"
	expect_eq "round $r: when it returns: the daemon, the mount, the state directory" \
		"$g $mt $st" "gone unmounted none"
	[ "$took" -ge $((3 * delay_ms)) ] && ok "round $r: it waited for 3 slow removes (${took} ms)" ||
		fail "round $r: returned after $took ms, before 3 removes of $delay_ms ms"
	wait "$pid"
	expect_eq "round $r: the daemon's exit status" "$?" 0
	: >"$work/next.log"
	start_on "$m" "$work/next.log" --state-dir "$sd"
	cat "$work/next.log" >>"$work/daemon.log"
	expect_eq "round $r: the next start waits for nobody" \
		"$(grep -c 'waiting for' "$work/next.log")" 0
	expect_eq "round $r: and has no device left over" "$(names "$m/bus/mdev/devices")" ""
done

# --- fusermount3 -u: returns while the removes run --------------------------------
devices 3
fusermount3 -u "$m"
gone_now "$pid" && fail "fusermount3 -u returned after the daemon exited (no race to show)" ||
	ok "fusermount3 -u returns while the daemon still removes its devices"
out=$("$MDEVFS" ctl -m "$m" stop 2>&1)
rc=$?
gone_now "$pid" && g=gone || g=running
expect_eq "ctl stop of a daemon already stopping: waits for it, silently" "$rc/$g/$out" "0/gone/"
wait "$pid"

# --- from another pid namespace: the daemon's pid unseen, its name waited for ------
start_on "$m" "$work/daemon.log" --state-dir "$sd"
devices 2
out=$(unshare --pid --fork --mount-proc "$MDEVFS" ctl -m "$m" stop 2>&1)
rc=$?
mounted && mt=mounted || mt=unmounted
expect_eq "ctl stop from another pid namespace: returns when the mount and state are gone" \
	"$rc/$mt/$(state_left)/$out" "0/unmounted/none/"
wait_gone "$pid" && ok "and the daemon exits" || fail "the daemon is still there"
wait "$pid"

# --- the timeout ------------------------------------------------------------------
start_on "$m" "$work/daemon.log" --state-dir "$sd"
devices 1 1500
out=$("$MDEVFS" ctl -m "$m" stop -t 0.3 2>&1)
rc=$?
gone_now "$pid" && g=gone || g=running
expect_eq "ctl stop -t 0.3 of a 1.5 s remove: exit 124, daemon still stopping" "$rc/$g" "124/running"
expect_eq "says so in one line" "$(wc -l <<<"$out")" 1
[[ "$out" == *"still stopping after 0.3 s"* ]] && ok "names the timeout" || fail "said: $out"
out=$("$MDEVFS" ctl -m "$m" stop --timeout=10 2>&1)
rc=$?
gone_now "$pid" && g=gone || g=running
expect_eq "ctl stop again, with room: waits for the end" "$rc/$g/$out" "0/gone/"
wait "$pid"

# --- two stops at once --------------------------------------------------------------
start_on "$m" "$work/daemon.log" --state-dir "$sd"
devices 2
"$MDEVFS" ctl -m "$m" stop >"$work/a.out" 2>&1 &
a=$!
"$MDEVFS" ctl -m "$m" stop >"$work/b.out" 2>&1 &
b=$!
wait "$a"
ra=$?
gone_now "$pid" && ga=gone || ga=running
wait "$b"
rb=$?
expect_eq "two stops at once: both 0, silent, the daemon gone when the first returns" \
	"$ra/$rb/$ga/$(cat "$work/a.out" "$work/b.out")" "0/0/gone/"
wait "$pid"

# --- two stops at once, nothing to remove, round after round ------------------------
# The stop is over at once, so the second client meets each of its steps:
# its line read but not yet kept when the first stop shuts connections,
# queued unaccepted when the acceptor ends.  Every client that got in is
# answered: 0, or 3 once the name is free; never a connection closed
# without an answer (exit 1).
unanswered=0
for _ in $(seq 100); do
	start_on "$m" "$work/daemon.log" --no-state-dir
	"$MDEVFS" ctl -m "$m" stop >"$work/a.out" 2>&1 &
	a=$!
	"$MDEVFS" ctl -m "$m" stop >"$work/b.out" 2>&1
	rb=$?
	wait "$a"
	ra=$?
	wait "$pid"
	[[ $ra$rb =~ ^[03][03]$ ]] || { unanswered=$((unanswered + 1)); cat "$work/a.out" "$work/b.out"; }
done
expect_eq "100 rounds of two stops at once: every client answered" "$unanswered" 0

# --- a lookup nobody answers: the loop ends at SIGTERM, the stop goes on ----------------
# Lookups made after it are never answered and wait, holding their
# directory, while the stop's removes invalidate entries there: the stop
# must still end (and them with it, at the unmount).
start_on "$m" "$work/daemon.log" --state-dir "$sd"
devices 3 300
kill -TERM "$pid"
sleep 0.1
lookers=''
for n in a b c; do
	stat "$m/bus/mdev/devices/no-such-$n" >/dev/null 2>&1 &
	lookers="$lookers $!"
done
wait_gone "$pid" && ok "a SIGTERM stop with lookups left unanswered ends" ||
	{ fail "the stop hangs behind unanswered lookups: $(head -3 "/proc/$pid/stack" 2>/dev/null)"; kill -KILL "$pid"; }
wait "$pid"
expect_eq "its exit status, and the state directory" "$?/$(state_left)" "0/none"
left=0
for l in $lookers; do wait_gone "$l" || left=$((left + 1)); done
expect_eq "and the lookups end with it" "$left" 0
mounted && fail "$m is still mounted" || ok "unmounted"

# --- nothing to stop, bad options, mdevfs run ------------------------------------------
out=$("$MDEVFS" ctl -m "$m" stop 2>&1)
expect_eq "nothing runs there: exit 3, one line" "$?/$(wc -l <<<"$out")" "3/1"
expect_err "a bad timeout" "expected seconds" "$MDEVFS" ctl -m "$m" stop -t soon
out=$("$MDEVFS" ctl -m "$m" stop now 2>&1)
expect_eq "an argument: exit 2" "$?" 2
out=$("$MDEVFS" run -- "$MDEVFS" ctl stop 2>&1)
rc=$?
expect_eq "inside mdevfs run: refused, exit 1" "$rc" 1
[[ "$out" == *"stops when its COMMAND ends"* ]] && ok "says why" || fail "said: $out"
mounted && fail "$m is still mounted" || ok "nothing left mounted"
grep -q Sanitizer "$work"/*.log && fail "a sanitizer report: $(grep -m1 -A8 Sanitizer "$work"/*.log)" ||
	ok "no sanitizer report"
finish
