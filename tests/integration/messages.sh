#!/bin/bash
# What mdevfs says: a command line's errors (one line, where the help is,
# exit status 2, the program named "mdevfs" however it was started), ctl's
# checks before it connects, a /dev/fuse that is something else, the log
# of -v (journal, syslog, stderr), ctl list --json and unregister's
# progress on a terminal.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/mdevfs-msg-XXXXXX)
trap 'cleanup; rm -rf "$tmp"' EXIT

# usage_error WHAT 'the first line' 'help command' COMMAND...: exactly
# two lines on stderr, nothing on stdout, exit status 2.
usage_error() {
	local what=$1 first=$2 help=$3 out rc
	shift 3
	out=$("$@" 2>"$tmp/err")
	rc=$?
	expect_eq "$what: exit status" "$rc" 2
	expect_eq "$what: nothing on stdout" "$out" ""
	expect_eq "$what: two lines" "$(cat "$tmp/err")" \
		"$first"$'\n'"Try '$help --help' for more information."
}
usage_error "unknown option" "mdevfs: unrecognized option '--frob'" mdevfs \
	"$MDEVFS" --frob /tmp
usage_error "missing argument" "mdevfs: option requires an argument -- 'c'" mdevfs \
	"$MDEVFS" -c
usage_error "no mountpoint" "mdevfs: missing MOUNTPOINT" mdevfs "$MDEVFS"
usage_error "run: unknown option" "mdevfs: run: unrecognized option '--frob'" \
	"mdevfs run" "$MDEVFS" run --frob true
usage_error "run: no command" "mdevfs: run: missing COMMAND" "mdevfs run" \
	"$MDEVFS" run
usage_error "record: unknown option" "mdevfs: record: invalid option -- 'x'" \
	"mdevfs record" "$MDEVFS" record -x
usage_error "ctl: unknown option" "mdevfs: ctl: unrecognized option '--frob'" \
	"mdevfs ctl" "$MDEVFS" ctl --frob list
usage_error "ctl: missing argument" "mdevfs: ctl: option requires an argument -- 'm'" \
	"mdevfs ctl" "$MDEVFS" ctl -m
# Started by another path, the name is the same.
ln -s "$MDEVFS" "$tmp/other-name"
usage_error "another argv[0]" "mdevfs: unrecognized option '--frob'" mdevfs \
	"$tmp/other-name" --frob

# ctl checks its command before it looks for a daemon: none runs here.
usage_error "ctl: unknown command, no daemon" "mdevfs: ctl: frobnicate: unknown command" \
	"mdevfs ctl" "$MDEVFS" ctl frobnicate
usage_error "ctl: too many arguments" "mdevfs: ctl: status: wrong number of arguments" \
	"mdevfs ctl" "$MDEVFS" ctl status now
usage_error "ctl: too few arguments" "mdevfs: ctl: fault: wrong number of arguments" \
	"mdevfs ctl" "$MDEVFS" ctl fault mtty
usage_error "ctl: list's argument" "mdevfs: ctl: list: unknown argument '--xml' (only --json)" \
	"mdevfs ctl" "$MDEVFS" ctl list --xml
usage_error "ctl: no command" "mdevfs: ctl: missing COMMAND" "mdevfs ctl" "$MDEVFS" ctl
expect_err "ctl: a good command looks for the daemon" "ctl: no mdevfs is mounted here" \
	"$MDEVFS" ctl list

# /dev/fuse that is something else: one line naming what it is, exit 1.
new_mountpoint m
fuse_refused() { # WHAT SOURCE 'the one line'
	local out rc
	mount --bind "$2" /dev/fuse || { fail "$1: bind mount"; return; }
	out=$("$MDEVFS" "$m" 2>&1)
	rc=$?
	umount /dev/fuse
	expect_eq "/dev/fuse $1: exit status" "$rc" 1
	expect_eq "/dev/fuse $1: one line" "$out" "mdevfs: $3"
}
: >"$tmp/regular"
fuse_refused "a regular file" "$tmp/regular" \
	"/dev/fuse is a regular file, not the FUSE character device (10:229)"
fuse_refused "another character device" /dev/null \
	"/dev/fuse is character device 1:3, not the FUSE device (10:229)"
mountpoint -q "$m" && fail "mounted without /dev/fuse" || ok "nothing mounted"

# ctl list --json: one document, valid for python3 -m json.tool, with
# every parent, its types and its devices as the tree shows them.
j='' # set by new_mountpoint
new_mountpoint j
"$MDEVFS" --no-state-dir --uevent=none "$j" 2>"$tmp/daemon.log" ||
	fail "start: $(cat "$tmp/daemon.log")"
ctl() { "$MDEVFS" ctl -m "$j" "$@"; }
u1=$(uuidgen)
u2=$(uuidgen)
echo "$u1" >"$j/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create"
echo "$u2" >"$j/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create"
ctl hold "$u2" >"$tmp/hold.out" 2>&1 &
holder=$!
for _ in $(seq 250); do grep -q holding "$tmp/hold.out" && break; sleep 0.02; done
ctl list --json >"$tmp/list.json"
expect_eq "list --json: exit status" "$?" 0
python3 -m json.tool "$tmp/list.json" >/dev/null &&
	ok "list --json: valid for python3 -m json.tool" || fail "list --json: not JSON: $(cat "$tmp/list.json")"
# What the tree shows, as the document should say it.
tree_says() {
	local p t
	for p in mbochs mdpy mtty; do
		for t in "$j/class/mdev_bus/$p/mdev_supported_types"/*; do
			printf '%s %s %s %s %s\n' "$p" "${t##*/}" "$(cat "$t/available_instances")" \
				"$(cat "$t/device_api")" "$(cat "$t/name")"
		done
	done
}
json_says() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for p in sorted(d["parents"], key=lambda p: p["name"]):
    for t in p["types"]:
        print(p["name"], t["id"], t["available_instances"], t["device_api"], t["name"])
' "$tmp/list.json"
}
expect_eq "list --json: the daemon's pid, mountpoint and device count" \
	"$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["pid"], d["mountpoint"], d["devices"])' "$tmp/list.json")" \
	"$(ctl status | grep -o 'pid=[0-9]*' | cut -d= -f2) $j 2"
expect_eq "list --json: the types as the tree shows them" "$(json_says | LC_ALL=C sort)" "$(tree_says | LC_ALL=C sort)"
devices=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for p in sorted(d["parents"], key=lambda p: p["name"]):
    for v in p["devices"]:
        print(p["name"], v["uuid"], v["type"], v["state"])
' "$tmp/list.json")
expect_eq "list --json: the devices, one held" "$devices" \
	"mdpy $u2 mdpy-vga in-use"$'\n'"mtty $u1 mtty-2 bound"
kill "$holder"
wait "$holder" 2>/dev/null

# unregister's progress: on a terminal (script(1) gives one), a line per
# percent of the devices removed, on stderr; none when stderr is a file.
printf '[parent big]\nclass = big\ndriver = big\nbackend = sample\npool = 10000\n[type big a]\ndevice_api = vfio-pci\n' >"$tmp/big.conf"
sed 's/big/small/g' "$tmp/big.conf" >"$tmp/small.conf"
ctl register "$tmp/big.conf" >/dev/null && ctl register "$tmp/small.conf" >/dev/null ||
	fail "register big and small"
python3 -c '
import sys, uuid
for parent, n in (("big", 10000), ("small", 100)):
    create = "%s/class/mdev_bus/%s/mdev_supported_types/%s-a/create" % (sys.argv[1], parent, parent)
    for _ in range(n):
        with open(create, "w") as f:
            f.write(str(uuid.uuid4()))
' "$j" || fail "10100 creates"
expect_eq "10000 devices on big" \
	"$(find "$j/class/mdev_bus/big/mdev_supported_types/big-a/devices" -mindepth 1 | wc -l)" 10000
script -qec "$MDEVFS ctl -m $j unregister big" /dev/null >"$tmp/tty.out"
expect_eq "unregister on a terminal: exit status" "$?" 0
tr '\r' '\n' <"$tmp/tty.out" | sed 's/\x1b\[K//' | grep -v '^$' >"$tmp/tty.lines"
expect_eq "progress: a line per percent" "$(grep -c '^removing devices: [0-9]*/10000$' "$tmp/tty.lines")" 100
grep -qx 'removing devices: 4000/10000' "$tmp/tty.lines" && ok "progress: 4000/10000" ||
	fail "progress: no 4000/10000 in $(head -c 300 "$tmp/tty.out")"
expect_eq "progress: the last, then the answer" "$(tail -2 "$tmp/tty.lines")" \
	"removing devices: 10000/10000"$'\n'"unregistered big"
[ -e "$j/class/mdev_bus/big" ] && fail "big still there" || ok "big unregistered"
ctl unregister small >"$tmp/file.out" 2>"$tmp/file.err"
expect_eq "unregister, stderr a file: the answer" "$(cat "$tmp/file.out")" "unregistered small"
expect_eq "unregister, stderr a file: no progress" "$(cat "$tmp/file.err")" ""
# A stop's progress on a terminal: every device of every parent counted.
ctl register "$tmp/small.conf" >/dev/null || fail "register small again"
for _ in $(seq 100); do uuidgen >"$j/class/mdev_bus/small/mdev_supported_types/small-a/create"; done
total=$(find "$j/bus/mdev/devices" -mindepth 1 -maxdepth 1 | wc -l)
daemon=$(ctl status | grep -o 'pid=[0-9]*' | cut -d= -f2)
script -qec "$MDEVFS ctl -m $j stop" /dev/null >"$tmp/stop.out"
rc=$?
# Gone: exited (a zombie not reaped yet counts), as ctl stop's pidfd says.
state=$(awk '{print $3}' "/proc/$daemon/stat" 2>/dev/null)
expect_eq "stop on a terminal: exit status, the daemon gone" \
	"$rc/$([ -z "$state" ] || [ "$state" = Z ] && echo gone || echo running)" "0/gone"
tr '\r' '\n' <"$tmp/stop.out" | sed 's/\x1b\[K//' | grep -v '^$' >"$tmp/stop.lines"
expect_eq "stop's progress: the last line, over all $total devices" \
	"$(tail -1 "$tmp/stop.lines")" "removing devices: $total/$total"
n=$(grep -c "^removing devices: [0-9]*/$total\$" "$tmp/stop.lines")
[ "$n" -ge 2 ] && [ "$n" -le 101 ] && ok "stop's progress: $n lines, one per percent at most" ||
	fail "stop's progress: $n lines in $(head -c 300 "$tmp/stop.out")"

# The log of a detached mdevfs -v, in namespaces of its own (it hides
# /dev and /run).
for sink in journal syslog none; do
	unshare -m -n bash "$(dirname "$0")/messages_log.sh" "$sink" ||
		fail "the log to $sink"
done

finish
