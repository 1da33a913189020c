#!/bin/bash
# /dev/vfio inside `mdevfs run`: the container and a file per iommu group,
# an open of a group holding it (a second open and `mdevfs ctl hold` are
# EBUSY) and, read-write, its device as a VM does (a remove waits), the
# container's ioctls;
# and /dev through its overlay (device nodes, its own mounts, a pty).
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

host_dev=$(ls -A /dev; ls -A /dev/vfio 2>&1)
"$MDEVFS" run -- env MDEVFS="$MDEVFS" bash "$here/vfio_dev-inside.sh" "$here"
expect_eq "the checks inside mdevfs run" "$?" 0

# A group still open when COMMAND ends (a child of it keeps it): the
# daemon lets go of it, its parents unplug, the run ends.
# shellcheck disable=SC2016 # expanded by the sh inside the run
timeout 20 "$MDEVFS" run -- sh -c '
	u=$(uuidgen)
	echo "$u" >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create
	g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
	(exec 3<>"/dev/vfio/$g"; sleep 5) >/dev/null 2>&1 &
	sleep 0.3
	exit 5'
expect_eq "a run ends with a group still open" "$?" 5

# Nothing of it reached the host's /dev.
expect_eq "the host's /dev untouched" "$(ls -A /dev; ls -A /dev/vfio 2>&1)" "$host_dev"

# /run without udevd gets an overlay with udevd's control file; a socket
# of the real /run (here a private tmpfs standing in for the host's) is
# still reachable through it, as are the mounts beneath it.
mount -t tmpfs mdevfs-test /run && mkdir /run/sub && mount -t tmpfs mdevfs-test /run/sub &&
	touch /run/sub/mark || fail "cannot make a private /run"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("/run/test.sock"); s.listen(1)
print("ready", flush=True); c, _ = s.accept(); c.send(b"hi")' >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do [ -S /run/test.sock ] && break; sleep 0.02; done
before=$(ls -A /run)
out=$("$MDEVFS" run -- /usr/bin/python3 -c '
import os, socket
c = socket.socket(socket.AF_UNIX); c.connect("/run/test.sock")
print(c.recv(2).decode(), os.path.isfile("/run/udev/control"), os.path.exists("/run/sub/mark"))' 2>&1)
expect_eq "a socket of /run, udevd's control file and /run's mounts in the run" "$out" "hi True True"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
expect_eq "nothing made in the real /run" "$(ls -A /run)" "$before"
umount /run/sub /run
finish
