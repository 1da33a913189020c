#!/bin/bash
# The daemon as a user starts and stops it: background and foreground
# mode, the one-line errors, the ways to stop it.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

expect_eq "--version" "$("$MDEVFS" --version)" "mdevfs 0.1.0"
"$MDEVFS" --help | grep -q "Usage: mdevfs" && ok "--help" || fail "--help"
expect_err "no mountpoint" "missing MOUNTPOINT" "$MDEVFS"
expect_err "mountpoint missing" "mountpoint /nonexistent/x does not exist" \
	"$MDEVFS" /nonexistent/x
expect_err "mountpoint is a file" "is not a directory" "$MDEVFS" /etc/hostname

# -o: a refused value of mdevfs's own options, or an option neither
# mdevfs nor libfuse knows, is one line and exit status 2, before
# anything starts (a typo must not stop a restart's devices).
o_refused() { # OPTIONS 'the one line'
	local out rc
	out=$("$MDEVFS" -o "$1" /tmp 2>&1)
	rc=$?
	expect_eq "-o $1: exit status" "$rc" 2
	expect_eq "-o $1: one line" "$out" "mdevfs: $2"
}
o_refused timeout=x "-o timeout=x: expected seconds"
o_refused timeout= "-o timeout=: expected seconds"
o_refused timeout=-1 "-o timeout=-1: expected seconds"
o_refused max_threads=0 "-o max_threads=0: expected a number from 1 to 65536"
o_refused max_threads=65537 "-o max_threads=65537: expected a number from 1 to 65536"
o_refused max_writers=x "-o max_writers=x: expected a number from 1 to 65536"
o_refused max_writers= "-o max_writers=: expected a number from 1 to 65536"
o_refused bogus "-o bogus: unknown option (neither mdevfs's nor libfuse's)"
o_refused ro,max_threads=2,bogus=1 "-o bogus=1: unknown option (neither mdevfs's nor libfuse's)"
o_refused max_read=x "-o max_read=x: invalid parameter in option \`max_read=x'"

conf=$(mktemp)
printf '[parent p]\nclass = c\ndriver = d\nbackend = sample\npool = lots\n[type p a]\ndevice_api = vfio-pci\n' >"$conf"
expect_err "bad config names file, line and key" \
	"$conf:5: [parent p] pool: expected an integer from 0 to 4294967295, got 'lots'" \
	"$MDEVFS" -c "$conf" /tmp
lines=$("$MDEVFS" -c "$conf" /tmp 2>&1 | wc -l)
expect_eq "bad config: one line" "$lines" 1
# kernfs refuses a second entry of one name in a directory: a vendor group
# named like a core entry of the device's directory, or a vendor attribute
# in that directory named so, is refused by --check in one line, exit 1.
check_refused() { # WHAT 'parent lines' 'type lines' 'the one line'
	printf '[parent p]\nclass = c\ndriver = d\nbackend = sample\npool = 1\n%b\n[type p a]\ndevice_api = vfio-pci\n%b\n' "$2" "$3" >"$conf"
	out=$("$MDEVFS" --check -c "$conf" 2>&1)
	expect_eq "--check: $1: exit status" "$?" 1
	expect_eq "--check: $1: one line" "$out" "mdevfs: $conf:$4"
}
check_refused "vendor_group named like a core file" 'vendor_group = remove' '' \
	"6: [parent p] vendor_group: 'remove' is taken: the core has an entry of that name in every device's directory"
check_refused "vendor_group named like a core directory" 'vendor_group = vfio-dev' '' \
	"6: [parent p] vendor_group: 'vfio-dev' is taken: the core has an entry of that name in every device's directory"
check_refused "attribute named like a core entry" 'vendor_group =' 'attr.power = x' \
	"9: [type p a] attr.power: cannot add attribute 'power': File exists"
expect_err "missing config" "Failed to open file" "$MDEVFS" -c /nonexistent.conf /tmp
"$MDEVFS" --check >/dev/null && ok "--check of the built-in config" || fail "--check"
for c in "$(dirname "$0")"/../../examples/*.conf; do
	"$MDEVFS" --check -c "$c" >/dev/null && ok "--check $(basename "$c")" ||
		fail "--check $c"
done
rm -f "$conf"

# Background: returns once the tree is complete.
new_mountpoint m
"$MDEVFS" "$m"
expect_eq "background start" "$?" 0
expect_eq "tree ready when mdevfs returns" "$(names "$m/class/mdev_bus")" "mbochs mdpy mtty"
pid=$(daemon_pid "$m")
[ -n "$pid" ] && ok "daemon running" || fail "no daemon for $m"
expect_err "busy mountpoint" "mountpoint $m is busy: mdevfs is already mounted there" \
	"$MDEVFS" "$m"
u=$(uuidgen)
echo "$u" >"$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create" &&
	ok "create in background mode" || fail "create"
fusermount3 -u "$m" && ok "fusermount3 -u" || fail "fusermount3 -u"
wait_gone "$pid" && ok "daemon ends after fusermount3 -u" || fail "daemon still running"
mountpoint -q "$m" && fail "still mounted" || ok "unmounted"

# -o: each of mdevfs's own options is taken, and libfuse's go to the
# mount.  state_dir: the devices are recorded there (a copy of the value:
# it outlives the parse).
new_mountpoint m
sd=$(mktemp -d /tmp/mdevfs-state.XXXXXX)
"$MDEVFS" -o "max_threads=4,max_writers=8" -o "state_dir=$sd/s,fsname=o-test" -o timeout=0.5 "$m"
expect_eq "-o: every option taken" "$?" 0
u=$(uuidgen)
echo "$u" >"$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"
[ -f "$sd/s/devices/$u" ] && ok "-o state_dir: the device recorded there" ||
	fail "-o state_dir: no record in $sd/s/devices: $(ls -R "$sd")"
expect_eq "-o fsname: libfuse's option reaches the mount" \
	"$(findmnt -n -o SOURCE "$m")" o-test
pid=$(daemon_pid "$m")
fusermount3 -u "$m"
wait_gone "$pid"
rm -rf "$sd"
# timeout: the kernel's entry cache; with 0 every stat looks up again.
lookups() { # TIMEOUT_OPTION...
	local log n
	new_mountpoint m
	log=$(mktemp /tmp/mdevfs-debug.XXXXXX)
	"$MDEVFS" -d --no-state-dir "$@" "$m" 2>"$log" &
	pid=$!
	wait_mounted "$m"
	stat "$m/class" >/dev/null
	n=$(grep -c "opcode: LOOKUP" "$log")
	for _ in 1 2 3 4 5; do stat "$m/class" >/dev/null; done
	kill -TERM "$pid"
	wait "$pid"
	echo $(($(grep -c "opcode: LOOKUP" "$log") - n))
	rm -f "$log"
}
expect_eq "-o timeout=0: no entry cached" "$(lookups -o timeout=0)" 5
expect_eq "default timeout: the entry cached" "$(lookups)" 0

# Foreground, stopped by SIGTERM and SIGINT (a script's background jobs
# ignore SIGINT, and libfuse keeps an ignored signal ignored).
for sig in TERM INT; do
	new_mountpoint m
	env --default-signal=INT "$MDEVFS" -f "$m" 2>/dev/null &
	pid=$!
	wait_mounted "$m" || fail "mount $m"
	uuidgen >"$m/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create"
	kill -"$sig" "$pid"
	wait "$pid"
	expect_eq "SIG$sig: exit status" "$?" 0
	mountpoint -q "$m" && fail "SIG$sig: still mounted" || ok "SIG$sig: unmounted"
done

# -d logs every FUSE request.
new_mountpoint m
log=$(mktemp /tmp/mdevfs-debug.XXXXXX)
"$MDEVFS" -d "$m" 2>"$log" &
pid=$!
wait_mounted "$m"
ls "$m/class/mdev_bus" >/dev/null
kill -TERM "$pid"
wait "$pid"
grep -q "opcode: LOOKUP" "$log" && ok "-d logs FUSE requests" ||
	fail "-d logged no request: $(head -c 300 "$log")"
rm -f "$log"

# A daemon killed with SIGKILL leaves a dead mount: a new mdevfs replaces
# it and says so (crash.sh checks what it brings back).  A dead FUSE mount
# of another file system is left alone: say so.
new_mountpoint m
"$MDEVFS" -f "$m" 2>/dev/null &
pid=$!
wait_mounted "$m"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
# (the first line: with no journal nor syslog, a second says where the
# log goes)
expect_eq "a dead mdevfs mount is replaced" "$("$MDEVFS" "$m" 2>&1 | head -1)" \
	"mdevfs: replacing the dead mdevfs mount on $m"
serving_at "$m" && [ -d "$m/class/mdev_bus/mtty" ] && ok "serving again" ||
	fail "not serving again"
expect_err "a live one is busy" "mdevfs is already mounted there" "$MDEVFS" "$m"
fusermount3 -u "$m"
new_mountpoint m
"$MDEVFS" -f --no-state-dir -o subtype=other "$m" 2>/dev/null &
pid=$!
wait_mounted "$m"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
expect_err "another file system's dead mount" \
	"a dead FUSE mount is there; unmount it with fusermount3 -u $m" "$MDEVFS" "$m"
fusermount3 -u "$m"

# No /dev/fuse: one clear line.
# shellcheck disable=SC2016 # "$0" is the inner shell's: mdevfs
expect_err "missing /dev/fuse" "/dev/fuse is missing" unshare -m --propagation private \
	bash -c 'mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && exec "$0" -f /tmp' "$MDEVFS"

finish
