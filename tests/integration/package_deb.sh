#!/bin/bash
# The Debian packages (debian/, docs/packaging.md): built from a copy of
# the source tree with dpkg-buildpackage, checked with lintian (an error
# or a warning fails), unpacked into a scratch root with dpkg -x and run from there:
# mdevfs run -- mdevctl types serves the samples, and the example plugin
# of mdevfs-dev, built with its .pc file and installed where that says,
# is loaded by name.  Skips (77) only where dpkg-buildpackage is missing.
# Run inside `unshare -m -n`; MDEVFS_VERSION is the project's version.
: "${MDEVFS_VERSION:?set MDEVFS_VERSION to the project version}"
if ! command -v dpkg-buildpackage >/dev/null; then
	echo "SKIP: no dpkg-buildpackage (apt-get install debhelper dpkg-dev lintian fakeroot)"
	exit 77
fi
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/mdevfs-deb-XXXXXX)
root=$tmp/root
# lib.sh wants the binary under test: the one unpacked below.
MDEVFS=$root/usr/bin/mdevfs
. "$(dirname "$0")/lib.sh"
trap 'cleanup; rm -rf "$tmp"' EXIT

# --- build, from a copy: without VCS data and any CMake build tree -------
mkdir "$tmp/src"
tar -C "$src" --exclude-vcs --exclude=./.cache --exclude-tag-all=CMakeCache.txt -cf - . |
	tar -C "$tmp/src" -xf -
(cd "$tmp/src" && find . | sort) >"$tmp/before"
# nocheck: the project's tests are not built into the package (debian/rules)
if (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage"
	finish
fi
arch=$(dpkg --print-architecture)
deb=$tmp/mdevfs_${MDEVFS_VERSION}_$arch.deb
dev=$tmp/mdevfs-dev_${MDEVFS_VERSION}_$arch.deb
lib=$tmp/libmdevfs-testbed0_${MDEVFS_VERSION}_$arch.deb
[ -f "$deb" ] && [ -f "$dev" ] && [ -f "$lib" ] &&
	ok "mdevfs, mdevfs-dev and libmdevfs-testbed0 $MDEVFS_VERSION built" ||
	{ ls "$tmp"; fail "no ${deb##*/}, ${dev##*/} or ${lib##*/}: debian/changelog's version is not $MDEVFS_VERSION?"; finish; }
# What the build makes is under debian/ (debian/.gitignore), and clean
# takes it away.
expect_eq "the build writes only under debian/ (the packages go to ..)" \
	"$(cd "$tmp/src" && find . | sort | comm -13 "$tmp/before" - | grep -v '^\./debian/' | xargs)" ""
(cd "$tmp/src" && debian/rules clean) >>"$tmp/build.log" 2>&1
expect_eq "debian/rules clean leaves the tree as it was" \
	"$(cd "$tmp/src" && find . | sort | diff "$tmp/before" - | grep '^[<>]' | xargs)" ""

# --- lintian: no error and no warning; what else it says is shown -------
if lintian --fail-on error,warning "$tmp/mdevfs_${MDEVFS_VERSION}_$arch.changes" >"$tmp/lintian.log" 2>&1; then
	ok "lintian: no errors, no warnings"
else
	fail "lintian"
fi
grep -v "root privileges" "$tmp/lintian.log" | sed 's/^/lintian: /'

# --- what the packages hold ----------------------------------------------
dpkg -x "$deb" "$root" && dpkg -x "$dev" "$root" && dpkg -x "$lib" "$root" &&
	ok "dpkg -x into a scratch root" ||
	{ fail "dpkg -x"; finish; }
dpkg -c "$deb" | awk '{print $6}' >"$tmp/mdevfs.list"
dpkg -c "$dev" | awk '{print $6}' >"$tmp/mdevfs-dev.list"
dpkg -c "$lib" | awk '{print $6}' >"$tmp/libmdevfs-testbed0.list"
expect_eq "Depends: fuse3 (fusermount3) beside the libraries" \
	"$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | awk '{print $1}' |
		grep -xE 'fuse3|libfuse3-[0-9]+|libc6' | sort | xargs)" "fuse3 libc6 libfuse3-3"
expect_eq "nothing in /usr/local" "$(cat "$tmp"/*.list | grep -c '^\./usr/local')" 0
for f in mdevfs:usr/bin/mdevfs mdevfs:usr/share/doc/mdevfs/copyright \
	mdevfs:usr/share/doc/mdevfs/examples/samples.conf \
	mdevfs-dev:usr/include/mdevfs/backend.h \
	mdevfs-dev:usr/include/mdevfs/testbed.h \
	mdevfs-dev:usr/lib/python3/dist-packages/mdevfs_testbed/__init__.py \
	mdevfs-dev:usr/share/doc/mdevfs-dev/examples/plugin/ring.c; do
	grep -qx "\./${f#*:}" "$tmp/${f%%:*}.list" && ok "${f#*:} in ${f%%:*}" ||
		fail "${f#*:} not in ${f%%:*}"
done
pc=$(grep -x '\./usr/lib/.*/pkgconfig/mdevfs-backend\.pc' "$tmp/mdevfs-dev.list")
[ -n "$pc" ] && ok "mdevfs-backend.pc in mdevfs-dev" || fail "no mdevfs-backend.pc in mdevfs-dev"
# The testbed's library in the package named for its soname, its link for
# the linker in -dev.
expect_eq "libmdevfs-testbed.so.0 in libmdevfs-testbed0, libmdevfs-testbed.so in mdevfs-dev" \
	"$(grep -c '/libmdevfs-testbed\.so\.0' "$tmp/libmdevfs-testbed0.list") $(grep -c '/libmdevfs-testbed\.so' "$tmp/mdevfs-dev.list")" "2 1"
libdir=${pc%/pkgconfig/*}
libdir=${libdir#.}
# The callout example names the script where the package installs it.
callout=$(sed -n 's/^callout = //p' "$root/usr/share/doc/mdevfs/examples/callout/nvidia-sriov.conf")
[ -x "$root$callout" ] && ok "the callout example's script is installed: $callout" ||
	fail "callout = $callout: not in the package"

# --- the unpacked mdevfs -------------------------------------------------
out=$("$MDEVFS" run -- mdevctl types 2>&1)
expect_eq "mdevfs run -- mdevctl types: the samples' parents and types" \
	"$(grep -E '^ *(mbochs|mdpy|mtty)' <<<"$out" | xargs)" \
	"mbochs mbochs-large mbochs-medium mbochs-small mdpy mdpy-hd mdpy-vga mdpy-xga mtty mtty-1 mtty-2"

# The example plugin, built with the unpacked .pc and installed into the
# plugindir it names, which the unpacked mdevfs loads plugin:ring from.
cp -r "$root/usr/share/doc/mdevfs-dev/examples/plugin" "$tmp/ring"
export PKG_CONFIG_PATH=$root$libdir/pkgconfig
make -C "$tmp/ring" CFLAGS="-O2 -Werror=implicit-function-declaration" install \
	>"$tmp/make.log" 2>&1 && ok "make install of the example plugin" ||
	{ cat "$tmp/make.log"; fail "make install of the example plugin"; }
expect_eq "installed into the unpacked plugin directory" \
	"$(find "$root" -name ring.so | sed "s|^$root||")" "$libdir/mdevfs/backends/ring.so"
sed 's|plugin:./ring.so|plugin:ring|' "$tmp/ring/ring.conf" >"$tmp/byname.conf"
out=$(env -u MDEVFS_PLUGIN_DIR "$MDEVFS" run -c "$tmp/byname.conf" -- mdevctl types 2>&1)
expect_eq "mdevfs run -c plugin:ring -- mdevctl types" "$(grep -E '^ *ring' <<<"$out" | xargs)" \
	"ring0 ring-1 ring-4"
finish
