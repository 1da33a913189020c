#!/bin/bash
# The benchmark command: mdevfs against its baseline (bench/baseline_fs.c,
# the plainest FUSE fs of the same path shape), in one run, as root.
#   bench/run.sh           builds a Release tree (build-rel/), runs
#                          mdevbench in a private mount and network namespace
#                          and writes docs/BENCHMARKS.md and docs/bench/*.png
#   bench/run.sh --quick   fewer rounds, no 100,000-device level; prints the
#                          tables and writes nothing (for trying changes)
#   ORACLE_DIR=DIR bench/run.sh
#                          also times the cycle on real kernel sysfs in the
#                          oracle VM of DIR (bench/kernel_cycle.sh; QEMU)
#   MDEVBENCH_ARGS=--read-devices=N  the readers at N devices, not 10,000
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
          libjson-glib-dev libcap-ng-dev libsystemd-dev scdoc python3
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
cores=$(nproc)
# Before the plots are written: they are part of the tree.
commit=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
start=$(date +%s)
# shellcheck disable=SC2086
unshare --mount --net --propagation private "$build/bench/mdevbench" "$out" $quick ${MDEVBENCH_ARGS:-}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
took=$(( $(date +%s) - start ))
if [ -n "$quick" ]; then
	cat "$out/results.md"
	echo "load average before: $load, after: $load_after; $cores cores"
	exit 0
fi
# What the cycle costs the kernel itself, in a VM (after the timed runs).
if [ -n "${ORACLE_DIR:-}" ]; then
	"$here/bench/kernel_cycle.sh" "$ORACLE_DIR" 2000 "$build/mdevfs" >"$out/kernel.txt"
else
	echo "not measured in this run (ORACLE_DIR unset)" >"$out/kernel.txt"
fi

mkdir -p "$here/docs/bench"
gnuplot -e "dat='$out'; png='$here/docs/bench'" "$here/bench/plots.gp"

doc=$here/docs/BENCHMARKS.md
{
	cat <<-HEAD
	# Benchmarks

	mdevfs measured against its baseline, [\`bench/baseline_fs.c\`](../bench/baseline_fs.c):
	the plainest low-level FUSE file system with mdevfs's paths
	(\`class/mdev_bus/<p>\` links, \`mdev_supported_types/<t>/create\`,
	\`bus/mdev/devices/<uuid>\` links, \`remove\`), written as libfuse's
	examples (hello_ll.c, passthrough_ll.c) are and with libfuse's defaults.
	It is **not** given mdevfs's choices: entries and attributes cached
	1.0 s for every node (directories and writable files too), one node per
	name, \`direct_io\` on the files and nothing else (no noflush, no
	parallel direct writes), no \`allow_other\`/\`default_permissions\`,
	\`fuse_session_loop_mt()\` with the default configuration, no
	invalidations (a removed device's dentry may be cached for up to 1 s).
	It keeps the live devices in a hash table and does nothing else: no
	vendor, no uevents, no crash records. A ratio of 1.00 is mdevfs costing
	what the cheapest FUSE design of the same shape costs. (Until issue 16
	the baseline was given mdevfs's own timeouts, node per lookup and
	options, which hid them; the ratios below are not comparable with older
	ones.)

	This file is written by \`bench/run.sh\`; do not edit it by hand
	(the text after the tables is in [\`bench/analysis.md\`](../bench/analysis.md)).
	Tests never assert timings. The machine is a shared, noisy VM: every
	comparison interleaves rounds of both sides, reports medians and
	ratios; absolute numbers are context only.

	## How this was made

	\`\`\`sh
	cmake -S . -B build && cmake --build build   # optional: run.sh builds its own tree
	sudo ORACLE_DIR=../shared/oracle bench/run.sh   # ORACLE_DIR optional (the kernel's cycle)
	\`\`\`

	It builds a Release tree in \`build-rel/\` (\`cmake -DCMAKE_BUILD_TYPE=Release\`),
	runs \`unshare --mount --net --propagation private build-rel/bench/mdevbench OUTDIR\`
	(the driver, [\`bench/mdevbench.c\`](../bench/mdevbench.c); it mounts
	mdevfs and the baseline on temporary directories in that namespace and
	unmounts them), then \`gnuplot bench/plots.gp\` for the plots, and with
	\`ORACLE_DIR\` [\`bench/kernel_cycle.sh\`](../bench/kernel_cycle.sh).
	\`bench/run.sh --quick\` is a shorter run that prints the tables only.

	| | |
	| --- | --- |
	| date | $(date -u '+%Y-%m-%d %H:%M UTC') |
	| machine | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $cores cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, shared with other work |
	| load average (1, 5, 15 min) | before the run: $load; after mdevbench: $load_after |
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
	cat <<-KERNEL
	## What the kernel itself costs (a VM)

	The same cycle (open/write/close of \`mtty-1/create\`, then of
	\`bus/mdev/devices/UUID/remove\`) on real kernel sysfs: Linux 6.1 with
	the mtty sample driver, booted in QEMU **under TCG** (every instruction
	emulated: much slower than bare metal, so only the ratio to mdevfs in
	the same VM carries over), by \`bench/kernel_cycle.sh ORACLE_DIR\`,
	which also times mdevfs (\`mdevfs run\`, default options, state
	directory in the VM's RAM) in the same VM with the same probe:

	\`\`\`
	$(cat "$out/kernel.txt")
	\`\`\`

	KERNEL
	cat "$here/bench/analysis.md"
} >"$doc"
echo "wrote $doc and docs/bench/*.png in $took s"
