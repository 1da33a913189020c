# Shell test helpers.  Sourced by tests that run inside `unshare -m -n`
# (tests/CMakeLists.txt); every mount they make is undone on exit, also
# when a check fails.
# shellcheck shell=bash
set -u
MDEVFS=${MDEVFS:?set MDEVFS to the mdevfs binary}
MOUNTS=()
# shellcheck source=checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# Mounting tests must never touch their caller's namespaces: they run
# under `unshare -m -n`, so their parent (ctest, a shell) has others.
for ns in mnt net; do
	if [ "$(readlink /proc/$$/ns/$ns)" = "$(readlink /proc/$PPID/ns/$ns)" ]; then
		echo "run this inside unshare -m -n (ctest does)" >&2
		exit 1
	fi
done

cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do
		fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		rmdir "$m" 2>/dev/null
	done
}
trap cleanup EXIT

# new_mountpoint VAR: a fresh directory in VAR, removed on exit.  (Not
# VAR=$(new_mountpoint): the subshell would forget it.)
new_mountpoint() {
	local dir
	dir=$(mktemp -d /tmp/mdevfs-sh-XXXXXX)
	MOUNTS+=("$dir")
	printf -v "$1" %s "$dir"
}

wait_mounted() { # DIR
	for _ in $(seq 200); do
		[ "$(stat -f -c %T "$1" 2>/dev/null)" = fuseblk ] && return 0
		[ "$(stat -f -c %t "$1" 2>/dev/null)" = 65735546 ] && return 0
		sleep 0.02
	done
	return 1
}

# serving_at DIR: a live mdevfs answers there.  statfs(2) always asks the
# daemon; a stat may be answered from the kernel's caches, also by a dead
# mount that a restart is about to replace.
serving_at() {
	stat -f "$1" >/dev/null 2>&1 && [ -d "$1/class/mdev_bus" ]
}

# start_on DIR LOG [ARGS...]: mdevfs -f ARGS DIR in the background, its
# stderr added to LOG, its pid in $pid; returns once the tree is there
# (not wait_mounted: a dead mount it replaces is a FUSE mount too), else
# fails, kills it and exits.
start_on() {
	local dir=$1 log=$2
	shift 2
	"$MDEVFS" -f "$@" "$dir" 2>>"$log" &
	pid=$!
	for _ in $(seq 500); do
		serving_at "$dir" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	fail "mount on $dir: $(tail -5 "$log")"
	kill -KILL "$pid" 2>/dev/null
	exit 1
}

# The pid of the mdevfs serving DIR.
daemon_pid() {
	local p
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "mdevfs.* $1 \?$"; then
			basename "$p"
			return 0
		fi
	done
	return 1
}

# Until PID has exited (a child of ours that exited but is not waited for
# yet, a zombie, counts as gone): 0, or 1 after 10 s.
wait_gone() { # PID
	local state
	for _ in $(seq 500); do
		kill -0 "$1" 2>/dev/null || return 0
		read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null && [ "$state" = Z ] && return 0
		sleep 0.02
	done
	return 1
}
