#!/bin/sh
# kernel_cycle.sh ORACLE_DIR [CYCLES] [MDEVFS]: what the create+remove
# cycle costs the kernel itself, the limit every FUSE design sits above.
# ORACLE_DIR holds a kernel with mdev and the sample drivers and a boot.sh
# that runs a scenario against its real sysfs in QEMU (the oracle the
# project records tests/kernel/ from; nothing here is part of the
# product).  The scenario times CYCLES (default 2000) cycles of the
# oracle's `cycle` probe on mtty-1 three times; with MDEVFS (a built
# mdevfs), boot.sh then times mdevfs in the same VM with the same probe.
# Under TCG (what boot.sh uses where KVM cannot run the guest) every
# instruction is emulated: the numbers are a VM's, slower than bare
# metal, and only their ratio to mdevfs in the same VM carries over.
set -eu
ORACLE=${1:?usage: kernel_cycle.sh ORACLE_DIR [CYCLES] [MDEVFS]}
CYCLES=${2:-2000}
MDEVFS=${3:-}
[ -f "$ORACLE/boot.sh" ] || { echo "kernel_cycle.sh: no $ORACLE/boot.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/scenario.sh" <<'SCEN'
# warm up, then three timed runs on the real sysfs
"$BIN/cycle" "$1" 200 > /dev/null
for i in 1 2 3; do "$BIN/cycle" "$1" "$CYCLES"; done > "$OUT/cycle-kernel.txt" 2>&1
SCEN
if [ -n "$MDEVFS" ]; then
	MDEVFS_BIN=$(realpath "$MDEVFS") CYCLES=$CYCLES WORK=$work/boot \
		sh "$ORACLE/boot.sh" "$work/scenario.sh" "$work/out" >/dev/null
else
	CYCLES=$CYCLES WORK=$work/boot sh "$ORACLE/boot.sh" "$work/scenario.sh" "$work/out" >/dev/null
fi
echo "kernel: $(head -1 "$work/out/env.txt"); $(grep '^nproc=' "$work/out/env.txt"); $(grep '^accel=' "$work/out/env.txt")"
echo "real sysfs (3 runs):"
cat "$work/out/cycle-kernel.txt"
if [ -n "$MDEVFS" ]; then
	echo "mdevfs run -- cycle in the same VM (default options; the VM's /run is its initramfs, in RAM):"
	grep '^cycles=' "$work/out/cycle-vm-mdevfs.txt" || cat "$work/out/cycle-vm-mdevfs.txt"
fi
