#!/bin/bash
# "A device is there if and only if its record is" on every error path
# (docs/crash-safety.md): the state directory on faultfs, a pass-through
# file system whose operations fail on demand, so that renames or
# unlinks fail, or (with --durable-state) a directory's fsync returns EIO;
# then records that are not
# files (a FIFO, a 1 GiB sparse file, a symlink, a directory) and a state
# directory deleted under the daemon.  After each, the daemon is killed
# or stopped and started again, and what comes back is checked.  Run
# inside `unshare -m -n`; MDEVFS names the binary, FAULTFS the helper.
. "$(dirname "$0")/lib.sh"
FAULTFS=${FAULTFS:?set FAULTFS to the faultfs helper}

work=$(mktemp -d /tmp/mdevfs-faults-XXXXXX)
keep_on_failure() {
	if [ "$FAILS" -ne 0 ]; then
		echo "logs kept in $work (daemon.log)"
		rm -rf "$work/back"
	else
		rm -rf "$work"
	fi
}
pid=
trap 'kill -KILL $pid 2>/dev/null; cleanup; kill -KILL $ffpid 2>/dev/null; keep_on_failure' EXIT
ff='' # set by new_mountpoint
new_mountpoint m
new_mountpoint ff
mkdir "$work/back"
back="$work/back"
"$FAULTFS" "$back" "$ff" -f 2>"$work/faultfs.log" &
ffpid=$!
wait_mounted "$ff" || { fail "faultfs did not mount"; exit 1; }
sd="$ff/state"
log="$work/daemon.log"

# start: mdevfs on $m with its state on faultfs (durable: --durable-state)
durable=
start() { start_on "$m" "$log" --state-dir "$sd" ${durable:+"$durable"}; }
kill_daemon() { kill -KILL "$pid"; wait "$pid" 2>/dev/null; }
stop_daemon() { kill -TERM "$pid"; wait "$pid"; }
faults() { printf '%s\n' "$@" >"$back/.faults"; }
present() { [ -e "$m/bus/mdev/devices/$1" ]; }
recorded() { [ -e "$back/state/devices/$1" ]; }
create() { write_errno "$m/class/mdev_bus/$1/mdev_supported_types/$2/create" "$3"; }
# failed_remove UUID FAULT WHAT: with FAULT, the remove fails with EIO; the
# device and its record stay, come back after kill -9, and it is removable.
failed_remove() {
	faults "$2"
	expect_eq "remove, $3" "$(write_errno "$m/bus/mdev/devices/$1/remove" 1)" EIO
	present "$1" && ok "the device stays" || fail "the device went"
	recorded "$1" && ok "so does its record" || fail "its record went"
	faults
	kill_daemon
	start
	present "$1" && ok "back after kill -9" || fail "lost"
	expect_eq "and removable" "$(write_errno "$m/bus/mdev/devices/$1/remove" 1)" OK
	recorded "$1" && fail "record left by the remove" || ok "record gone with it"
}

# --- the default: nothing synced, a failed rename or unlink fails ----------
start
u=$(uuidgen)
faults "fsyncdir EIO" "fsync EIO"
expect_eq "create, syncs failing but not asked for" "$(create mtty mtty-1 "$u")" OK
recorded "$u" && ok "recorded" || fail "not recorded"
expect_eq "remove, syncs failing but not asked for" "$(write_errno "$m/bus/mdev/devices/$u/remove" 1)" OK
recorded "$u" && fail "record left" || ok "record gone"
faults "rename EIO"
expect_eq "create, the rename failing" "$(create mtty mtty-1 "$u")" EIO
present "$u" && fail "a failed create left its device" || ok "the device is undone"
left=$(find "$back/state/devices" -mindepth 1)
[ -z "$left" ] && ok "nothing left in the state directory" || fail "left: $left"
faults
expect_eq "create" "$(create mtty mtty-1 "$u")" OK
failed_remove "$u" "unlink EIO" "the unlink failing"
stop_daemon

# --- --durable-state: a create whose directory sync fails: undone ---------
durable=--durable-state
start
u=$(uuidgen)
faults "fsyncdir EIO"
expect_eq "create, the directory's sync failing" "$(create mtty mtty-1 "$u")" EIO
present "$u" && fail "a failed create left its device" || ok "the device is undone"
recorded "$u" && fail "a failed create left its record" || ok "so is its record"
grep -q "$u: cannot record it in $sd/devices: Input/output error" "$log" &&
	ok "logged" || fail "not logged: $(tail -3 "$log")"
faults
kill_daemon
start
present "$u" && fail "back after kill -9" || ok "not back after kill -9"
stop_daemon
start
present "$u" && fail "back after a clean stop" || ok "not back after a clean stop"

# --- an unbind whose rewritten record cannot be synced: stays bound ---------
v=$(uuidgen)
expect_eq "create" "$(create mdpy mdpy-vga "$v")" OK
faults "fsyncdir EIO"
expect_eq "unbind, the sync failing" "$(write_errno "$m/bus/mdev/drivers/mdpy/unbind" "$v")" EIO
[ -e "$m/bus/mdev/devices/$v/driver" ] && ok "still bound" || fail "unbound"
grep -q '^iommu_group=[0-9]' "$back/state/devices/$v" && ok "recorded bound, as it is" ||
	fail "record: $(cat "$back/state/devices/$v")"
faults
kill_daemon
start
[ -e "$m/bus/mdev/devices/$v/driver" ] && ok "back bound" || fail "back unbound"

# --- a remove whose unlink cannot be synced: the device stays, recorded ------
failed_remove "$v" "fsyncdir EIO" "the sync failing"

# --- unregistration with unlinks refused: deleted as soon as they can be ----
a=$(uuidgen)
b=$(uuidgen)
c=$(uuidgen)
expect_eq "create a" "$(create mtty mtty-1 "$a")" OK
expect_eq "create b" "$(create mtty mtty-2 "$b")" OK
expect_eq "create c" "$(create mdpy mdpy-xga "$c")" OK
faults "unlink EROFS"
expect_eq "unregister mtty, unlinks refused" "$("$MDEVFS" ctl -m "$m" unregister mtty)" \
	"unregistered mtty"
present "$a" || present "$b" && fail "devices of an unregistered parent" ||
	ok "its devices went with it"
recorded "$a" && recorded "$b" && ok "their records could not go" || fail "records went"
grep -q "$a: removed with its parent, but its record in $sd/devices cannot be deleted" "$log" &&
	ok "each named in the log" || fail "not logged: $(tail -3 "$log")"
faults
d=$(uuidgen)
expect_eq "the next change" "$(create mdpy mdpy-hd "$d")" OK
recorded "$a" || recorded "$b" && fail "still recorded: $(ls "$back/state/devices")" ||
	ok "deleted at the next change"
kill_daemon
start
present "$a" || present "$b" && fail "a device of the unregistered parent is back" ||
	ok "nothing of the unregistered parent comes back"
present "$c" && present "$d" && ok "the others do" || fail "lost: $(ls "$m/bus/mdev/devices")"

# --- a vanished parent, unlinks still refused at the stop: said, exit 1 ------
faults "unlink EROFS"
expect_eq "vanish mdpy" "$("$MDEVFS" ctl -m "$m" vanish mdpy)" "mdpy vanished"
for _ in $(seq 200); do present "$c" || break; sleep 0.02; done
present "$c" && fail "vanished parent's device" || ok "vanished parent's devices gone"
kill -TERM "$pid"
wait "$pid"
expect_eq "a stop that could not delete records fails" "$?" 1
grep -q "state: $sd/devices/$c belongs to a removed device and could not be deleted" "$log" &&
	ok "the stop names each record left" || fail "not named: $(tail -5 "$log")"
faults
rm -f "$back/state/devices/$c" "$back/state/devices/$d"

# --- records that are not files: set aside, nothing read, no hang ------------
start
kill_daemon
dev="$back/state/devices"
fifo=$(uuidgen)
sparse=$(uuidgen)
link=$(uuidgen)
dir=$(uuidgen)
mkfifo "$dev/$fifo"
truncate -s 1G "$dev/$sparse"
ln -s /etc/passwd "$dev/$link"
mkdir "$dev/$dir"
: >"$log"
SECONDS=0
start
expect_eq "a FIFO, a sparse file, a symlink, a directory: the start did not wait" \
	"$([ "$SECONDS" -lt 10 ] && echo yes)" yes
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
[ "$hwm" -lt 262144 ] && ok "the 1 GiB file was not read (peak RSS $hwm KiB)" ||
	fail "peak RSS $hwm KiB"
for x in "$fifo:not a regular file" "$sparse:1073741824 bytes, more than a record can have (4096)" \
	"$link:cannot open it: Too many levels of symbolic links" "$dir:not a regular file"; do
	u=${x%%:*}
	grep -q "$sd/devices/$u: ${x#*:}; not restored, moved to $sd/devices/$u.corrupt" "$log" &&
		ok "${x#*:}" || fail "no report for ${x#*:}: $(grep "$u" "$log")"
	[ -e "$dev/$u.corrupt" ] || [ -L "$dev/$u.corrupt" ] && ok "set aside" || fail "not set aside"
done
stop_daemon

# --- the state directory deleted under the daemon: EIO, said -----------------
plain="$work/plain"
"$MDEVFS" -f --state-dir "$plain" "$m" 2>>"$log" &
pid=$!
wait_mounted "$m"
rm -rf "$plain"
expect_eq "a create, the state directory deleted" "$(create mtty mtty-1 "$(uuidgen)")" EIO
grep -q "state directory $plain is gone (deleted under mdevfs?)" "$log" && ok "said why" ||
	fail "not said: $(tail -3 "$log")"
kill -TERM "$pid"
wait "$pid"
grep -q Sanitizer "$log" && fail "a sanitizer report: $(grep -m1 -A8 Sanitizer "$log")" ||
	ok "no sanitizer report"
finish
