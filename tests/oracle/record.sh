#!/bin/sh
# record.sh ORACLE [OUT]: runs readdir-scenario.sh on the oracle kernel
# (ORACLE/boot.sh: Linux 6.1 with mdev and the sample drivers, in QEMU) and
# writes what it printed to OUT (default: readdir-order.txt next to this
# script), with the kernel that said it.  The probe (dents.c) is built
# statically; it and the scenario ride in the script boot.sh runs, which
# is all boot.sh copies into the VM.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ORACLE=${1:?usage: record.sh ORACLE_DIR [OUT]}
OUT=${2:-$HERE/readdir-order.txt}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
gcc -O2 -Wall -static -o "$WORK/dents" "$HERE/dents.c"
{
	echo '#!/bin/sh'
	echo 'cat > /tmp/readdir-scenario.sh <<"SCENARIO"'
	cat "$HERE/readdir-scenario.sh"
	echo 'SCENARIO'
	echo 'base64 -d > /tmp/dents <<"PROBE"'
	base64 "$WORK/dents"
	echo 'PROBE'
	echo 'chmod 755 /tmp/dents'
	# shellcheck disable=SC2016 # expanded in the VM
	echo 'DENTS=/tmp/dents sh /tmp/readdir-scenario.sh "$1" > "$OUT/readdir.txt" 2>&1'
} > "$WORK/scenario.sh"
sh "$ORACLE/boot.sh" "$WORK/scenario.sh" "$WORK/out"
{
	echo "# getdents64 order and d_off on $(cut -d' ' -f1-3 "$WORK/out/env.txt" | head -1)"
	echo "# (the oracle kernel, in QEMU): \`sh tests/oracle/record.sh ORACLE_DIR\`"
	echo "# ran tests/oracle/readdir-scenario.sh there; lines: d_off d_type name"
	cat "$WORK/out/readdir.txt"
} > "$OUT"
echo "wrote $OUT"
