#!/bin/bash
# compare.sh SCENARIO...: runs each scenario of tests/kernel/scenarios on
# mdevfs inside `mdevfs run` (as root, in private namespaces) and holds
# what it prints to the real kernel's recording, recorded/SCENARIO.txt.
# Both are normalised (normalise.sed), the lines the table of known
# differences excuses are taken out of each side (differences,
# excuse.awk), and what remains must be equal: else the unified diff,
# kernel against mdevfs, is shown and the test fails.  An entry of the
# table that excuses no line any more fails too, so a fixed difference
# leaves the table.  See tests/kernel/README.md.
#
# Needs MDEVFS (the binary) and KPROBES (the directory of ktree, kwrite,
# kop and kuev as CMake builds them); ctest runs it inside unshare -m -n.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
KPROBES=${KPROBES:?set KPROBES to the built probes}
HERE=$(cd "$(dirname "$0")" && pwd)
K=$HERE/scenarios
[ $# -gt 0 ] || { echo "usage: compare.sh SCENARIO..." >&2; exit 2; }

tmp=$(mktemp -d /tmp/mdevfs-kernel-XXXXXX)
trap 'rm -rf "$tmp"; cleanup' EXIT

# A configuration of each sample parent alone, for `mdevfs ctl register`
# (scenarios/parent): its sections of the built-in configuration.
mkdir "$tmp/conf"
awk -v dir="$tmp/conf" '
	/^\[(parent|type) / { name = $2; sub(/\]$/, "", name) }
	name != "" { print > (dir "/" name ".conf") }
' "$HERE/../../examples/samples.conf"

normalise() { # FILE: without the recording's header, normalised
	sed -E -f "$HERE/normalise.sed" "$1" | sed '/^# /d'
}

excuse() { # SCENARIO SIDE FILE EXCUSED
	awk -v table="$HERE/differences" -v scenario="$1" -v side="$2" \
		-v used="$tmp/used" -v excused="$4" -f "$HERE/excuse.awk" "$3"
}

for n in "$@"; do
	rec=$HERE/recorded/$n.txt
	if [ ! -f "$K/$n.sh" ] || [ ! -f "$rec" ]; then
		fail "$n: no scenario or no recording (tests/kernel/record.sh $n)"
		continue
	fi
	start=$EPOCHREALTIME
	# uevent_pause: a monitor looks at the tree each event left (README)
	timeout 250 "$MDEVFS" run -o uevent_pause=0.03 -- env MODE=mdevfs P="$KPROBES" K="$K" \
		MDEVFS="$MDEVFS" KCONF="$tmp/conf" sh "$K/$n.sh" \
		>"$tmp/$n.mdevfs" 2>"$tmp/$n.err"
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	grep -v '^kuev: [0-9]* events outside KUEV_KEEP left out$' "$tmp/$n.err" >"$tmp/$n.stderr"
	if [ "$rc" -ne 0 ] || [ -s "$tmp/$n.stderr" ]; then
		fail "$n: the scenario on mdevfs exited with $rc, its stderr:"
		cat "$tmp/$n.stderr"
	fi
	: >"$tmp/used"
	: >"$tmp/$n.kx"
	: >"$tmp/$n.mx"
	normalise "$rec" >"$tmp/$n.k"
	normalise "$tmp/$n.mdevfs" >"$tmp/$n.m"
	if ! excuse "$n" - "$tmp/$n.k" "$tmp/$n.kx" >"$tmp/$n.kernel" ||
		! excuse "$n" + "$tmp/$n.m" "$tmp/$n.mx" >"$tmp/$n.got"; then
		fail "$n: the table of differences is malformed (above)"
		continue
	fi
	lines=$(wc -l <"$tmp/$n.k")
	kept=$(wc -l <"$tmp/$n.kernel")
	excused=$(awk -F'\t' '{ n += $1 } END { print n + 0 }' "$tmp/used")
	if diff -u --label "kernel: tests/kernel/recorded/$n.txt" --label "mdevfs: $n" \
		"$tmp/$n.kernel" "$tmp/$n.got"; then
		ok "$n: as the kernel ($lines recorded lines, $kept compared, $excused lines on both sides excused by the table; ${secs} s)"
	else
		fail "$n: mdevfs differs from the kernel (the diff above; the lines the table excuses are left out)"
	fi
	while read -r entry; do
		echo "  $entry excused $(grep -c "^$entry	" "$tmp/$n.kx") kernel and $(grep -c "^$entry	" "$tmp/$n.mx") mdevfs lines"
	done < <(cut -f3 "$tmp/used" | sort -u)
	# The table shrinks: a pattern that excuses nothing here, and an
	# entry whose excused lines are the same on both sides, are fixed.
	while IFS=$'\t' read -r count line entry pattern; do
		[ "$count" -eq 0 ] || continue
		side=kernel
		sed -n "${line}p" "$HERE/differences" | grep -q '^[^ ]* + ' && side=mdevfs
		fail "$n: tests/kernel/differences:$line ($entry) excuses no $side line here: fixed? then take it out: $pattern"
	done <"$tmp/used"
	while read -r entry; do
		# A RACE entry's lines depend on timing: they may agree.
		grep -q "^== $entry: RACE" "$HERE/differences" && continue
		if cmp -s <(grep "^$entry	" "$tmp/$n.kx") <(grep "^$entry	" "$tmp/$n.mx"); then
			fail "$n: the lines tests/kernel/differences excuses as $entry are the same on both sides: fixed? then take it out"
		fi
	done < <(cut -f3 "$tmp/used" | sort -u)
done
finish
