#!/bin/bash
# `mdevfs record`: a tree with devices is recorded, the profile is served
# on a second mount, and the two trees are compared: the same parents,
# paths, types and files, the recorded devices' capacity free again, and
# the same errno when it runs out.  Then a PCI parent, a hand-made tree
# with values the key file must escape, and the errors.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/mdevfs-record-XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT
examples=$(dirname "$0")/../../examples
pids=()
a='' b='' c='' d='' e='' # mountpoints, set by serve

# serve VAR [ARGS...]: mounts mdevfs ARGS on a new mountpoint in VAR, in
# the foreground, so what the sanitizers say counts.
serve() {
	local var=$1 dir
	shift
	new_mountpoint "$var"
	dir=${!var}
	"$MDEVFS" -f "$@" "$dir" 2>>"$work/daemons.log" &
	pids+=($!)
	wait_mounted "$dir" || { echo "cannot mount $*"; cat "$work/daemons.log"; exit 1; }
}

types() { echo "$1/class/mdev_bus/$2/mdev_supported_types"; }

# entries DIR: DIR's entries a line each, in readdir order as ls -U gives
# them (find keeps that order for directories this small).
entries() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n'; }

# same_bytes FILE FILE: sysfs files claim 4096 bytes whatever they hold,
# so cmp must read them, not compare sizes.
same_bytes() { cmp -s <(cat "$1") <(cat "$2"); }

# create MOUNT PARENT TYPE: "ok", or the error of the write (strerror).
create() {
	local err
	err=$( { uuidgen >"$(types "$1" "$2")/$3/create"; } 2>&1) &&
		echo ok || echo "${err##*: }"
}

# create_n N MOUNT PARENT TYPE: how many of N creates succeeded.
create_n() {
	local n=0
	for _ in $(seq "$1"); do
		[ "$(create "$2" "$3" "$4")" = ok ] && n=$((n + 1))
	done
	echo "$n"
}

available() { # MOUNT PARENT: every type's count, in readdir order (the
	# kernel's: by name hash, so mbochs-small comes last)
	local t out=""
	while read -r t; do
		out+="$t=$(cat "$(types "$1" "$2")/$t/available_instances") "
	done < <(entries "$(types "$1" "$2")")
	echo "${out% }"
}

# same_tree A B: the parents, their links, types and type files match.
same_tree() {
	local a=$1 b=$2 p t f parents types_a
	expect_eq "parents" "$(entries "$b/class/mdev_bus" | xargs)" \
		"$(entries "$a/class/mdev_bus" | xargs)"
	mapfile -t parents < <(entries "$a/class/mdev_bus")
	for p in "${parents[@]}"; do
		expect_eq "$p: class/mdev_bus link" "$(readlink "$b/class/mdev_bus/$p")" \
			"$(readlink "$a/class/mdev_bus/$p")"
		expect_eq "$p: subsystem" "$(readlink "$b/class/mdev_bus/$p/subsystem")" \
			"$(readlink "$a/class/mdev_bus/$p/subsystem")"
		same_bytes "$a/class/mdev_bus/$p/uevent" "$b/class/mdev_bus/$p/uevent" &&
			ok "$p: uevent" || fail "$p: uevent differs"
		expect_eq "$p: type directories, in order" "$(entries "$(types "$b" "$p")" | xargs)" \
			"$(entries "$(types "$a" "$p")" | xargs)"
		mapfile -t types_a < <(entries "$(types "$a" "$p")")
		for t in "${types_a[@]}"; do
			for f in name description device_api; do
				if [ ! -e "$(types "$a" "$p")/$t/$f" ]; then
					[ -e "$(types "$b" "$p")/$t/$f" ] &&
						fail "$p/$t/$f: recorded without being there" ||
						ok "$p/$t/$f: absent in both"
				else
					same_bytes "$(types "$a" "$p")/$t/$f" "$(types "$b" "$p")/$t/$f" &&
						ok "$p/$t/$f" || fail "$p/$t/$f differs"
				fi
			done
		done
	done
}

# --- the sample parents, with devices ------------------------------------
serve a
for t in mtty-2 mtty-2 mtty-1; do create "$a" mtty $t >/dev/null; done
mdpy_dev=$(uuidgen)
echo "$mdpy_dev" >"$(types "$a" mdpy)/mdpy-vga/create"
create "$a" mbochs mbochs-large >/dev/null
# mtty: 24 ports - 2 - 2 - 1; mdpy: 4 - 1; mbochs: 256 MB - 64.
expect_eq "original: mtty" "$(available "$a" mtty)" "mtty-1=19 mtty-2=9"
expect_eq "original: mdpy" "$(available "$a" mdpy)" "mdpy-vga=3 mdpy-xga=3 mdpy-hd=3"
expect_eq "original: mbochs" "$(available "$a" mbochs)" \
	"mbochs-medium=12 mbochs-large=3 mbochs-small=48"

"$MDEVFS" record "$a" >"$work/samples.conf" 2>"$work/record.err"
expect_eq "record: exit status" "$?" 0
expect_eq "record: says nothing" "$(cat "$work/record.err")" ""
expect_eq "--check of the profile" "$("$MDEVFS" --check -c "$work/samples.conf" 2>&1)" \
	"$work/samples.conf: 3 parents, OK"
head -1 "$work/samples.conf" | grep -q "^# Recorded from .*:$(realpath "$a") on 20.* by mdevfs 0.1.0" &&
	ok "header: where, when, which version" || fail "header: $(head -1 "$work/samples.conf")"
grep -qx "# device $mdpy_dev mdpy-vga" "$work/samples.conf" &&
	ok "devices listed as comments" || fail "no comment for device $mdpy_dev"
# The arithmetic: mtty shows 19/9, so 19 free units, mtty-2 costs 2 (19/9),
# and 2+2+1 taken make 24; mdpy's types all show 3: the core counts 3 + 1;
# mbochs: 48 free, costs 1, 4 and 16, 16 taken.
for kv in "pool=24" "max_instances=4" "pool=64"; do
	grep -qx "$kv" "$work/samples.conf" && ok "profile has $kv" || fail "profile lacks $kv"
done
"$MDEVFS" record -o "$work/samples-o.conf" "$a"
expect_eq "-o FILE writes the same" \
	"$(grep -v '^# Recorded' "$work/samples-o.conf" | md5sum)" \
	"$(grep -v '^# Recorded' "$work/samples.conf" | md5sum)"

serve b -c "$work/samples.conf"
same_tree "$a" "$b"
expect_eq "served: mtty, its devices' ports free" "$(available "$b" mtty)" "mtty-1=24 mtty-2=12"
expect_eq "served: mdpy, its device's count free" "$(available "$b" mdpy)" \
	"mdpy-vga=4 mdpy-xga=4 mdpy-hd=4"
expect_eq "served: mbochs, its device's memory free" "$(available "$b" mbochs)" \
	"mbochs-medium=16 mbochs-large=4 mbochs-small=64"

# Up to the recorded capacity, then the original vendor's errno.
expect_eq "served: 12 dual-port mtty devices" "$(create_n 12 "$b" mtty mtty-2)" 12
expect_eq "served: mtty full" "$(create "$b" mtty mtty-1)" "No space left on device"
expect_eq "original: 9 more dual, 1 more single" \
	"$(create_n 9 "$a" mtty mtty-2) $(create "$a" mtty mtty-1)" "9 ok"
expect_eq "original: mtty full" "$(create "$a" mtty mtty-1)" "No space left on device"
expect_eq "served: 4 mdpy devices" \
	"$(( $(create_n 2 "$b" mdpy mdpy-vga) + $(create_n 2 "$b" mdpy mdpy-hd) ))" 4
expect_eq "served: mdpy full" "$(create "$b" mdpy mdpy-xga)" "Too many users"
expect_eq "original: 3 more" "$(create_n 3 "$a" mdpy mdpy-hd)" 3
expect_eq "original: mdpy full" "$(create "$a" mdpy mdpy-xga)" "Too many users"
expect_eq "served: 4 large mbochs devices" "$(create_n 4 "$b" mbochs mbochs-large)" 4
expect_eq "served: mbochs full" "$(create "$b" mbochs mbochs-small)" "No space left on device"
expect_eq "original: 3 more" "$(create_n 3 "$a" mbochs mbochs-large)" 3
expect_eq "original: mbochs full" "$(create "$a" mbochs mbochs-small)" "No space left on device"

# --- a parent on the PCI bus ----------------------------------------------
serve c -c "$examples/pci-parent.conf"
"$MDEVFS" record -o "$work/pci.conf" "$c"
expect_eq "--check of the PCI profile" "$("$MDEVFS" --check -c "$work/pci.conf" 2>&1)" \
	"$work/pci.conf: 1 parent, OK"
serve d -c "$work/pci.conf"
same_tree "$c" "$d"
expect_eq "PCI: its bus link" "$(readlink "$d/bus/pci/devices/0000:00:02.0")" \
	"../../../devices/pci0000:00/0000:00:02.0"
expect_eq "PCI: mdev driver" "$(names "$d/bus/mdev/drivers")" intel_vgpu_mdev
expect_eq "PCI: same counts" "$(available "$d" 0000:00:02.0)" \
	"$(available "$c" 0000:00:02.0)"
# 60 units at 10 and 7 show 6 and 8; recorded as 24 at 4 and 3.
expect_eq "PCI: 6 GVTg_V5_4 on both" \
	"$(create_n 6 "$c" 0000:00:02.0 i915-GVTg_V5_4) $(create_n 6 "$d" 0000:00:02.0 i915-GVTg_V5_4)" "6 6"
expect_eq "PCI: then full on both" \
	"$(create "$c" 0000:00:02.0 i915-GVTg_V5_8)/$(create "$d" 0000:00:02.0 i915-GVTg_V5_8)" \
	"No space left on device/No space left on device"

# --- a hand-made tree: a class device, values to escape, no devices --------
f=$work/fake
tdir=$f/devices/virtual/card/card0/mdev_supported_types/card-a
mkdir -p "$tdir/devices" "$f/class/mdev_bus" "$f/class/card"
ln -s ../../devices/virtual/card/card0 "$f/class/mdev_bus/card0"
ln -s ../../../../class/card "$f/devices/virtual/card/card0/subsystem"
printf 'MAJOR=240\nMINOR=0\nDEVNAME=card0\nodd=x\n' >"$f/devices/virtual/card/card0/uevent"
printf '  two leading spaces; a # and \\ too\n' >"$tdir/name"
printf 'line one\n\tline two\n' >"$tdir/description"
echo vfio-ccw >"$tdir/device_api"
mkdir "$tdir/available_instances"
expect_err "an unreadable attribute names its path" \
	"record: $f/class/mdev_bus/card0/mdev_supported_types/card-a/available_instances: Is a directory" \
	"$MDEVFS" record "$f"
rmdir "$tdir/available_instances"
echo 5 >"$tdir/available_instances"
chmod -R go+rX "$work"
chmod 0400 "$tdir/name"
expect_err "a file it may not read names its path" \
	"record: $f/class/mdev_bus/card0/mdev_supported_types/card-a/name: Permission denied" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MDEVFS" record "$f"
chmod 0444 "$tdir/name"
"$MDEVFS" record -o "$work/fake.conf" "$f" 2>"$work/fake.err"
expect_eq "hand-made tree recorded" "$?" 0
grep -q "uevent: 'odd=x' left out" "$work/fake.err" && ok "a uevent line the key cannot hold: warned" ||
	fail "no warning about odd=x: $(cat "$work/fake.err")"
grep -qx "uevent=MAJOR=240;MINOR=0;DEVNAME=card0" "$work/fake.conf" && ok "uevent recorded" ||
	fail "uevent: $(grep uevent "$work/fake.conf")"
grep -qx "driver=card" "$work/fake.conf" && grep -q "A guess" "$work/fake.conf" &&
	ok "mdev driver guessed, and said so" || fail "driver: $(grep driver= "$work/fake.conf")"
serve e -c "$work/fake.conf"
for x in name description device_api available_instances; do
	same_bytes "$tdir/$x" "$(types "$e" card0)/card-a/$x" && ok "escaped and back: $x" ||
		fail "$x: '$(cat "$(types "$e" card0)/card-a/$x")'"
done
expect_eq "one type alone: the core counts" "$(create_n 6 "$e" card0 card-a)" 5

# --- errors -----------------------------------------------------------------
mkdir "$work/empty"
expect_err "an empty directory" "record: $work/empty has no parents in class/mdev_bus" \
	"$MDEVFS" record "$work/empty"
expect_eq "an empty directory: one line" "$("$MDEVFS" record "$work/empty" 2>&1 | wc -l)" 1
expect_err "a missing root" "record: $work/nope: No such file or directory" \
	"$MDEVFS" record "$work/nope"
expect_err "two roots" "one SYSFS_ROOT only" "$MDEVFS" record "$a" "$b"

# The daemons stop cleanly, with nothing said by the sanitizers.
for m in "$a" "$b" "$c" "$d" "$e"; do fusermount3 -u "$m"; done
for pid in "${pids[@]}"; do
	wait "$pid" || fail "daemon $pid: exit status $?"
done
expect_eq "no sanitizer report" "$(grep -c Sanitizer "$work/daemons.log")" 0
grep -A20 Sanitizer "$work/daemons.log" | head -40
finish
