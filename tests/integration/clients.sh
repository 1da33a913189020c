#!/bin/bash
# Unmodified real clients on the emulated tree, each run inside
# `mdevfs run` as a user would: mdevctl 1.2.0 (Debian's), lsmdev, the reads
# libvirt, KubeVirt and QEMU make, and udevadm monitor.
#
# Run inside `unshare -m -n` (ctest does); MDEVFS names the binary.  The
# checks themselves run in the run, from clients-inside.sh.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

# The sample vendors, plus a parent whose devices have writable attributes
# in their own directory (as vfio-ap's do), and one whose vendor is slow
# to let a device go.
conf=$(mktemp)
cat "$here/../../examples/samples.conf" - >"$conf" <<'EOF'

[parent attrdev]
class = attrdev
driver = attrdev_mdev
backend = sample
device_api = vfio-ap
max_instances = 8
vendor_group =

[type attrdev a]
name = with attributes
rwattr.weight = 4
rwattr.assign_domain = none

[parent slowdev]
class = slowdev
driver = slowdev_mdev
backend = sample
device_api = vfio-pci
max_instances = 8

[type slowdev a]
remove_delay_ms = 1500
EOF

"$MDEVFS" run -c "$conf" -- bash "$here/clients-inside.sh" "$here"
expect_eq "the checks inside mdevfs run" "$?" 0
rm -f "$conf"

# COMMAND's exit status is the run's; a killed COMMAND leaves nothing.
"$MDEVFS" run -- sh -c 'exit 7'
expect_eq "exit status passed on" "$?" 7
"$MDEVFS" run -- sh -c 'kill -KILL $$'
expect_eq "killed COMMAND: 128 + signal" "$?" 137
"$MDEVFS" run -- /nonexistent/command 2>/dev/null
expect_eq "missing COMMAND: 127" "$?" 127
"$MDEVFS" run -- sleep 60 &
run=$!
sleep 1
kill -TERM $run
wait $run
expect_eq "SIGTERM reaches COMMAND" "$?" 143
# shellcheck disable=SC2016 # the script's $ expand in its own shell
"$MDEVFS" run -- sh -c 'test "$SYSTEMD_DEVICE_VERIFY_SYSFS" = 0 && test -d /etc/mdevctl.d/scripts.d/notifiers && test "$(ls /etc/mdevctl.d)" = scripts.d'
expect_eq "COMMAND's environment and a fresh /etc/mdevctl.d" "$?" 0

# What the run leaves: nothing.
expect_eq "no staging directory left" "$(ls -d /tmp/mdevfs-run-* 2>/dev/null)" ""
expect_eq "no mount left" "$(grep -c mdevfs /proc/self/mounts)" 0
finish
