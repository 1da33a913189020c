#!/bin/bash
# Runs every libFuzzer harness of a -DMDEVFS_FUZZ=ON build for a bounded
# time each, starting from a copy of its seed corpus and regressions (the
# repository is not modified), and fails if any finds a crash, a leak, a
# timeout or a broken invariant.  Usage: tests/fuzz/run.sh BUILD_DIR
# [SECONDS [HARNESS...]].  What a harness finds is written to
# BUILD_DIR/fuzz-artifacts/HARNESS/ (see docs/fuzzing.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: $0 BUILD_DIR [SECONDS [HARNESS...]]}" && pwd)
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
harnesses=${*:-create remove config control}

work=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1 halt_on_error=1}"

failed=
for h in $harnesses; do
	bin=$build/tests/fuzz/fuzz_$h
	[ -x "$bin" ] || { echo "run.sh: no $bin (configure with -DMDEVFS_FUZZ=ON)" >&2; exit 1; }
	corpus=$work/$h
	artifacts=$build/fuzz-artifacts/$h
	mkdir -p "$corpus" "$artifacts"
	cp "$here/corpus/$h/"* "$corpus/"
	if [ -d "$here/regressions/$h" ]; then
		cp "$here/regressions/$h/"* "$corpus/"
	fi
	dict=()
	[ -f "$here/$h.dict" ] && dict=(-dict="$here/$h.dict")
	echo "=== fuzz_$h: ${seconds}s"
	rc=0
	"$bin" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-timeout=20 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" >"$work/$h.log" 2>&1 || rc=$?
	grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|stat::number_of_executed_units' \
		"$work/$h.log" || true
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$work/$h.log"
		echo "=== fuzz_$h FAILED (exit $rc); input saved in $artifacts/"
		failed="$failed $h"
	fi
done
if [ -n "$failed" ]; then
	echo "=== fuzzing found problems in:$failed" >&2
	exit 1
fi
echo "=== fuzzing: no crash in $harnesses"
