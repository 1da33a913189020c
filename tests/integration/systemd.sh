#!/bin/bash
# SPDX-License-Identifier: MIT
# mdevfs@.service as installed (cmake --install into a temporary prefix):
# systemd-analyze verify finds nothing to say; then a real systemd, PID 1
# of namespaces of its own (pid, mount, cgroup, uts, net; its /dev and
# /run private, /sys and /proc/sys read-only, a cgroup of this test's own)
# with only this unit and empty targets, starts it: active once READY=1,
# the tree there, STATUS= with the counts; systemctl stop returns once the
# slow removes are done and the mount is gone; a SIGKILLed daemon is
# restarted and brings its devices back; with ProtectSystem= (a drop-in)
# the tree would be mounted for the unit alone.  Run inside `unshare -m -n`;
# MDEVFS_BUILD, CMAKE as for shell/plugin; MDEVFS_SANITIZE the build's
# sanitizer.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/mdevfs-systemd-XXXXXX)
init='' pid1='' cg=''
# PID 1 of a pid namespace takes everything in it along when it dies.
stop_init() {
	[ -n "$pid1" ] && kill -KILL "$pid1" 2>/dev/null
	[ -n "$init" ] && kill -KILL "$init" 2>/dev/null && wait "$init" 2>/dev/null
	# Depth first: the cgroups systemd made under ours, then ours.
	[ -n "$cg" ] && [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	init='' pid1=''
}
trap 'stop_init; cleanup; [ "$FAILS" -eq 0 ] && rm -rf "$work" || echo "logs kept in $work"' EXIT
prefix="$work/prefix"

# --- the installed unit -----------------------------------------------------------
"$CMAKE" --install "$MDEVFS_BUILD" --prefix "$prefix" >"$work/install.log" ||
	{ cat "$work/install.log"; fail "cmake --install"; exit 1; }
unit="$prefix/lib/systemd/system/mdevfs@.service"
[ -f "$unit" ] && ok "mdevfs@.service installed under the prefix" || { fail "no $unit"; exit 1; }
expect_eq "ExecStart= runs the installed mdevfs" \
	"$(sed -n 's/^ExecStart=//p' "$unit")" "$prefix/bin/mdevfs -f \$MDEVFS_OPTIONS %f"
out=$(cd "$(dirname "$unit")" && systemd-analyze verify "./mdevfs@mnt-mdevfs.service" 2>&1)
expect_eq "systemd-analyze verify: no complaint" "$?/$out" "0/"

# --- systemd as PID 1 -------------------------------------------------------------
# The cgroup2 hierarchy (hybrid or unified), and this test's cgroup in it.
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$cg2" ] || [ ! -x /lib/systemd/systemd ]; then
	fail "no cgroup2 hierarchy or no /lib/systemd/systemd: systemd cannot run here"
	finish
fi
cg="$cg2$(sed -n 's/^0:://p' /proc/self/cgroup)/mdevfs-test-$$"
cg=${cg//\/\//\/}
mkdir "$cg" || { fail "cannot make the cgroup $cg"; finish; }

units="$work/units"
mkdir "$units"
cp "$unit" "$units/"
for t in sysinit basic shutdown multi-user default local-fs sockets timers paths \
	slices mdevfs-test; do
	printf '[Unit]\nDescription=%s (empty)\n' "$t" >"$units/$t.target"
done
: >"$work/console"
cat >"$work/init.sh" <<EOF
set -e
mount --make-rprivate /
mkdir "$work/olddev" && mount --bind /dev "$work/olddev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero full random urandom tty fuse; do
	touch "/dev/\$n" && mount --bind "$work/olddev/\$n" "/dev/\$n"
done
touch /dev/console && mount --bind "$work/console" /dev/console
umount -l "$work/olddev"
mount -t sysfs sysfs /sys && mount -o remount,ro /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
mount -t tmpfs tmpfs /run
mount --bind "$units" /lib/systemd/system
mount -t tmpfs tmpfs /etc/systemd/system
exec env container=mdevfs-test /lib/systemd/systemd --system \
	--unit=mdevfs-test.target --log-target=console </dev/null
EOF
# Whatever ends this test (a ctest timeout too), systemd dies with it:
# unshare with this shell, systemd with unshare.
bash -c "echo \$\$ >'$cg/cgroup.procs' && exec setpriv --pdeathsig KILL \
	unshare --kill-child --cgroup --pid --fork --mount --mount-proc --uts --net \
	bash '$work/init.sh'" >"$work/init.log" 2>&1 &
init=$!
# systemd is the child of unshare, PID 1 inside.
in_ns() { nsenter -t "$pid1" -m -p -n -u "$@"; }
for _ in $(seq 250); do
	read -r pid1 _ 2>/dev/null <"/proc/$init/task/$init/children" && break
	sleep 0.02
done
state=''
for _ in $(seq 250); do
	state=$(in_ns systemctl is-system-running 2>/dev/null) && break
	sleep 0.04
done
expect_eq "systemd as PID 1 here" "$state" running
[ "$state" = running ] || { cat "$work/init.log" "$work/console"; finish; }

# The service's output (no journald here) to a file; the sanitizers'
# settings of the test's environment to the service (systemd gives it a
# clean one).
in_ns mkdir -p /etc/systemd/system/mdevfs@.service.d
printf '[Service]\nStandardOutput=append:%s\nStandardError=append:%s\nEnvironment="G_SLICE=%s" "TSAN_OPTIONS=%s" "ASAN_OPTIONS=%s" "UBSAN_OPTIONS=%s"\n' \
	"$work/service.log" "$work/service.log" "${G_SLICE:-}" "${TSAN_OPTIONS:-}" \
	"${ASAN_OPTIONS:-}" "${UBSAN_OPTIONS:-}" |
	in_ns tee /etc/systemd/system/mdevfs@.service.d/test.conf >/dev/null
# LeakSanitizer stops the threads with ptrace(), which the unit's filter
# has no reason to allow.
[ "${MDEVFS_SANITIZE:-}" = address ] &&
	printf '[Service]\nSystemCallFilter=ptrace\n' |
	in_ns tee /etc/systemd/system/mdevfs@.service.d/lsan.conf >/dev/null
in_ns systemctl daemon-reload

mkdir -p "$work/mnt"
m="$work/mnt"
rmdir "$m" # the unit makes it
svc="mdevfs@$(systemd-escape --path "$m").service"
show() { in_ns systemctl show -P "$1" "$svc"; }
in_ns timeout 30 systemctl start "$svc"
expect_eq "systemctl start $svc: active" "$?/$(show ActiveState)" "0/active"
expect_eq "the tree is there once it is active" "$(in_ns ls "$m/class/mdev_bus" | tr '\n' ' ')" \
	"mbochs mdpy mtty "
expect_eq "its status" "$(show StatusText)" "serving devices=0 parents=3"
# MainPID is a pid of systemd's namespace: looked at and killed there only.
main=$(show MainPID)
expect_eq "no mount namespace of its own: the mount is the host's" \
	"$(in_ns readlink "/proc/$main/ns/mnt")" "$(in_ns readlink /proc/1/ns/mnt)"

types="$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1"
for _ in 1 2 3; do in_ns sh -c "uuidgen >$types/create"; done
for _ in $(seq 100); do [ "$(show StatusText)" = "serving devices=3 parents=3" ] && break; sleep 0.05; done
expect_eq "its status after 3 creates" "$(show StatusText)" "serving devices=3 parents=3"

# Killed: restarted, and the devices are back (docs/crash-safety.md).
in_ns kill -KILL "$main"
for _ in $(seq 200); do
	[ "$(show MainPID)" != "$main" ] && [ "$(show ActiveState)" = active ] && break
	sleep 0.05
done
expect_eq "SIGKILL: restarted and active" "$(show ActiveState)/$(show NRestarts)" "active/1"
expect_eq "with its 3 devices back" "$(in_ns ls "$m/bus/mdev/devices" | wc -l)" 3

in_ns "$prefix/bin/mdevfs" ctl -m "$m" fault mtty '*' remove_delay_ms=300 >/dev/null
t0=$(date +%s%N)
in_ns timeout 60 systemctl stop "$svc"
rc=$?
took=$((($(date +%s%N) - t0) / 1000000))
expect_eq "systemctl stop: inactive, success" "$rc/$(show ActiveState)/$(show Result)" \
	"0/inactive/success"
[ "$took" -ge 900 ] && ok "it waited for 3 removes of 300 ms (${took} ms)" ||
	fail "systemctl stop returned after $took ms"
expect_eq "nothing mounted on $m" "$(in_ns grep -c " $m " /proc/self/mountinfo)" 0

# Why the unit has no ProtectSystem= and the like: with one, the unit gets
# a mount namespace whose mounts do not propagate out, and the tree is
# mounted for mdevfs alone.
in_ns mkdir -p "/etc/systemd/system/$svc.d"
printf '[Service]\nProtectSystem=strict\nReadWritePaths=/run /tmp\n' |
	in_ns tee "/etc/systemd/system/$svc.d/protect.conf" >/dev/null
in_ns systemctl daemon-reload
in_ns timeout 30 systemctl start "$svc"
main=$(show MainPID)
expect_eq "with ProtectSystem=strict: mounted in the unit's namespace, not the host's" \
	"$(show ActiveState) $(in_ns grep -c " $m " "/proc/$main/mountinfo") $(in_ns grep -c " $m " /proc/1/mountinfo)" \
	"active 1 0"
in_ns timeout 60 systemctl stop "$svc"
stop_init
grep -q Sanitizer "$work/service.log" && fail "a sanitizer report: $(grep -m1 -A12 Sanitizer "$work/service.log")" ||
	ok "no sanitizer report"
finish
