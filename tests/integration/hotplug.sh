#!/bin/bash
# Parents plugged and unplugged while mounted, with `mdevfs ctl`, as a user
# does it: the basics and their errors, a hundred registrations at once,
# unplugging a parent while 16 writers hammer it, and devices in use.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

new_mountpoint m
conf=$(mktemp -d /tmp/mdevfs-conf-XXXXXX)
trap 'cleanup; rm -rf "$conf"' EXIT
# In the foreground, so its exit status and what the sanitizers say count.
"$MDEVFS" -f "$m" 2>"$conf/daemon.log" &
daemon=$!
wait_mounted "$m" || { echo "cannot mount"; exit 1; }
ctl() { "$MDEVFS" ctl -m "$m" "$@"; }

# hot_conf NAME [KEY=VALUE...]: a sample parent of class hot with $POOL
# (default 8) units; the keys go to its type.
hot_conf() {
	local name=$1 kv
	shift
	{
		printf '[parent %s]\nclass = hot\ndriver = hot\nbackend = sample\n' "$name"
		printf 'device_api = vfio-pci\npool = %s\n' "${POOL:-8}"
		printf '[type %s a]\nname = hot-a\n' "$name"
		for kv in "$@"; do printf '%s\n' "${kv/=/ = }"; done
	} >"$conf/$name.conf"
	echo "$conf/$name.conf"
}

# --- the basics --------------------------------------------------------
expect_eq "list" "$(ctl list | cut -d' ' -f1-3 | xargs)" \
	"mtty registered devices/virtual/mtty/mtty mdpy registered devices/virtual/mdpy/mdpy mbochs registered devices/virtual/mbochs/mbochs"
expect_eq "ctl finds the only mdevfs without -m" "$("$MDEVFS" ctl list | wc -l)" 3
expect_eq "register" "$(ctl register "$(hot_conf hot0)")" "registered hot0"
expect_eq "class link" "$(readlink "$m/class/mdev_bus/hot0")" "../../devices/virtual/hot/hot0"
expect_eq "its class" "$(readlink "$m/class/hot/hot0")" "../../devices/virtual/hot/hot0"
expect_eq "available" "$(cat "$m/class/mdev_bus/hot0/mdev_supported_types/hot-a/available_instances")" 8
u1=$(uuidgen)
u2=$(uuidgen)
echo "$u1" >"$m/class/mdev_bus/hot0/mdev_supported_types/hot-a/create" &&
	echo "$u2" >"$m/class/mdev_bus/hot0/mdev_supported_types/hot-a/create" &&
	ok "create on a plugged parent" || fail "create on a plugged parent"
expect_eq "vendor account" "$(ctl list | grep '^hot0 ' | cut -d' ' -f4-6)" \
	"mdevs=2 pool=6/8 devices=2"
expect_err "same name again" "hot0: a parent of that name is already there" \
	ctl register "$conf/hot0.conf"
expect_err "a name the samples have" "mtty: a parent of that name is already there" \
	ctl register "$(hot_conf mtty)"
printf '[parent bad]\nclass = hot\ndriver = hot\nbackend = sample\npool = x\n' >"$conf/bad.conf"
printf '[type bad a]\ndevice_api = vfio-pci\n' >>"$conf/bad.conf"
expect_err "a bad configuration: file, line and key" \
	"$conf/bad.conf:5: [parent bad] pool: expected an integer" ctl register "$conf/bad.conf"
cat "$(hot_conf hot1)" "$(hot_conf mdpy)" >"$conf/two.conf"
expect_err "all or none" "mdpy: a parent of that name is already there" \
	ctl register "$conf/two.conf"
[ -e "$m/class/mdev_bus/hot1" ] && fail "half of a failed registration stayed" ||
	ok "nothing of a failed registration stays"
expect_eq "register from stdin" "$(ctl register - <"$conf/hot1.conf")" "registered hot1"
expect_err "unknown parent" "nope: no such parent" ctl unregister nope
expect_err "unknown command" "frob: unknown command" ctl frob
name="mdevfs-ctl:$(realpath "$m")"
expect_err "root only" "permission denied" \
	env MDEVFS_CTL="$name" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$MDEVFS" ctl list
expect_eq "unregister" "$(ctl unregister hot0 hot1 | xargs)" "unregistered hot0 unregistered hot1"
for p in "class/mdev_bus/hot0" "class/hot" "devices/virtual/hot" "bus/mdev/devices/$u1" \
	"bus/mdev/devices/$u2" "bus/mdev/drivers/hot"; do
	[ -e "$m/$p" ] || [ -L "$m/$p" ] && fail "$p left after unregister" || ok "$p gone"
done

# --- a hundred parents registered at once -------------------------------
pids=()
for i in $(seq 100); do
	ctl register "$(hot_conf "p$i")" >"$conf/p$i.out" 2>&1 &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
expect_eq "100 concurrent registrations: failures" "$failed" 0
expect_eq "class/mdev_bus has all" "$(count "$m/class/mdev_bus")" 103
expect_eq "one class/mdev_bus" "$(find "$m/class" -mindepth 1 -maxdepth 1 -name mdev_bus | wc -l)" 1
expect_eq "class/hot has all" "$(count "$m/class/hot")" 100
bad=0
for i in $(seq 100); do
	[ "$(cat "$m/class/mdev_bus/p$i/mdev_supported_types/hot-a/available_instances")" = 8 ] ||
		bad=$((bad + 1))
done
expect_eq "every one complete" "$bad" 0
pids=()
for i in $(seq 100); do ctl unregister "p$i" >/dev/null & pids+=($!); done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
expect_eq "100 concurrent unregistrations: failures" "$failed" 0
expect_eq "back to the samples" "$(names "$m/class/mdev_bus")" "mbochs mdpy mtty"
[ -e "$m/class/hot" ] && fail "class/hot left" || ok "class/hot gone with its last parent"

# --- unplugging a parent while 16 writers hammer it ----------------------
ctl register "$(POOL=64 hot_conf victim probe_delay_ms=5 remove_delay_ms=5)" >/dev/null
types="$m/devices/virtual/hot/victim/mdev_supported_types/hot-a"
# writer N: create and remove its own devices until the parent is gone
writer() {
	local n=0 u
	while [ -e "$types/create" ]; do
		u=$(uuidgen)
		if echo "$u" 2>>"$conf/w$1.err" >"$types/create"; then
			n=$((n + 1))
			echo 1 2>>"$conf/w$1.err" >"$m/bus/mdev/devices/$u/remove"
		fi
	done
	echo "$n" >"$conf/w$1.n"
}
pids=()
for i in $(seq 16); do writer "$i" & pids+=($!); done
sleep 1
start=$(date +%s%N)
ctl unregister victim >/dev/null && ok "unregister under load" || fail "unregister under load"
echo "unregister took $((($(date +%s%N) - start) / 1000000)) ms"
stuck=0
for pid in "${pids[@]}"; do wait_gone "$pid" || stuck=$((stuck + 1)); done
expect_eq "every writer finished" "$stuck" 0
total=0
for i in $(seq 16); do total=$((total + $(cat "$conf/w$i.n" 2>/dev/null || echo 0))); done
[ "$total" -gt 16 ] && ok "writers created $total devices" || fail "writers created only $total"
# Only what the kernel gives: ENOENT (the file is gone, or the device
# went with its parent), ENODEV (unregistration had begun) and EACCES (the
# shell's O_CREAT open of a `create` or `remove` already gone from a
# directory still there: sysfs has no create, so the VFS says EACCES).
errors() { cat "$conf"/w*.err | grep -c "$1\$"; }
others=$(cat "$conf"/w*.err | grep -v -e 'No such file or directory$' \
	-e 'No such device$' -e 'create: Permission denied$' \
	-e 'remove: Permission denied$' | head -3)
expect_eq "writers saw only ENOENT, ENODEV and EACCES" "$others" ""
echo "writer errors: $(errors 'No such device') ENODEV," \
	"$(errors 'No such file or directory') ENOENT, $(errors 'Permission denied') EACCES"
expect_eq "no device left" "$(count "$m/bus/mdev/devices")" 0
expect_eq "no iommu group left" "$(count "$m/kernel/iommu_groups")" 0
expect_eq "no vfio-dev left" "$(count "$m/class/vfio-dev")" 0
[ -e "$m/devices/virtual/hot" ] && fail "parent directory left" || ok "parent directory gone"
expect_eq "the others untouched" "$(names "$m/class/mdev_bus")" "mbochs mdpy mtty"

# --- devices in use ------------------------------------------------------
mtty="$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1"
u=$(uuidgen)
echo "$u" >"$mtty/create"
# (not through ctl(): $! must be mdevfs itself, not a subshell)
"$MDEVFS" ctl -m "$m" hold "$u" >"$conf/hold.out" &
holder=$!
for i in $(seq 100); do grep -q holding "$conf/hold.out" && break; sleep 0.02; done
# shellcheck disable=SC2320 # the echo's status is the write's
(echo 1 >"$m/bus/mdev/devices/$u/remove"; echo $? >"$conf/rm.rc") &
remover=$!
sleep 0.5
kill -0 "$remover" 2>/dev/null && ok "remove waits while the device is held" ||
	fail "remove did not wait"
expect_eq "the holder was asked" "$(grep request "$conf/hold.out")" "request 0"
[ -d "$m/bus/mdev/devices/$u/" ] && ok "device still there" || fail "device gone early"
kill -INT "$holder"
wait "$holder"
expect_eq "hold ends cleanly" "$?" 0
wait "$remover"
expect_eq "remove done once released" "$(cat "$conf/rm.rc")" 0
[ -e "$m/bus/mdev/devices/$u" ] && fail "device still there" || ok "device removed"

# Ctrl-C on the waiting writer: EINTR, the device intact and removable.
u=$(uuidgen)
echo "$u" >"$mtty/create"
"$MDEVFS" ctl -m "$m" hold "$u" >/dev/null &
holder=$!
sleep 0.3
timeout -s INT 0.5 bash -c "echo 1 >'$m/bus/mdev/devices/$u/remove'"
expect_eq "interrupted writer" "$?" 124
for e in remove mdev_type iommu_group driver; do
	[ -e "$m/bus/mdev/devices/$u/$e" ] && ok "$e intact" || fail "$e missing"
done
expect_eq "type link intact" "$(ls "$mtty/devices")" "$u"
kill "$holder"
wait "$holder"
echo 1 >"$m/bus/mdev/devices/$u/remove" && ok "removable after" || fail "not removable"
expect_eq "ctl hold of no device" "$(ctl hold "$u" 2>&1)" \
	"$u: no such device, or being created or removed"

# --- the control socket's bounds: line length, idle clients, how many -----
# 300 clients that say nothing: 128 get a thread each, the others are told
# "too many" at once; each is closed after 10 s of silence, and `ctl`
# works again.  A command line over 4096 bytes is named as such.
out=$(python3 - "mdevfs-ctl:$m" "/proc/$daemon/task" <<'EOF'
import os, socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + sys.argv[1])
    return s
s = conn()
s.sendall(b"x" * 5000)
print(s.recv(200).decode().splitlines()[0])
idle = [conn() for _ in range(300)]
time.sleep(0.5)
threads = len(os.listdir(sys.argv[2]))
refused = 0
for c in idle:
    c.settimeout(0.05)
    try:
        refused += c.recv(100).startswith(b"e too many")
    except socket.timeout:
        pass
print("threads", threads, "refused", refused)
idle[0].settimeout(30)
print(idle[0].recv(100).decode().splitlines()[0])
EOF
)
expect_eq "a command line over 4096 bytes" "$(sed -n 1p <<<"$out")" \
	"e the command line is longer than 4096 bytes"
read -r _ threads _ refused <<<"$(sed -n 2p <<<"$out")"
expect_eq "300 idle clients: the ones beyond 128 are refused at once" "$refused" 172
[ "$threads" -lt 200 ] && ok "and the daemon's threads stay bounded ($threads)" ||
	fail "$threads threads"
expect_eq "an idle client is told, then closed" "$(sed -n 3p <<<"$out")" \
	"e no command within 10 s"
expect_eq "ctl works again" "$(ctl status | cut -d' ' -f1)" serving

# --- in mdevfs run, ctl finds its daemon --------------------------------
"$MDEVFS" run -- bash -c "
	'$MDEVFS' ctl register '$conf/hot0.conf' >/dev/null &&
	test \"\$(readlink /sys/class/mdev_bus/hot0)\" = ../../devices/virtual/hot/hot0 &&
	test -d /sys/class/hot/hot0/mdev_supported_types &&
	'$MDEVFS' ctl unregister hot0 >/dev/null &&
	! test -e /sys/devices/virtual/hot/hot0 && ! test -e /sys/class/hot"
expect_eq "register and unregister inside mdevfs run" "$?" 0

fusermount3 -u "$m"
wait "$daemon"
expect_eq "daemon exit status" "$?" 0
expect_eq "no sanitizer report" "$(grep -c Sanitizer "$conf/daemon.log")" 0
grep -A20 Sanitizer "$conf/daemon.log" | head -40
finish
