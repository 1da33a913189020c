#!/bin/bash
# Static checks the code is held to: cppcheck and clang-tidy (.clang-tidy),
# no warnings allowed.  Usage: tests/lint.sh BUILD_DIR (with
# compile_commands.json, which CMake writes).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: $0 BUILD_DIR}
files=$(git ls-files 'src/*.c' 'fs/*.c' 'backends/*.c' 'tests/*.c' 'examples/*.c' 'bench/*.c' 2>/dev/null ||
	find src fs backends tests examples bench -name '*.c')

# unusedStructMember: wire formats (netlink headers) are written, not read.
cppcheck --enable=warning,style,performance,portability --std=c11 \
	--inline-suppr --quiet --error-exitcode=1 \
	--suppress=unusedStructMember:fs/daemon/uevent_netlink.c \
	--suppress=missingIncludeSystem -I include -I src/include -I src -I src/util \
	-I backends -I fs/fuse -I fs/daemon -I fs/cli \
	-D_GNU_SOURCE -DFUSE_USE_VERSION=314 -DMDEVFS_VERSION='"lint"' -DMDEVFS_PLUGINDIR='"lint"' $files
echo "cppcheck: clean"
rc=0
# shellcheck disable=SC2086
out=$(clang-tidy -p "$build" --quiet $files 2>&1) || rc=$?
grep -v "warnings generated" <<<"$out" || true
[ "$rc" -eq 0 ] || exit "$rc"
echo "clang-tidy: clean"
