#!/bin/bash
# Backends as plugins, the way a vendor ships one: mdevfs installed into a
# prefix with `cmake --install`, examples/plugin built out of tree against
# the installed header and mdevfs-backend.pc, loaded by path and by name,
# driven through the mount and `mdevfs ctl`; then plugins that must be
# refused, each a one-line config error naming file, line and key.
# Run inside `unshare -m -n`.  MDEVFS names the binary, MDEVFS_BUILD its
# build directory; PLUGIN_CFLAGS (the daemon's sanitizer flags) go into
# every plugin built here, CC and CMAKE name the tools.
. "$(dirname "$0")/lib.sh"
: "${MDEVFS_BUILD:?set MDEVFS_BUILD to the build directory}"
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}
PLUGIN_CFLAGS=${PLUGIN_CFLAGS:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/mdevfs-plugin-XXXXXX)
trap 'cleanup; rm -rf "$tmp"' EXIT

# --- the installed tree --------------------------------------------------
prefix=$tmp/prefix
"$CMAKE" --install "$MDEVFS_BUILD" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; echo "cmake --install failed"; exit 1; }
pc=$(find "$prefix" -name mdevfs-backend.pc)
[ -n "$pc" ] && ok "mdevfs-backend.pc installed" || { fail "no mdevfs-backend.pc"; exit 1; }
export PKG_CONFIG_PATH=${pc%/*}
inc=$(pkg-config --cflags mdevfs-backend | xargs)
expect_eq "Cflags: the installed include directory" \
	"$(realpath "${inc#-I}")" "$(realpath "$prefix/include")"
[ -f "$prefix/include/mdevfs/backend.h" ] && ok "backend.h installed" || fail "no backend.h"
plugindir=$(pkg-config --variable=plugindir mdevfs-backend)
[ -d "$plugindir" ] && ok "plugin directory created" || fail "no $plugindir"
[[ "$(realpath "$plugindir")" == "$(realpath "$prefix")"/* ]] &&
	ok "plugindir is in the prefix" || fail "plugindir $plugindir"

# The mdevfs executable exports the backend API, and nothing else of its own.
api=$(grep -o 'mdevfs_[a-z_]*(' "$src/include/mdevfs/backend.h" | tr -d '(' |
	grep -vx mdevfs_backend_entry | sort -u | xargs)
expect_eq "mdevfs exports the API of backend.h" \
	"$(nm -D --defined-only "$MDEVFS" | awk '$3 ~ /^mdevfs_/ {print $3}' | sort | xargs)" "$api"
expect_eq "mdevfs exports no other function" \
	"$(nm -D --defined-only "$MDEVFS" | awk '$2 == "T" && $3 !~ /^(mdevfs_|__)/' | wc -l)" 0

# --- examples/plugin, built out of tree with its Makefile ----------------
mkdir "$tmp/ring" "$tmp/ring-cmake"
cp "$src/examples/plugin/"{ring.c,ring.conf,Makefile} "$tmp/ring"
# -Werror=implicit-function-declaration: GCC 14's default, on any GCC.
strict="-Werror=implicit-function-declaration"
make -C "$tmp/ring" CC="$CC" CFLAGS="-O2 -g $strict $PLUGIN_CFLAGS" \
	LDFLAGS="$PLUGIN_CFLAGS" >"$tmp/make.log" 2>&1 &&
	ok "make against the installed tree" ||
	{ cat "$tmp/make.log"; fail "make"; exit 1; }
expect_eq "ring.so exports only its entry point" \
	"$(nm -D --defined-only "$tmp/ring/ring.so" | awk '$3 !~ /^_/ {print $3}' | xargs)" \
	mdevfs_backend_entry
make -C "$tmp/ring" install >>"$tmp/make.log" 2>&1 && [ -f "$plugindir/ring.so" ] &&
	ok "make install into plugindir" || fail "make install"
# and with its CMakeLists.txt
cp "$src/examples/plugin/"{ring.c,CMakeLists.txt} "$tmp/ring-cmake"
"$CMAKE" -S "$tmp/ring-cmake" -B "$tmp/ring-cmake/build" -DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_C_FLAGS="$strict $PLUGIN_CFLAGS" -DCMAKE_MODULE_LINKER_FLAGS="$PLUGIN_CFLAGS" \
	>"$tmp/cmake.log" 2>&1 && "$CMAKE" --build "$tmp/ring-cmake/build" >>"$tmp/cmake.log" 2>&1 &&
	expect_eq "cmake: ring.so exports only its entry point" \
		"$(nm -D --defined-only "$tmp/ring-cmake/build/ring.so" | awk '$3 !~ /^_/ {print $3}' | xargs)" \
		mdevfs_backend_entry ||
	{ cat "$tmp/cmake.log"; fail "cmake build of examples/plugin"; }

# --- by path: examples/plugin/ring.conf's plugin:./ring.so ----------------
new_mountpoint m
# In the foreground, so its exit status and what the sanitizers say count.
"$MDEVFS" -f -c "$tmp/ring/ring.conf" "$m" 2>"$tmp/daemon.log" &
daemon=$!
wait_mounted "$m" || { cat "$tmp/daemon.log"; echo "cannot mount"; exit 1; }
ctl() { "$MDEVFS" ctl -m "$m" "$@"; }
t=$m/class/mdev_bus/ring0/mdev_supported_types
avail() { echo "$(cat "$t/ring-1/available_instances") $(cat "$t/ring-4/available_instances")"; }
expect_eq "the plugin's types" "$(names "$t")" "ring-1 ring-4"
expect_eq "type name" "$(cat "$t/ring-4/name")" "ring-4"
expect_eq "available_instances: 8 slots" "$(avail)" "8 2"
u1=$(uuidgen) u2=$(uuidgen) u3=$(uuidgen) u4=$(uuidgen)
d=$m/bus/mdev/devices
echo "$u1" >"$t/ring-4/create" && ok "create a 4-slot device" || fail "create ring-4"
echo "$u2" >"$t/ring-1/create" && ok "create a 1-slot device" || fail "create ring-1"
expect_eq "available_instances after two" "$(avail)" "3 0"
expect_eq "read-only attribute" "$(cat "$d/$u1/vendor/slots") / $(cat "$d/$u2/vendor/slots")" "0 1 2 3 / 4"
expect_eq "its mode" "$(stat -c %a "$d/$u1/vendor/slots")" 444
expect_err "out of slots: the probe's ENOSPC" "No space left on device" \
	bash -c "echo $u3 >'$t/ring-4/create'"
[ -e "$d/$u3" ] && fail "a failed create left $u3" || ok "a failed create leaves nothing"
expect_eq "writable attribute: the type's label" "$(cat "$d/$u1/vendor/label")" "large"
echo hello >"$d/$u1/vendor/label" && expect_eq "label stored" "$(cat "$d/$u1/vendor/label")" hello
expect_err "label too long: EINVAL" "Invalid argument" \
	bash -c "printf '%070d' 0 >'$d/$u1/vendor/label'"
expect_eq "label unchanged" "$(cat "$d/$u1/vendor/label")" hello
echo 1 >"$d/$u1/remove" && ok "remove" || fail "remove"
expect_eq "available_instances after the remove" "$(avail)" "7 1"
echo "$u4" >"$t/ring-1/create"
expect_eq "round the ring: a freed slot is reused last" "$(cat "$d/$u4/vendor/slots")" 5
expect_eq "ctl list: the plugin's parent_status" "$(ctl list | grep '^ring0 ' | cut -d' ' -f4-)" \
	"mdevs=2 slots=2/8 probes=4 removes=1"
# A remove of a device in use: the plugin's request() is asked.
"$MDEVFS" ctl -m "$m" hold "$u2" >"$tmp/hold.out" &
holder=$!
for _ in $(seq 100); do grep -q holding "$tmp/hold.out" && break; sleep 0.02; done
(echo 1 >"$d/$u2/remove") &
remover=$!
for _ in $(seq 100); do grep -q "ring: $u2: request 0" "$tmp/daemon.log" && break; sleep 0.02; done
expect_eq "request() called" "$(grep -c "ring: $u2: request 0 to release it" "$tmp/daemon.log")" 1
kill -INT "$holder"
wait "$holder"
wait "$remover"
[ -e "$d/$u2" ] && fail "held device not removed" || ok "held device removed once let go"

# --- ctl register: the same file again, and the in-tree build ------------
printf '[parent ring1]\nclass = ring\ndriver = ring\nbackend = plugin:./ring.so\nslots = 4\n[type ring1 1]\ndevice_api = vfio-pci\n' \
	>"$tmp/ring/ring1.conf"
expect_eq "register, relative FILE and plugin path" \
	"$(cd "$tmp/ring" && ctl register ring1.conf)" "registered ring1"
sed 's/ring1/ring2/g; s|plugin:./ring.so|plugin:'"$MDEVFS_BUILD"'/plugins/ring.so|' \
	"$tmp/ring/ring1.conf" >"$tmp/ring2.conf"
expect_eq "register, another build by absolute path" "$(ctl register "$tmp/ring2.conf")" \
	"registered ring2"
uuidgen >"$m/class/mdev_bus/ring2/mdev_supported_types/ring-1/create"
expect_eq "each parent its own ring" "$(ctl list | grep '^ring[12] ' | cut -d' ' -f1,5 | xargs)" \
	"ring1 slots=0/4 ring2 slots=1/4"
expect_eq "unregister" "$(ctl unregister ring1 ring2 | xargs)" "unregistered ring1 unregistered ring2"
expect_eq "register again" "$(ctl register "$tmp/ring/ring1.conf")" "registered ring1"
expect_eq "a new parent, a new ring" "$(ctl list | grep '^ring1 ' | cut -d' ' -f5-)" \
	"slots=0/4 probes=0 removes=0"
sed -i 's/slots = 4/slots = 0/' "$tmp/ring/ring1.conf"
expect_err "register: the plugin's own config error" \
	"$tmp/ring/ring1.conf:5: [parent ring1] slots: must be at least 1" ctl register "$tmp/ring/ring1.conf"
fusermount3 -u "$m"
wait "$daemon"
expect_eq "daemon exit status" "$?" 0
expect_eq "no sanitizer report" "$(grep -c Sanitizer "$tmp/daemon.log")" 0
grep -A20 Sanitizer "$tmp/daemon.log" | head -40

# --- by name: plugin:ring where make install put it, the installed mdevfs -
# No MDEVFS_PLUGIN_DIR: the installed mdevfs looks in the plugindir of the
# installed .pc, in the prefix given to cmake --install, not the build's.
sed 's|plugin:./ring.so|plugin:nope|' "$tmp/ring/ring.conf" >"$tmp/nope.conf"
expect_err "the installed mdevfs's plugin directory is the .pc file's" \
	"(the plugin directory is $(realpath "$plugindir"); MDEVFS_PLUGIN_DIR sets another)" \
	env -u MDEVFS_PLUGIN_DIR "$prefix/bin/mdevfs" --check -c "$tmp/nope.conf"
sed 's|plugin:./ring.so|plugin:ring|' "$tmp/ring/ring.conf" >"$tmp/byname.conf"
new_mountpoint m
env -u MDEVFS_PLUGIN_DIR "$prefix/bin/mdevfs" -f -c "$tmp/byname.conf" "$m" 2>"$tmp/daemon.log" &
daemon=$!
wait_mounted "$m" || { cat "$tmp/daemon.log"; echo "cannot mount"; exit 1; }
u=$(uuidgen)
echo "$u" >"$m/class/mdev_bus/ring0/mdev_supported_types/ring-4/create" &&
	expect_eq "plugin:NAME: create, attribute" "$(cat "$m/bus/mdev/devices/$u/vendor/slots")" "0 1 2 3" ||
	fail "plugin:NAME: create"
expect_eq "plugin:NAME: available_instances" \
	"$(cat "$m/class/mdev_bus/ring0/mdev_supported_types/ring-1/available_instances")" 4
fusermount3 -u "$m"
wait "$daemon"
expect_eq "daemon exit status" "$?" 0
expect_eq "no sanitizer report" "$(grep -c Sanitizer "$tmp/daemon.log")" 0

# --- plugins to refuse ----------------------------------------------------
# One source, a variant per -D: no entry point, a table of another ABI, too
# small, from a newer header with a hook set or left NULL, no probe, an
# API function this mdevfs lacks, an attribute without attr_show().
cat >"$tmp/bad.c" <<'EOF'
#include <mdevfs/backend.h>
#ifndef ABI
#define ABI MDEVFS_BACKEND_ABI
#endif
#ifndef SIZE
#define SIZE sizeof(struct mdevfs_backend)
#endif
#ifndef NEWER
#define NEWER 0
#endif
#ifdef UNDEFINED
void mdevfs_no_such_function(void);
#endif
static int bad_probe(struct mdevfs_device *dev)
{
	(void)dev;
#ifdef UNDEFINED
	mdevfs_no_such_function();
#endif
	return 0;
}
static void bad_remove(struct mdevfs_device *dev) { (void)dev; }
#ifdef ATTR
/* declares an attribute it has no attr_show() for */
static int bad_type_init(struct mdevfs_type *type, struct mdevfs_settings *s)
{
	(void)s;
	return mdevfs_type_add_attr(type, "x", 0444) < 0 ? -22 : 0;
}
#endif
#ifdef NO_ENTRY
__attribute__((visibility("default"))) int mdevfs_backend_entri;
#else
/* A table as a newer header might have it: one more hook at the end. */
static const struct { struct mdevfs_backend b; void (*newer_hook)(void); } table = {
	{ .abi = ABI, .struct_size = SIZE, .name = "bad",
#ifndef NO_PROBE
	  .probe = bad_probe,
#endif
#ifdef ATTR
	  .type_init = bad_type_init,
#endif
	  .remove = bad_remove },
	(void (*)(void))NEWER,
};
const struct mdevfs_backend *mdevfs_backend_entry(uint32_t host_abi)
{
	(void)host_abi;
	return &table.b;
}
#endif
EOF
# The sizes of the tables, as the compiler lays them out.
printf '%s\n' '#include <stdio.h>' '#include <stddef.h>' '#include <mdevfs/backend.h>' \
	'struct newer { struct mdevfs_backend b; void (*newer_hook)(void); };' \
	'int main(void) { printf("%zu %zu %zu %zu\n", sizeof(struct mdevfs_backend),' \
	'	offsetof(struct mdevfs_backend, remove) + sizeof(void *),' \
	'	sizeof(struct newer), _Alignof(struct mdevfs_backend)); return 0; }' >"$tmp/sizes.c"
# shellcheck disable=SC2086
"$CC" $PLUGIN_CFLAGS -I"$prefix/include" -o "$tmp/sizes" "$tmp/sizes.c" || fail "sizes"
read -r host_size min_size newer_size align < <("$tmp/sizes")

conf() { # NAME: NAME.conf, a parent of plugin ./NAME.so (backend on line 4)
	printf '[parent bad]\nclass = bad\ndriver = bad\nbackend = plugin:./%s.so\ndevice_api = vfio-pci\nmax_instances = 4\n[type bad a]\n' \
		"$1" >"$tmp/$1.conf"
}
bad() { # NAME CFLAGS...: NAME.so from bad.c, and NAME.conf
	local name=$1
	shift
	# shellcheck disable=SC2086
	"$CC" -shared -fPIC $PLUGIN_CFLAGS -I"$prefix/include" "$@" -o "$tmp/$name.so" "$tmp/bad.c" ||
		fail "build $name.so"
	conf "$name"
}
# refused NAME 'message': mdevfs -c NAME.conf fails with
# "NAME.conf:4: [parent bad] backend: message", that line only, and mounts
# nothing.
refused() {
	local name=$1 want=$2 out rc
	new_mountpoint m
	out=$("$MDEVFS" -c "$tmp/$name.conf" "$m" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ "$out" = "mdevfs: $tmp/$name.conf:4: [parent bad] backend: $want" ]; then
		ok "refused: $name"
	else
		fail "refused: $name: rc=$rc, output '$out', wanted '...backend: $want'"
	fi
	mountpoint -q "$m" && fail "$name: mounted anyway" || ok "$name: nothing mounted"
}
conf missing
refused missing "$tmp/./missing.so: No such file or directory"
seq 100 >"$tmp/notelf.so" # text, longer than an ELF header
conf notelf
refused notelf "$tmp/notelf.so: invalid ELF header"
bad noentry -DNO_ENTRY
refused noentry "$tmp/noentry.so: no mdevfs_backend_entry(): not an mdevfs plugin (see MDEVFS_BACKEND_REGISTER)"
bad abi -DABI=99
refused abi "$tmp/abi.so: built for backend ABI 99, this mdevfs has ABI 1: rebuild it with this mdevfs's <mdevfs/backend.h>"
bad small -DSIZE=$((min_size - align))
refused small "$tmp/small.so: struct_size $((min_size - align)) is not the size of a struct mdevfs_backend (at least $min_size, a multiple of $align)"
bad odd -DSIZE=$((host_size - 1))
refused odd "$tmp/odd.so: struct_size $((host_size - 1)) is not the size of a struct mdevfs_backend (at least $min_size, a multiple of $align)"
bad newer -DSIZE='sizeof(table)' -DNEWER=1
refused newer "$tmp/newer.so: built for a newer mdevfs: it sets hooks this one does not know (struct_size $newer_size > $host_size)"
bad noprobe -DNO_PROBE
refused noprobe "$tmp/noprobe.so: backend 'bad' lacks the mandatory hook probe()"
bad undefined -DUNDEFINED
refused undefined "$tmp/undefined.so: undefined symbol: mdevfs_no_such_function"
bad attr -DATTR
expect_err "an attribute without attr_show()" \
	"$tmp/attr.conf:7: [type bad a]: backend 'bad' declares attribute 'x' without attr_show()" \
	"$MDEVFS" --check -c "$tmp/attr.conf"

# Accepted: a newer plugin that leaves the hook this mdevfs lacks NULL, and
# an older one whose table ends at remove().
bad newer-null -DSIZE='sizeof(table)'
"$MDEVFS" --check -c "$tmp/newer-null.conf" >/dev/null && ok "newer plugin, unknown hooks NULL: loads" ||
	fail "newer plugin with NULL hooks refused"
bad older -DSIZE="$min_size"
new_mountpoint m
"$MDEVFS" -c "$tmp/older.conf" "$m" && ok "older plugin (table up to remove()): mounts" ||
	fail "older plugin refused"
u=$(uuidgen)
echo "$u" >"$m/class/mdev_bus/bad/mdev_supported_types/bad-a/create" &&
	echo 1 >"$m/bus/mdev/devices/$u/remove" && ok "older plugin: create and remove" ||
	fail "older plugin: create and remove"
expect_eq "older plugin: no parent_status" "$("$MDEVFS" ctl -m "$m" list | grep '^bad ' | cut -d' ' -f4-)" "mdevs=0"
fusermount3 -u "$m"

# Through ctl register too, and with plugin:NAME in the daemon's directory.
new_mountpoint m
MDEVFS_PLUGIN_DIR=$tmp/nowhere "$MDEVFS" "$m"
printf '[parent bad]\nclass = bad\ndriver = bad\nbackend = plugin:nope\n' >"$tmp/byname.conf"
expect_err "ctl register: plugin:NAME missing" \
	"$tmp/byname.conf:4: [parent bad] backend: $tmp/nowhere/nope.so: No such file or directory (the plugin directory is $tmp/nowhere; MDEVFS_PLUGIN_DIR sets another)" \
	"$MDEVFS" ctl -m "$m" register "$tmp/byname.conf"
expect_err "ctl register: ABI mismatch" "$tmp/abi.conf:4: [parent bad] backend: $tmp/abi.so: built for backend ABI 99" \
	"$MDEVFS" ctl -m "$m" register "$tmp/abi.conf"
expect_err "ctl register -: relative path" \
	"-:4: [parent bad] backend: './abi.so' is relative, but the configuration is not a file" \
	"$MDEVFS" ctl -m "$m" register - <"$tmp/abi.conf"
expect_eq "nothing registered" "$(names "$m/class/mdev_bus")" "mbochs mdpy mtty"
fusermount3 -u "$m"
finish
