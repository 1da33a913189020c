#!/bin/bash
# SPDX-License-Identifier: MIT
# mdevfs as a Type=notify service: the notifications it sends to the
# socket in $NOTIFY_SOCKET (a path, and an @abstract name), listened to
# here as systemd would (tests/integration/notify-listen.py): READY=1 only
# once the tree is complete, from the daemon's own pid; STATUS= with the
# right counts after creates, removes and a parent plugged, a few messages
# for a storm of creates; STOPPING=1 when it stops.  Run inside
# `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
work=$(mktemp -d /tmp/mdevfs-service-XXXXXX)
pid='' listener=''
trap 'kill -KILL $pid 2>/dev/null; kill $listener 2>/dev/null; cleanup; [ "$FAILS" -eq 0 ] && rm -rf "$work" || echo "logs kept in $work"' EXIT
new_mountpoint m
types="$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1"

# listen ADDRESS: the listener in $listener, its messages in $work/heard.
listen() {
	: >"$work/heard"
	/usr/bin/python3 "$here/notify-listen.py" "$1" "$work/heard" "$m" \
		>"$work/listen.ready" 2>"$work/listen.err" &
	listener=$!
	for _ in $(seq 250); do
		[ -s "$work/listen.ready" ] && return 0
		sleep 0.02
	done
	fail "listener on $1: $(cat "$work/listen.err")"
	exit 1
}

# heard PATTERN: a message matching the extended regex arrives within 5 s.
heard() {
	for _ in $(seq 250); do
		grep -qE "$1" "$work/heard" && return 0
		sleep 0.02
	done
	return 1
}

# --- a socket at a path ---------------------------------------------------------
listen "$work/notify"
NOTIFY_SOCKET="$work/notify" "$MDEVFS" -f --no-state-dir "$m" 2>>"$work/daemon.log" &
pid=$!
heard 'READY=1' && ok "READY=1 arrives" || { fail "no READY=1: $(cat "$work/daemon.log")"; exit 1; }
heard '^ready-saw:' || fail "the listener did not look at the tree"
expect_eq "when READY=1 arrives, the tree has every parent" \
	"$(sed -n 's/^ready-saw: //p' "$work/heard")" "mbochs mdpy mtty"
expect_eq "READY=1 is sent once, by the daemon itself (NotifyAccess=main)" \
	"$(grep -c "^pid=$pid .*READY=1" "$work/heard")/$(grep -c 'READY=1' "$work/heard")" "1/1"
grep -q "READY=1|MAINPID=$pid|STATUS=serving devices=0 parents=3" "$work/heard" &&
	ok "READY=1 with MAINPID and the counts" || fail "READY said: $(grep READY "$work/heard")"

us=()
for _ in 1 2 3; do
	u=$(uuidgen)
	us+=("$u")
	write_errno "$types/create" "$u" >/dev/null
done
heard "^pid=$pid STATUS=serving devices=3 parents=3$" && ok "STATUS= after 3 creates" ||
	fail "no STATUS for 3 devices: $(tail -3 "$work/heard")"
echo 1 >"$m/bus/mdev/devices/${us[0]}/remove"
heard "STATUS=serving devices=2 parents=3$" && ok "STATUS= after a remove" ||
	fail "no STATUS for 2 devices: $(tail -3 "$work/heard")"
printf '[parent gpu0]\nclass = gpu\ndriver = gpu\nbackend = sample\ndevice_api = vfio-pci\npool = 8\n[type gpu0 a]\n' >"$work/gpu.conf"
"$MDEVFS" ctl -m "$m" register "$work/gpu.conf" >/dev/null
heard "STATUS=serving devices=2 parents=4$" && ok "STATUS= after a parent is plugged" ||
	fail "no STATUS for 4 parents: $(tail -3 "$work/heard")"
"$MDEVFS" ctl -m "$m" unregister gpu0 >/dev/null
heard "STATUS=serving devices=2 parents=3$" && ok "STATUS= after it is unplugged" ||
	fail "no STATUS for 3 parents again: $(tail -3 "$work/heard")"

# A storm: every create changes the count, the messages are rate-limited.
before=$(grep -c STATUS= "$work/heard")
for _ in $(seq 20); do uuidgen >"$types/create"; done
heard "STATUS=serving devices=22 parents=3$" && ok "STATUS= ends with the storm's count" ||
	fail "no STATUS for 22 devices: $(tail -3 "$work/heard")"
storm=$(($(grep -c STATUS= "$work/heard") - before))
[ "$storm" -lt 10 ] && ok "20 creates, $storm STATUS= messages" ||
	fail "20 creates made $storm STATUS= messages: not rate-limited"

kill -TERM "$pid"
wait "$pid"
expect_eq "SIGTERM: exit status" "$?" 0
heard "^pid=$pid STOPPING=1\|STATUS=stopping: 22 devices to remove$" && ok "STOPPING=1 on SIGTERM" ||
	fail "no STOPPING=1: $(tail -3 "$work/heard")"
expect_eq "nothing after STOPPING=1" "$(tail -1 "$work/heard" | grep -c STOPPING=1)" 1
kill "$listener"
wait "$listener" 2>/dev/null

# --- an abstract name, stopped by ctl stop --------------------------------------
listen "@mdevfs-test-notify-$$"
NOTIFY_SOCKET="@mdevfs-test-notify-$$" "$MDEVFS" -f --no-state-dir "$m" 2>>"$work/daemon.log" &
pid=$!
heard 'READY=1' && ok "READY=1 on an abstract socket" || fail "no READY=1 on @"
"$MDEVFS" ctl -m "$m" stop
expect_eq "ctl stop" "$?" 0
heard "^pid=$pid STOPPING=1" && ok "STOPPING=1 on ctl stop" || fail "no STOPPING=1 on ctl stop"
wait "$pid"
kill "$listener"
wait "$listener" 2>/dev/null

# --- a bad NOTIFY_SOCKET: one line, and it serves anyway ------------------------
NOTIFY_SOCKET=vsock:2:99 "$MDEVFS" -f --no-state-dir "$m" 2>"$work/bad.log" &
pid=$!
for _ in $(seq 250); do serving_at "$m" && break; sleep 0.02; done
serving_at "$m" && ok "serves with a NOTIFY_SOCKET it cannot use" || fail "does not serve"
expect_eq "says so in one line" "$(grep -c NOTIFY_SOCKET "$work/bad.log")" 1
"$MDEVFS" ctl -m "$m" stop
wait "$pid"
grep -q Sanitizer "$work"/*.log && fail "a sanitizer report: $(grep -m1 -A8 Sanitizer "$work"/*.log)" ||
	ok "no sanitizer report"
finish
