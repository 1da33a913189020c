#!/bin/bash
# The log of a detached `mdevfs -v`: to the journal with its fields, else
# to syslog, else on to stderr, said once.  SINK (journal, syslog, none)
# says which of /run/systemd/journal/socket and /dev/log there are: a
# tmpfs over /run and one over /dev hide the host's, and a socket this
# test listens on stands for the journal or the syslog daemon.
# Run inside `unshare -m -n` (messages.sh does); MDEVFS names the binary.
# shellcheck disable=SC2317 # cleanup() is called by the EXIT trap
. "$(dirname "$0")/lib.sh"
sink=${1:?usage: messages_log.sh journal|syslog|none}

tmp=$(mktemp -d /tmp/mdevfs-log-XXXXXX)
listener=
log_cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	cleanup
	umount -l /dev 2>/dev/null
	umount -l /run 2>/dev/null
	umount -l "$tmp/dev" 2>/dev/null
	rm -rf "$tmp"
}
trap log_cleanup EXIT

# /dev with only the devices the daemon uses, so that /dev/log is ours
# or missing; /run empty, so that the journal's socket is ours or missing.
mkdir "$tmp/dev"
mount --bind /dev "$tmp/dev"
mount -t tmpfs tmpfs /dev
for n in fuse null zero full random urandom; do
	: >"/dev/$n"
	mount --bind "$tmp/dev/$n" "/dev/$n"
done
mount -t tmpfs tmpfs /run

# listen PATH: every datagram to PATH, in $tmp/got (records end with an
# empty line; a journal record's fields are KEY=VALUE lines).
listen() {
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536).rstrip(b"\n") + b"\n\n")
' "$1" "$tmp/got" &
	listener=$!
	for _ in $(seq 250); do
		[ -e "$tmp/got.ready" ] && return 0
		sleep 0.02
	done
	fail "no listener on $1"
	exit 1
}
case $sink in
journal)
	mkdir -p /run/systemd/journal
	listen /run/systemd/journal/socket ;;
syslog)
	listen /dev/log ;;
esac

new_mountpoint m
"$MDEVFS" -v --no-state-dir "$m" 2>"$tmp/stderr"
expect_eq "$sink: started" "$?" 0
pid=$(daemon_pid "$m")
t=$m/class/mdev_bus/mtty/mdev_supported_types/mtty-2
u=$(uuidgen)
echo "$u" >"$t/create"
echo "$u" >"$t/create" 2>/dev/null && fail "$sink: a second create succeeded"
echo 1 >"$m/bus/mdev/devices/$u/remove"
fusermount3 -u "$m"
wait_gone "$pid" || fail "$sink: daemon still running"
sleep 0.2 # the last datagrams reach the listener

# record WORD: the records of $tmp/got with WORD in their MESSAGE.
record() {
	awk -v RS= -v w="$1" 'index($0, w) { print; print "" }' "$tmp/got"
}
has_line() { # WHAT TEXT LINE
	grep -qxF -- "$3" <<<"$2" && ok "$1" || fail "$1: no '$3' in '$2'"
}
case $sink in
journal)
	created=$(record "$u: created")
	has_line "journal: the create's message" "$created" \
		"MESSAGE=$u: created (mtty mtty-2)"
	has_line "journal: MDEV_UUID" "$created" "MDEV_UUID=$u"
	has_line "journal: MDEV_PARENT" "$created" "MDEV_PARENT=mtty"
	has_line "journal: MDEV_TYPE" "$created" "MDEV_TYPE=mtty-2"
	has_line "journal: PRIORITY" "$created" "PRIORITY=6"
	grep -q '^ERRNO=' <<<"$created" && fail "journal: ERRNO of a success" ||
		ok "journal: no ERRNO for a success"
	failed=$(record "$u: create failed")
	has_line "journal: the failure's message" "$failed" \
		"MESSAGE=$u: create failed: EEXIST (mtty mtty-2)"
	has_line "journal: the failure's ERRNO" "$failed" "ERRNO=17"
	has_line "journal: the failure's PRIORITY" "$failed" "PRIORITY=4"
	has_line "journal: remove" "$(record "$u: removed")" "MDEV_UUID=$u"
	has_line "journal: unregistration" "$(record "mtty: MDEV: Unregistering")" \
		"MDEV_PARENT=mtty"
	expect_eq "journal: nothing on stderr" "$(cat "$tmp/stderr")" "" ;;
syslog)
	grep -q "mdevfs\[$pid\]: $u: created (mtty mtty-2)$" "$tmp/got" &&
		ok "syslog: the create" || fail "syslog: no create in $(cat "$tmp/got")"
	grep -q "mdevfs\[$pid\]: $u: create failed: EEXIST (mtty mtty-2)$" "$tmp/got" &&
		ok "syslog: the failure" || fail "syslog: no failure"
	grep -q "mdevfs\[$pid\]: $u: removed" "$tmp/got" &&
		ok "syslog: the remove" || fail "syslog: no remove"
	expect_eq "syslog: nothing on stderr" "$(cat "$tmp/stderr")" "" ;;
none)
	expect_eq "no log socket: said once" \
		"$(grep -c "no journal (/run/systemd/journal/socket) and no syslog (/dev/log): the log goes on to stderr" "$tmp/stderr")" 1
	grep -qxF "mdevfs: $u: created (mtty mtty-2)" "$tmp/stderr" &&
		ok "no log socket: the create on stderr" || fail "no create in $(cat "$tmp/stderr")"
	grep -qxF "mdevfs: $u: create failed: EEXIST (mtty mtty-2)" "$tmp/stderr" &&
		ok "no log socket: the failure on stderr" || fail "no failure on stderr"
	grep -qxF "mdevfs: unmounted $m" "$tmp/stderr" &&
		ok "no log socket: to the end" || fail "no end on stderr"
	# A pipe is not held: the caller's $(...) ends, told why.
	m2='' # set by new_mountpoint
	new_mountpoint m2
	out=$(timeout 20 "$MDEVFS" -v --no-state-dir "$m2" 2>&1)
	expect_eq "no log socket, stderr a pipe: the caller goes on" "$?" 0
	expect_eq "no log socket, stderr a pipe: said" "$out" \
		"mdevfs: no journal (/run/systemd/journal/socket) and no syslog (/dev/log), and stderr is a pipe: the log is lost from here on (-f keeps it on stderr)"
	pid=$(daemon_pid "$m2")
	fusermount3 -u "$m2"
	wait_gone "$pid" || fail "daemon on $m2 still running" ;;
esac
finish
