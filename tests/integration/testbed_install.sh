#!/bin/bash
# libmdevfs-testbed and the Python module as a user of them gets them:
# `cmake --install` into a prefix, the C example of examples/testbed built
# out of tree against mdevfs-testbed.pc and run as nobody, the pytest
# example run as nobody with the fixture found through the installed
# entry point alone (no -p).  Run inside `unshare -m -n`.  MDEVFS names the
# binary, MDEVFS_BUILD its build directory, CC and CMAKE the tools,
# PLUGIN_CFLAGS those of a sanitizer build.
. "$(dirname "$0")/lib.sh"
: "${MDEVFS_BUILD:?set MDEVFS_BUILD to the build directory}"
CMAKE=${CMAKE:-cmake}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/mdevfs-testbed-XXXXXX)
trap 'cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
# As nobody, with the checkout (and the build, MDEVFS, in it) reachable
# wherever it lies.
as_nobody() { bash "$src/tests/integration/as_nobody.sh" "$src" "$@"; }

prefix=$tmp/prefix
"$CMAKE" --install "$MDEVFS_BUILD" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; echo "cmake --install failed"; exit 1; }
pc=$(find "$prefix" -name mdevfs-testbed.pc)
[ -n "$pc" ] && ok "mdevfs-testbed.pc installed" || { fail "no mdevfs-testbed.pc"; exit 1; }
export PKG_CONFIG_PATH=${pc%/*}
expect_eq "libs" "$(pkg-config --libs-only-l mdevfs-testbed | xargs -n1 | grep -x -- -lmdevfs-testbed)" "-lmdevfs-testbed"
[ -f "$prefix/include/mdevfs/testbed.h" ] && ok "testbed.h installed" || fail "no testbed.h"
expect_eq "the library exports its API only" \
	"$(nm -D --defined-only "$prefix"/lib*/libmdevfs-testbed.so | awk '$2 == "T" && $3 !~ /^mdev_testbed_/' | wc -l)" 0

# The C example, as its CMakeLists.txt says to build it.
# PLUGIN_CFLAGS: a sanitizer build's library needs its runtime in the test.
"$CMAKE" -S "$src/examples/testbed" -B "$tmp/c" -DCMAKE_C_COMPILER="${CC:-cc}" \
	-DCMAKE_C_FLAGS="${PLUGIN_CFLAGS:-}" -DCMAKE_EXE_LINKER_FLAGS="${PLUGIN_CFLAGS:-}" \
	>"$tmp/c.log" 2>&1 && "$CMAKE" --build "$tmp/c" >>"$tmp/c.log" 2>&1 &&
	ok "the C example builds against the installed library" ||
	{ cat "$tmp/c.log"; fail "the C example"; exit 1; }
libdir=$(pkg-config --variable=libdir mdevfs-testbed)
as_nobody env LD_LIBRARY_PATH="$libdir" MDEVFS="$MDEVFS" "$tmp/c/test_vgpu_tool" \
	>"$tmp/c.out" 2>&1 && ok "the C example passes as nobody" ||
	fail "the C example: $(cat "$tmp/c.out")"

# The pytest example: its fixture from the installed entry point.
pydir=$(dirname "$(find "$prefix" -type d -name mdevfs_testbed)")
compgen -G "$pydir/mdevfs_testbed-*.dist-info/entry_points.txt" >/dev/null &&
	ok "the module and its dist-info installed" || fail "no dist-info in $pydir"
cp "$src/examples/testbed/test_example.py" "$tmp/"
(cd "$tmp" && as_nobody env PYTHONPATH="$pydir" MDEVFS="$MDEVFS" \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider test_example.py \
	>"$tmp/py.out" 2>&1) && ok "the pytest example passes as nobody" ||
	fail "the pytest example: $(cat "$tmp/py.out")"
grep -q "1 passed" "$tmp/py.out" && ok "it ran" || fail "it did not run: $(cat "$tmp/py.out")"
finish
