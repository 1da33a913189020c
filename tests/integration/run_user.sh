#!/bin/bash
# `mdevfs run` as a user other than root (docs/run.md, "As a user"): a
# real unprivileged user, made for the test in a private /etc, runs
# mdevctl and a udev monitor on the tree in a user namespace of the run's
# own; --ready-fd and --ready-monitors tell a harness when to go on (no
# sleep here); where the kernel refuses user namespaces the run says so
# in one line.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

user=mdevfs-run
scratch=$(mktemp -d /tmp/mdevfs-run-user-XXXXXX)
runs=() # the runs started in the background, killed on exit
undo() {
	local p
	for p in "${runs[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	exec 5>&- 6>&-
	cleanup
	umount /etc 2>/dev/null
	umount "$scratch" 2>/dev/null
	rmdir "$scratch"
}
trap undo EXIT
cd /

# --- the user, in a private /etc (as permissions.sh) -------------------
mount -t tmpfs -o mode=0755 mdevfs-run-user "$scratch" &&
	mkdir "$scratch/upper" "$scratch/work" "$scratch/home" &&
	mount -t overlay mdevfs-etc -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc ||
	{ echo "cannot make a private /etc"; exit 1; }
getent passwd "$user" >/dev/null && { echo "$user exists already"; exit 1; }
useradd -l -M -U -s /usr/sbin/nologin "$user" || { echo "useradd failed"; exit 1; }
chown "$user:$user" "$scratch/home"
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; }
# In the background: its pid is the run's (a function would be a subshell's).
user_run_bg() {
	exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$run" run "$@"
}
expect_eq "with no capability" "$(as_user grep CapEff /proc/self/status | cut -f2)" \
	0000000000000000
# The user may not be able to reach the build tree (a clone in /root).
install -m 0755 "$MDEVFS" "$scratch/mdevfs"
run=$scratch/mdevfs
h=$scratch/home

if ! as_user unshare -Ur true 2>/dev/null; then
	fail "this kernel refuses unprivileged user namespaces: nothing to test"
	finish
fi

# --- the tree at /sys, as root of the run's user namespace --------------
u=$(uuidgen)
expect_out "create and list as the user" "0
$u" as_user "$run" run -- sh -c \
	"id -u && echo $u > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create && ls /sys/bus/mdev/devices"
expect_eq "mdevctl types as the user, as root's" \
	"$(as_user "$run" run -- mdevctl types 2>&1)" "$("$MDEVFS" run -- mdevctl types 2>&1)"
expect_out "mdevctl start, list, stop as the user" "mtty mtty-1 manual" \
	as_user "$run" run -- sh -c "mdevctl start -u $u -p mtty -t mtty-1 &&
		mdevctl list | cut -d' ' -f2- && mdevctl stop -u $u"
expect_out "the run's /dev: the host's nodes, /dev/vfio served" \
	"ok
vfio 0 vfio" as_user "$run" run -- sh -c "echo x >/dev/null && echo ok &&
		ls /dev/vfio | tr '\n' ' ' && echo $u > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create &&
		ls /dev/vfio | tr '\n' ' ' | sed 's/ \$//'"
expect_out "the links resolve as on the kernel" \
	"/sys/devices/virtual/mtty/mtty/$u /sys/bus/mdev" as_user "$run" run -- sh -c \
	"echo $u > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create &&
		echo \$(realpath /sys/bus/mdev/devices/$u /sys/bus/mdev/devices/$u/subsystem)"
expect_out "the host's cgroups stay at /sys/fs/cgroup" "$(ls /sys/fs/cgroup)" \
	as_user "$run" run -- ls /sys/fs/cgroup

# --- --ready-fd: a harness waits for a monitor inside, then a create ----
mkfifo "$h/ready" "$h/events" && chown "$user:$user" "$h/ready" "$h/events"
exec 5<>"$h/events" # read-write: opening it does not wait for a writer
(user_run_bg --ready-fd=3 --ready-monitors=1 -- \
	udevadm monitor --kernel --property 3>"$h/ready" >"$h/events") &
runs+=($!)
read -r -t 20 pid <"$h/ready"
expect_eq "--ready-fd gives COMMAND's pid" "$(tr '\0' ' ' </proc/"$pid"/cmdline)" \
	"udevadm monitor --kernel --property "
# The run's namespaces, as the user: -U makes it root there.
as_user nsenter -t "$pid" -U -m -n --preserve-credentials -- sh -c \
	"echo $u > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create" ||
	fail "create through nsenter"
# The create's events were sent when its write returned: the monitor
# prints them as it reads them.
seen=()
while [ "${#seen[@]}" -lt 2 ] && read -r -t 10 line <&5; do
	case $line in
	ACTION=add | ACTION=bind) a=${line#ACTION=} ;;
	DEVPATH=/devices/virtual/mtty/mtty/"$u") seen+=("$a") ;;
	esac
done
expect_eq "udevadm monitor inside hears the device's add and bind" "${seen[*]}" "add bind"
kill -TERM "${runs[0]}"
wait "${runs[0]}"
expect_eq "SIGTERM ends the run (COMMAND's status)" "$?" 0

# The run killed (SIGKILL: nothing it can pass on), its COMMAND goes too.
rm -f "$h/ready"
mkfifo "$h/ready" && chown "$user:$user" "$h/ready"
(user_run_bg --ready-fd=3 -- sleep 300 3>"$h/ready") &
runs+=($!)
read -r -t 20 pid <"$h/ready"
read -r _ _ _ daemon _ <"/proc/$pid/stat" # the run in its user namespace
kill -KILL "${runs[1]}"
wait "${runs[1]}" 2>/dev/null
wait_gone "$pid" && wait_gone "$daemon" && ok "SIGKILL to the run ends COMMAND" ||
	fail "COMMAND $pid or the run $daemon outlived the killed run"

# --- --ready-fd when the run does not get ready -------------------------
rm -f "$h/ready"
mkfifo "$h/ready" && chown "$user:$user" "$h/ready"
(user_run_bg --ready-fd=3 -- /nonexistent 3>"$h/ready" 2>/dev/null) &
runs+=($!)
got=$(cat "$h/ready")
wait "${runs[2]}"
rc=$?
expect_eq "COMMAND that cannot start: nothing on --ready-fd, 127" "$got $rc" " 127"
expect_err "--ready-fd of a closed fd" "run: --ready-fd=9: not an open file descriptor" \
	as_user "$run" run --ready-fd=9 -- true
expect_err "--ready-monitors without --ready-fd" \
	"--ready-monitors: tells --ready-fd when, and needs it" \
	as_user "$run" run --ready-monitors=1 -- true
expect_err "--ready-fd outside run" "--ready-fd: only for run" \
	"$MDEVFS" --ready-fd=1 /mnt

# --- where user namespaces are off --------------------------------------
# A user namespace (root's: 0-65535 mapped to the same) whose root sets
# the limit of user namespaces in it to 0; in it, the user's run is
# refused.  The limit is written after an exec in the mapped namespace.
mkfifo "$h/go"
# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
unshare -U -- sh -c 'read -r _ <"$0"; exec sh -c "$1"' "$h/go" \
	"echo 0 >/proc/sys/user/max_user_namespaces &&
	 exec setpriv --reuid=$user --regid=$user --init-groups $run run -- true" \
	>"$h/off.out" 2>&1 &
off=$!
exec 6>"$h/go" # once its reader opened it: it is in its namespace
echo "0 0 65536" >/proc/$off/uid_map && echo "0 0 65536" >/proc/$off/gid_map ||
	fail "cannot map the namespace"
echo >&6
exec 6>&-
wait "$off"
rc=$?
expect_eq "user namespaces off: one line, status 1" "$rc $(cat "$h/off.out")" \
	"1 mdevfs: run: needs root, or a user namespace, which the kernel refuses: No space left on device (see user.max_user_namespaces)"

# (a zombie is gone: its parent was killed, and PID 1 may not reap it)
running() {
	local p state
	for p in $(pgrep -u "$user"); do
		read -r _ _ state _ <"/proc/$p/stat" 2>/dev/null && [ "$state" != Z ] &&
			echo "$p"
	done
}
expect_eq "nothing of the user's left running" "$(running)" ""
finish
