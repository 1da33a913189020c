#!/bin/bash
# Runs the benchmarks in a private mount and network namespace, as root:
#   bench/run.sh [BUILD_DIR]   (default: build-rel, a Release build made here)
# and prints their tables (see docs/performance.md).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-rel}
if [ $# -eq 0 ]; then
	cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMDEVFS_TESTS=ON >/dev/null
	cmake --build "$build" -j"$(nproc)" --target bench_slow_vendor >/dev/null
fi
echo "# $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d)"
unshare --mount --net --propagation private "$build/bench/bench_slow_vendor"
