#!/bin/bash
# The client checks, inside `mdevfs run` (see clients.sh): the tree is at
# /sys, /etc/mdevctl.d is private, udevadm monitors hear the events.
# shellcheck shell=bash
set -u
here=$1
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every device stopped, by the UUID that names its entry.
stop_all() {
	local v
	for v in /sys/bus/mdev/devices/*; do
		[ -e "$v" ] && mdevctl stop -u "${v##*/}"
	done
}

udev_as_running
udevadm monitor --kernel --udev --property >"$tmp/monitor.log" 2>&1 &
monitor=$!
sleep 0.3

# mdevctl types, as on a kernel with the samples loaded
# (parents come sorted: attrdev, the samples, slowdev)
out=$(mdevctl types 2>&1)
expect_eq "mdevctl types: the samples" "$(sed -n '/^mbochs$/,/^slowdev$/p' <<<"$out" | sed '$d')" \
	"$(head -n -1 "$here/golden/mdevctl-types.txt")"
python3 - "$here/golden/mdevctl-types.json" <<'EOF' && ok "mdevctl types --dumpjson" || fail "mdevctl types --dumpjson"
import json, subprocess, sys
got = json.loads(subprocess.run(["mdevctl", "types", "--dumpjson"], capture_output=True,
                                text=True, check=True).stdout)
want = json.load(open(sys.argv[1]))
assert len(got) == 1 and isinstance(got[0], dict), got
for parent, types in want[0].items():
    assert got[0][parent] == types, (parent, got[0][parent])
assert got[0]["attrdev"] == [{"attrdev-a": {"available_instances": 8, "device_api": "vfio-ap",
                                            "name": "with attributes"}}], got[0]["attrdev"]
EOF

# start -u -p -t, list, lsmdev, list --dumpjson, stop
u=5e8d5a4c-0f9b-4e5e-9a54-8b7c1d0e2f3a
expect_out "mdevctl start -u -p -t" "" mdevctl start -u $u -p mdpy -t mdpy-vga
expect_out "mdevctl list" "$u mdpy mdpy-vga manual" mdevctl list
expect_out "lsmdev" "$u mdpy mdpy-vga manual" lsmdev
python3 - $u <<'EOF' && ok "mdevctl list --dumpjson" || fail "mdevctl list --dumpjson"
import json, subprocess, sys
got = json.loads(subprocess.run(["mdevctl", "list", "--dumpjson"], capture_output=True,
                                text=True, check=True).stdout)
assert got == [{"mdpy": [{sys.argv[1]: {"mdev_type": "mdpy-vga", "start": "manual",
                                         "attrs": []}}]}], got
EOF
expect_eq "available_instances after start" \
	"$(cat /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-xga/available_instances)" 3

# What libvirt, KubeVirt and QEMU read
link=$(readlink /sys/bus/mdev/devices/$u)
expect_eq "KubeVirt: bus link text" "$link" "../../../devices/virtual/mdpy/mdpy/$u"
expect_eq "KubeVirt: parent = component [-2]" "$(awk -F/ '{print $(NF-1)}' <<<"$link")" mdpy
expect_eq "KubeVirt: mdev_type/name" "$(cat /sys/bus/mdev/devices/$u/mdev_type/name)" mdpy-vga
python3 - <<'EOF' && ok "KubeVirt: bus entries are symlinks (d_type)" || fail "d_type"
import os
entries = list(os.scandir("/sys/bus/mdev/devices"))
assert entries and all(e.is_symlink() for e in entries), entries
EOF
group=$(readlink -f /sys/bus/mdev/devices/$u/iommu_group)
expect_eq "libvirt: iommu_group resolves into /sys/kernel/iommu_groups" "${group%/*}" /sys/kernel/iommu_groups
[ -L "$group/devices/$u" ] && ok "iommu group links back" || fail "no $group/devices/$u"
expect_eq "libvirt: mdev_type/device_api" "$(cat /sys/bus/mdev/devices/$u/mdev_type/device_api)" vfio-pci
expect_eq "QEMU: realpath(subsystem)" "$(readlink -f /sys/bus/mdev/devices/$u/subsystem)" /sys/bus/mdev
expect_eq "libvirt: class link and parent are one inode" \
	"$(stat -L -c %i /sys/class/mdev_bus/mdpy)" \
	"$(stat -c %i "$(dirname "$(readlink -f /sys/bus/mdev/devices/$u)")")"
expect_out "mdevctl stop" "" mdevctl stop -u $u
expect_out "mdevctl list after stop" "" mdevctl list

# define --auto, start-parent-mdevs, list --defined, undefine
d=11111111-2222-4333-8444-555555555555
expect_out "mdevctl define --auto" "" mdevctl define -u $d -p mtty -t mtty-2 --auto
expect_out "mdevctl list --defined" "$d mtty mtty-2 auto" mdevctl list --defined
expect_out "mdevctl start-parent-mdevs" "" mdevctl start-parent-mdevs mtty
expect_out "started by start-parent-mdevs" "$d mtty mtty-2 auto (defined)" mdevctl list
expect_out "mdevctl undefine" "" mdevctl undefine -u $d
expect_out "list --defined after undefine" "" mdevctl list --defined
expect_out "still active after undefine" "$d mtty mtty-2 manual" mdevctl list
mdevctl stop -u $d

# start with attributes, from a definition and from JSON on stdin
a=22222222-2222-4333-8444-555555555555
mdevctl define -u $a -p attrdev -t attrdev-a
mdevctl modify -u $a --addattr=weight --value=8
mdevctl modify -u $a --addattr=assign_domain --value=0x47
expect_out "mdevctl start with attributes" "" mdevctl start -u $a
expect_eq "attribute written" "$(cat /sys/bus/mdev/devices/$a/weight /sys/bus/mdev/devices/$a/assign_domain | xargs)" "8 0x47"
b=33333333-2222-4333-8444-555555555555
echo '{"mdev_type":"attrdev-a","start":"manual","attrs":[{"weight":"2"}]}' |
	mdevctl start --parent=attrdev --jsonfile=/dev/stdin --uuid=$b
expect_eq "libvirt-style start with --jsonfile" "$(cat /sys/bus/mdev/devices/$b/weight)" 2
expect_out "bad attribute: refused, device stopped" "Error: Invalid attribute 'colour'" \
	bash -c "echo '{\"mdev_type\":\"attrdev-a\",\"start\":\"manual\",\"attrs\":[{\"colour\":\"red\"}]}' |
	mdevctl start --parent=attrdev --jsonfile=/dev/stdin --uuid=44444444-2222-4333-8444-555555555555"
[ ! -e /sys/bus/mdev/devices/44444444-2222-4333-8444-555555555555 ] && ok "device of a bad attribute removed" ||
	fail "device of a bad attribute left"
mdevctl stop -u $a; mdevctl stop -u $b; mdevctl undefine -u $a

# Error texts: a duplicate UUID, a full parent
expect_out "duplicate UUID, same parent" "Error: Device already exists" \
	bash -c "mdevctl start -u $u -p mdpy -t mdpy-vga >/dev/null; mdevctl start -u $u -p mdpy -t mdpy-vga"
expect_out "duplicate UUID, other parent" "Error: Device exists under different parent" \
	mdevctl start -u $u -p mtty -t mtty-1
expect_out "duplicate UUID, other type" "Error: Device exists with different type" \
	mdevctl start -u $u -p mdpy -t mdpy-xga
mdevctl stop -u $u
# A UUID the kernel still holds while its vendor lets go: the create's
# own EEXIST comes through.
s=66666666-2222-4333-8444-555555555555
mdevctl start -u $s -p slowdev -t slowdev-a
echo 1 >/sys/bus/mdev/devices/$s/remove &
remover=$!
sleep 0.5
expect_out "duplicate UUID from the kernel" "Error: Failed to create mdev $s, type mtty-1 on mtty

Caused by:
    File exists (os error 17)" mdevctl start -u $s -p mtty -t mtty-1
wait $remover
for i in 1 2 3 4; do mdevctl start -p mdpy -t mdpy-xga >/dev/null; done
expect_out "full parent" "Error: No available instances of mdpy-vga on mdpy" \
	mdevctl start -p mdpy -t mdpy-vga
stop_all

# 8 concurrent starts for 4 free instances: exactly 4 win, the others fail
# cleanly with what the kernel or mdevctl's own check says.
starters=()
for i in $(seq 8); do
	mdevctl start -p mdpy -t mdpy-hd >"$tmp/start.$i" 2>&1 &
	starters+=($!)
done
wait "${starters[@]}"
won=$(grep -lE '^[0-9a-f-]{36}$' "$tmp"/start.* | wc -l)
expect_eq "8 racing starts, 4 instances: winners" "$won" 4
expect_eq "8 racing starts: devices" "$(count /sys/bus/mdev/devices)" 4
clean=$(cat "$tmp"/start.* | grep -c -e "No available instances of mdpy-hd on mdpy" \
	-e "Too many users (os error 87)")
expect_eq "8 racing starts: losers fail cleanly" "$clean" 4
expect_eq "8 racing starts: available_instances" \
	"$(cat /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/available_instances)" 0
stop_all

# udevadm monitor inside the run heard it, by both routes
sleep 0.3
kill $monitor
grep -q "KERNEL.*bind.*/devices/virtual/mdpy/mdpy/$u (mdev)" "$tmp/monitor.log" &&
	ok "udevadm monitor: kernel events" || fail "udevadm monitor: no kernel bind"
grep -q "UDEV.*remove.*/devices/virtual/mdpy/mdpy/$u (mdev)" "$tmp/monitor.log" &&
	ok "udevadm monitor: udev events" || fail "udevadm monitor: no udev remove"

finish
