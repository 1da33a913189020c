#!/bin/sh
# PCI functions and PCI drivers on the oracle kernel (QEMU i440fx, no
# driver bound to any function, no NUMA): what a PCI parent's files and
# its driver's directory are modelled on.  Recorded as pci.txt with
#   sh "$ORACLE_DIR/boot.sh" tests/oracle/pci-scenario.sh OUTDIR
# The $? after each write is the write's (echo's), which is the point.
# shellcheck disable=SC2320
set -u
cd /sys || exit 1
{
echo "== drivers"; ls -la bus/pci/drivers/ 2>&1
for d in bus/pci/drivers/*; do echo "== $d"; ls -la "$d"; done
echo "== bound"; for dev in bus/pci/devices/*; do echo "$dev -> $(readlink "$dev/driver" 2>&1)"; done
D=bus/pci/devices/0000:00:00.0
echo "== fn"; ls -la "$D/" 
for f in vendor device subsystem_vendor subsystem_device class revision numa_node; do echo "$f=$(cat "$D/$f")"; done
echo "config size $(wc -c < "$D/config")"; od -An -tx1 "$D/config" | head -4
for drv in bus/pci/drivers/*; do
  echo "bind nonexist:"; echo nope > "$drv/bind"; echo "rc=$?"
  echo "unbind nonexist:"; echo nope > "$drv/unbind"; echo "rc=$?"
  echo "bind unbound 00:00.0:"; echo 0000:00:00.0 > "$drv/bind"; echo "rc=$?"
  echo "unbind not-ours 00:00.0:"; echo 0000:00:00.0 > "$drv/unbind"; echo "rc=$?"
  break
done
echo "numa write:"; echo 0 > "$D/numa_node"; echo "rc=$?"; cat "$D/numa_node"
} > "$OUT/pci.txt" 2>&1
