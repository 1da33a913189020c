#!/bin/sh
# record.sh ORACLE [WHAT [OUT]]: runs a scenario on the oracle kernel
# (ORACLE/boot.sh: Linux 6.1 with mdev and the sample drivers, in QEMU) and
# writes what it printed to OUT (default: next to this script), with the
# kernel that said it.  WHAT is
#   readdir  readdir-scenario.sh with the dents probe -> readdir-order.txt
#   fileops  fileops-scenario.sh with the fdops probe -> fileops.txt
# The probe is built statically; it and the scenario ride in the script
# boot.sh runs, which is all boot.sh copies into the VM.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ORACLE=${1:?usage: record.sh ORACLE_DIR [readdir|fileops [OUT]]}
WHAT=${2:-readdir}
case $WHAT in
readdir) PROBE=dents VAR=DENTS OUT=${3:-$HERE/readdir-order.txt}
	SAYS="getdents64 order and d_off" LINES="d_off d_type name" ;;
fileops) PROBE=fdops VAR=FDOPS OUT=${3:-$HERE/fileops.txt}
	SAYS="file operations and their errno" LINES="step -> result" ;;
*) echo "record.sh: no scenario $WHAT" >&2; exit 2 ;;
esac
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
gcc -O2 -Wall -static -o "$WORK/$PROBE" "$HERE/$PROBE.c"
{
	echo '#!/bin/sh'
	echo "cat > /tmp/scenario.sh <<\"SCENARIO\""
	cat "$HERE/$WHAT-scenario.sh"
	echo 'SCENARIO'
	echo "base64 -d > /tmp/$PROBE <<\"PROBE\""
	base64 "$WORK/$PROBE"
	echo 'PROBE'
	echo "chmod 755 /tmp/$PROBE"
	# shellcheck disable=SC2016 # expanded in the VM
	echo "$VAR=/tmp/$PROBE"' sh /tmp/scenario.sh "$1" > "$OUT/result.txt" 2>&1'
} > "$WORK/scenario.sh"
sh "$ORACLE/boot.sh" "$WORK/scenario.sh" "$WORK/out"
{
	echo "# $SAYS on $(cut -d' ' -f1-3 "$WORK/out/env.txt" | head -1)"
	echo "# (the oracle kernel, in QEMU): \`sh tests/oracle/record.sh ORACLE_DIR $WHAT\`"
	echo "# ran tests/oracle/$WHAT-scenario.sh there; lines: $LINES"
	cat "$WORK/out/result.txt"
} > "$OUT"
echo "wrote $OUT"
