#!/bin/sh
# build-kernel.sh DIR: builds the oracle kernel of tests/kernel from Debian
# 12's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz) with
# kernel.fragment on tinyconfig, in DIR/linux-source-6.1, and leaves in
# DIR/out what record.sh boots: bzImage, modules/{mtty,mdpy,mbochs}.ko,
# config (the final .config), kernelrelease and source (the package).  About 10-20 minutes on
# 2 cores (JOBS, default the number of CPUs).
#
#   apt-get install linux-source-6.1 flex bison bc libelf-dev libssl-dev xz-utils gcc make
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:?usage: build-kernel.sh DIR}
JOBS=${JOBS:-$(nproc)}
TAR=/usr/src/linux-source-6.1.tar.xz
[ -f "$TAR" ] || { echo "build-kernel.sh: $TAR missing (apt-get install linux-source-6.1)" >&2; exit 1; }
mkdir -p "$DIR"
SRC=$DIR/linux-source-6.1
[ -f "$SRC/Makefile" ] || tar -C "$DIR" -xf "$TAR"
cd "$SRC"
make -s ARCH=x86_64 tinyconfig
scripts/kconfig/merge_config.sh -m .config "$HERE/kernel.fragment" >/dev/null
make -s ARCH=x86_64 olddefconfig

# olddefconfig drops an option whose dependencies are missing, silently:
# every line of the fragment must still hold.
lost=0
while IFS= read -r line; do
	case $line in
	'# CONFIG_'*' is not set')
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" .config; then
			echo "build-kernel.sh: lost \"$line\": $(grep "^$sym=" .config)" >&2
			lost=1
		fi ;;
	CONFIG_*)
		if ! grep -qx "$line" .config; then
			echo "build-kernel.sh: lost $line: $(grep "^${line%%=*}=" .config || echo unset)" >&2
			lost=1
		fi ;;
	esac
done < "$HERE/kernel.fragment"
[ "$lost" = 0 ] || exit 1

make -s ARCH=x86_64 -j"$JOBS" bzImage modules
mkdir -p "$DIR/out/modules"
cp arch/x86/boot/bzImage "$DIR/out/bzImage"
cp samples/vfio-mdev/mtty.ko samples/vfio-mdev/mdpy.ko samples/vfio-mdev/mbochs.ko "$DIR/out/modules/"
cp .config "$DIR/out/config"
make -s ARCH=x86_64 kernelrelease > "$DIR/out/kernelrelease"
dpkg-query -W -f='${Package} ${Version}\n' linux-source-6.1 > "$DIR/out/source" 2>/dev/null || true
echo "build-kernel.sh: $(cat "$DIR/out/kernelrelease") in $DIR/out"
