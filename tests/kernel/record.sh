#!/bin/sh
# record.sh [SCENARIO...]: records what the real kernel says for the
# scenarios of tests/kernel/scenarios (all of them, or the ones named,
# e.g. 30-create), into tests/kernel/recorded/NAME.txt, the data that
# tests/kernel/compare.sh holds mdevfs to.
#
# The kernel is Linux 6.1 from Debian 12's linux-source-6.1, configured by
# tests/kernel/kernel.fragment and built by tests/kernel/build-kernel.sh
# (10-20 minutes on 2 cores); ORACLE_DIR=DIR takes one built before
# instead (DIR/bzImage and DIR/modules/{mtty,mdpy,mbochs}.ko, as
# build-kernel.sh leaves them in its OUT).  It boots in QEMU with a
# busybox initramfs and no network device; the init loads the three
# sample modules, as a distribution does, then runs each scenario as root
# against /sys with the probes (tests/kernel/probes, built here with
# gcc -static) and checks that it left every parent plugged and no device.
# One boot runs every scenario: about 2 minutes under TCG.
#
# Needs (Debian 12): gcc, libc6-dev, qemu-system-x86, busybox-static,
# cpio; for the build also linux-source-6.1 flex bison bc libelf-dev
# libssl-dev xz-utils make.
#
# ACCEL=tcg (default) or kvm; SMP (2); WORK (a directory to keep the
# build and the initramfs in; default: a temporary one, removed).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ACCEL=${ACCEL:-tcg}
SMP=${SMP:-2}
if [ -n "${WORK:-}" ]; then
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
fi
if [ $# -gt 0 ]; then
	NAMES=$*
else
	NAMES=$(cd "$HERE/scenarios" && for f in [0-9]*.sh; do printf '%s ' "${f%.sh}"; done)
fi
for n in $NAMES; do
	[ -f "$HERE/scenarios/$n.sh" ] || { echo "record.sh: no scenario $n" >&2; exit 2; }
done
t0=$(date +%s)

# ---- the kernel
if [ -n "${ORACLE_DIR:-}" ]; then
	KDIR=$ORACLE_DIR
else
	sh "$HERE/build-kernel.sh" "$WORK/kernel"
	KDIR=$WORK/kernel/out
fi
for f in bzImage modules/mtty.ko modules/mdpy.ko modules/mbochs.ko; do
	[ -f "$KDIR/$f" ] || { echo "record.sh: $KDIR/$f missing" >&2; exit 1; }
done
t1=$(date +%s)

# ---- the initramfs: busybox, the modules, the probes, the scenarios
IR=$WORK/initramfs
rm -rf "$IR"
mkdir -p "$IR/bin" "$IR/proc" "$IR/sys" "$IR/dev" "$IR/tmp" "$IR/out" \
	"$IR/modules" "$IR/probes" "$IR/scenarios"
cp /bin/busybox "$IR/bin/busybox"
for a in $("$IR/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$IR/bin/$a"
done
for p in ktree kwrite kop kuev; do
	gcc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow \
		-Wstrict-prototypes -Wmissing-prototypes -static \
		-o "$IR/probes/$p" "$HERE/probes/$p.c"
done
cp "$KDIR"/modules/mtty.ko "$KDIR"/modules/mdpy.ko "$KDIR"/modules/mbochs.ko "$IR/modules/"
cp -p "$HERE"/scenarios/* "$IR/scenarios/"
cat > "$IR/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
cat /proc/version > /out/version
for m in mtty mdpy mbochs; do insmod /modules/\$m.ko || echo "insmod \$m failed" >> /out/problems; done
for n in $NAMES; do
	s=\$(cut -d' ' -f1 /proc/uptime)
	MODE=kernel P=/probes K=/scenarios MODDIR=/modules sh /scenarios/\$n.sh > /out/\$n.txt 2> /out/\$n.err
	echo "\$n exit=\$? seconds=\$s-\$(cut -d' ' -f1 /proc/uptime)" >> /out/log
	[ -z "\$(ls /sys/bus/mdev/devices)" ] || echo "\$n left devices: \$(ls /sys/bus/mdev/devices)" >> /out/problems
	[ "\$(ls /sys/class/mdev_bus)" = "\$(printf 'mbochs\nmdpy\nmtty')" ] || echo "\$n left parents: \$(ls /sys/class/mdev_bus)" >> /out/problems
done
dmesg > /out/dmesg
{
	echo "===RECORDING==="
	tar -C /out -cf - . | gzip | base64
	echo "===END==="
} > /dev/ttyS1
sync
reboot -f
EOF
chmod 755 "$IR/init"
(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.cpio.gz"

# ---- the boot
if [ "$ACCEL" = kvm ]; then
	accel="-enable-kvm -cpu host"
else
	accel="-accel tcg,thread=multi -cpu max"
fi
rm -f "$WORK/serial1" "$WORK/console"
# shellcheck disable=SC2086 # $accel is a list of options
timeout 1800 qemu-system-x86_64 $accel -smp "$SMP" -m 512 -nodefaults \
	-nographic -no-reboot -kernel "$KDIR/bzImage" \
	-initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init" \
	-serial "file:$WORK/console" -serial "file:$WORK/serial1" </dev/null ||
	echo "record.sh: qemu exited with $?" >&2
t2=$(date +%s)
if ! grep -q '^===END===' "$WORK/serial1" 2>/dev/null; then
	echo "record.sh: the VM sent no results; its console:" >&2
	tail -40 "$WORK/console" >&2
	exit 1
fi
rm -rf "$WORK/out"
mkdir -p "$WORK/out"
sed -n '/^===RECORDING===/,/^===END===/p' "$WORK/serial1" | sed '1d;$d' | tr -d '\r' |
	base64 -d | gzip -d | tar -C "$WORK/out" -xf -
cat "$WORK/out/log"
if [ -s "$WORK/out/problems" ]; then
	echo "record.sh: the scenarios did not leave the kernel as they found it:" >&2
	cat "$WORK/out/problems" >&2
	exit 1
fi

# ---- the recordings, each with the kernel that made it
mkdir -p "$HERE/recorded"
version=$(cut -d' ' -f1-3 "$WORK/out/version")
for n in $NAMES; do
	if grep -v '^kuev: [0-9]* events outside KUEV_KEEP left out$' "$WORK/out/$n.err" | grep -q .; then
		echo "record.sh: $n wrote to stderr:" >&2
		cat "$WORK/out/$n.err" >&2
		exit 1
	fi
	{
		echo "# $version ($(cat "$KDIR/source" 2>/dev/null || echo "Debian's linux-source-6.1")), in QEMU ($ACCEL, $SMP CPUs)"
		echo "# tests/kernel/record.sh ran tests/kernel/scenarios/$n.sh there; $(grep "^$n " "$WORK/out/log")"
		cat "$WORK/out/$n.txt"
	} > "$HERE/recorded/$n.txt"
	if [ -s "$WORK/out/$n.err" ]; then
		echo "$n: $(cat "$WORK/out/$n.err")"
	fi
done
echo "recorded: $NAMES"
echo "time: kernel $((t1 - t0)) s, boot and scenarios $((t2 - t1)) s"
