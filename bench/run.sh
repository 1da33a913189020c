#!/bin/bash
# The benchmark command: mdevfs against the FUSE floor, in one run, as root.
#   bench/run.sh           builds a Release tree (build-rel/), runs
#                          mdevbench in a private mount and network namespace
#                          and writes docs/BENCHMARKS.md and docs/bench/*.png
#   bench/run.sh --quick   fewer rounds, no 100,000-device level; prints the
#                          tables and writes nothing (for trying changes)
# It installs what it needs (Debian 12 packages, gnuplot-nox for the plots).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
quick=
case "${1:-}" in
	"") ;;
	--quick) quick=--quick ;;
	*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: run as root (it mounts FUSE file systems)" >&2
	exit 1
fi

packages="cmake gcc make pkg-config libfuse3-dev fuse3 uuid-dev libglib2.0-dev
          libjson-glib-dev libcap-ng-dev python3
          check util-linux gnuplot-nox"
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi

build=$here/build-rel
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMDEVFS_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target mdevbench >/dev/null

out=$(mktemp -d /tmp/mdevbench.XXXXXX)
trap 'rm -rf "$out"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
# Before the plots are written: they are part of the tree.
commit=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
start=$(date +%s)
# shellcheck disable=SC2086
unshare --mount --net --propagation private "$build/bench/mdevbench" "$out" $quick
took=$(( $(date +%s) - start ))
if [ -n "$quick" ]; then
	cat "$out/results.md"
	exit 0
fi
# What crash safety costs: the state directory on a tmpfs (a host's /run,
# what mdevbench measured), on this machine's disk, and none.
"$here/bench/state_cost.sh" "$build/mdevfs" 2000 >"$out/state_cost.txt"
# The cycle again with every process on one CPU: no wake-up crosses CPUs.
mkdir "$out/cpu0"
taskset -c 0 unshare --mount --net --propagation private \
	"$build/bench/mdevbench" "$out/cpu0" --only=cycle >/dev/null
took=$(( $(date +%s) - start ))

mkdir -p "$here/docs/bench"
gnuplot -e "dat='$out'; png='$here/docs/bench'" "$here/bench/plots.gp"

doc=$here/docs/BENCHMARKS.md
{
	cat <<-HEAD
	# Benchmarks

	mdevfs measured against the FUSE floor: [\`bench/baseline_fs.c\`](../bench/baseline_fs.c),
	the cheapest low-level FUSE file system with the same paths
	(\`class/mdev_bus/<p>\` links, \`mdev_supported_types/<t>/create\`,
	\`bus/mdev/devices/<uuid>\` links, \`remove\`) that accepts every write
	and keeps no state, with mdevfs's FUSE options where they change what
	the kernel sends (entry and attribute timeouts, direct I/O, no flush,
	parallel direct writes, no atomic O_TRUNC, 10 workers). A ratio of 1.00
	is mdevfs costing nothing over FUSE's own round trips.

	This file is written by \`bench/run.sh\`; do not edit it by hand
	(the text after the tables is in [\`bench/analysis.md\`](../bench/analysis.md)).
	Tests never assert timings. The machine is a shared, noisy VM: every
	comparison interleaves rounds of both sides, reports medians and
	ratios; absolute numbers are context only.

	## How this was made

	\`\`\`sh
	sudo bench/run.sh          # from a fresh clone; installs what it needs
	\`\`\`

	It builds a Release tree in \`build-rel/\` (\`cmake -DCMAKE_BUILD_TYPE=Release\`),
	runs \`unshare --mount --net --propagation private build-rel/bench/mdevbench OUTDIR\`
	(the driver, [\`bench/mdevbench.c\`](../bench/mdevbench.c); it mounts
	mdevfs and the baseline on temporary directories in that namespace and
	unmounts them), then \`gnuplot bench/plots.gp\` for the plots.
	\`bench/run.sh --quick\` is a shorter run that prints the tables only.

	| | |
	| --- | --- |
	| date | $(date -u '+%Y-%m-%d %H:%M UTC') |
	| machine | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB; load average before the run: $load |
	| kernel | $(uname -sr) |
	| mdevfs | $(sed -n 's/^project(mdevfs VERSION \([^ ]*\).*/\1/p' "$here/CMakeLists.txt"), commit $commit, Release build |
	| libfuse | $(pkg-config --modversion fuse3) |
	| GLib | $(pkg-config --modversion glib-2.0) |
	| compiler | $(cc --version | head -1) |
	| gnuplot | $(gnuplot --version) |
	| run time | $took s |

	HEAD
	cat "$out/results.md"
	cat <<-PLOTS
	## Plots

	![cycle latency distribution](bench/cycle.png)
	![creates per second against writers](bench/concurrency.png)
	![reader wait against writers](bench/reader.png)
	![scale](bench/scale.png)

	PLOTS
	cat <<-STATE
	## What crash safety costs

	mdevfs records each device in its state directory (default
	\`/run/mdevfs\`, see [crash-safety.md](crash-safety.md)) before it
	acknowledges a create, and drops the record before it acknowledges a
	remove. A host's \`/run\` is a tmpfs, where an fsync costs nothing, and
	mdevbench above ran with one there (this machine's \`/run\` is on its
	disk; mdevbench mounts a tmpfs on \`/run/mdevfs\` in its namespace).
	\`bench/state_cost.sh\` measures one writer's cycle (a Python loop, as
	mdevctl writes) with no state directory, with one on a tmpfs and with one
	on this machine's disk, three times each, interleaved:

	\`\`\`
	$(cat "$out/state_cost.txt")
	\`\`\`

	STATE
	cat <<-CPU0
	## The cycle on one CPU

	The same cycle section, run again with every process (driver, both
	daemons, their threads) on CPU 0 (\`taskset -c 0\`), so that no
	wake-up crosses CPUs; see "What the numbers say" for why this is shown.

	CPU0
	sed '1{/^## /d}' "$out/cpu0/results.md"
	cat "$here/bench/analysis.md"
} >"$doc"
echo "wrote $doc and docs/bench/*.png in $took s"
