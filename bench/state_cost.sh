#!/bin/bash
# What crash safety costs: the create+remove cycle of one writer (a
# python loop of open/write/close, as mdevctl does it) with no state
# directory, with one on a tmpfs (what /run usually is) and with one on the
# file system under /var/tmp (a disk: every record is an fsync).  As root;
# it mounts and sends its uevents in namespaces of its own.  Usage: bench/state_cost.sh
# [MDEVFS] [CYCLES]
set -eu
if [ -z "${STATE_COST_INSIDE:-}" ]; then
	STATE_COST_INSIDE=1 exec unshare -m -n --propagation private "$0" "$@"
fi
mdevfs=$(realpath "${1:-build/mdevfs}")
cycles=${2:-2000}
work=$(mktemp -d /var/tmp/mdevfs-cost-XXXXXX)
finish() {
	local d
	for d in "$work"/m*; do fusermount3 -u "$d" 2>/dev/null || true; done
	umount "$work/tmpfs" 2>/dev/null || true
	rm -rf "$work"
}
trap finish EXIT
mkdir "$work/tmpfs" "$work/disk"
mount -t tmpfs none "$work/tmpfs"

loop='
import os, sys, time, uuid
m, n = sys.argv[1], int(sys.argv[2])
create = m + "/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create"
def put(path, text):
    fd = os.open(path, os.O_WRONLY); os.write(fd, text.encode()); os.close(fd)
times = []
for i in range(n):
    u = str(uuid.uuid4())
    t = time.perf_counter()
    put(create, u)
    put(m + "/bus/mdev/devices/" + u + "/remove", "1")
    times.append(time.perf_counter() - t)
times.sort()
print("%8.1f %8.1f %8.1f" % (sum(times) / n * 1e6, times[n // 2] * 1e6, times[n * 99 // 100] * 1e6))
'
printf '%-34s %8s %8s %8s  (microseconds per create+remove, %d cycles)\n' \
	"state directory" mean p50 p99 "$cycles"
run() { # LABEL ARGS...
	local label=$1 dir
	shift
	dir=$(mktemp -d "$work/mXXXX")
	"$mdevfs" -f "$@" "$dir" 2>/dev/null &
	until [ -d "$dir/class/mdev_bus" ]; do sleep 0.05; done
	python3 -c "$loop" "$dir" 200 >/dev/null # warm up
	printf '%-34s %s\n' "$label" "$(python3 -c "$loop" "$dir" "$cycles")"
	fusermount3 -u "$dir"
	wait
}
for _ in 1 2 3; do
	run "none (--no-state-dir)" --no-state-dir
	run "tmpfs" --state-dir "$work/tmpfs/state"
	run "disk ($(stat -f -c %T "$work/disk"))" --state-dir "$work/disk/state"
done
