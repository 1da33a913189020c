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

# The log of a detached mdevfs -v, in namespaces of its own (it hides
# /dev and /run).
for sink in journal syslog none; do
	unshare -m -n bash "$(dirname "$0")/messages_log.sh" "$sink" ||
		fail "the log to $sink"
done

finish
