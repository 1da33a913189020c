#!/bin/bash
# Permissions (docs/security.md): a real unprivileged user, made for the
# test in a private /etc, reads what sysfs lets others read and is refused
# everything else; the modes and owners are the kernel's; the control
# socket refuses it; no symlink leaves the tree; the daemon keeps only the
# capabilities it needs, and still works with them.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
user=mdevfs-perm
scratch=$(mktemp -d /tmp/mdevfs-perm-XXXXXX)
undo() {
	cleanup
	umount /etc 2>/dev/null
	umount "$scratch" 2>/dev/null
	rmdir "$scratch"
}
trap undo EXIT
cd /

# --- the user, in a private /etc ---------------------------------------
# An overlay on /etc whose upper layer is a tmpfs: useradd writes there,
# and the host's /etc, as the process that started us sees it, is
# untouched.
host_etc=/proc/$PPID/root/etc
etc_files=(passwd group shadow gshadow)
sums() { (cd "$1" && sha256sum "${etc_files[@]}"); }
before=$(sums "$host_etc")
mount -t tmpfs -o mode=0755 mdevfs-perm "$scratch" &&
	mkdir "$scratch/upper" "$scratch/work" "$scratch/log" &&
	mount -t overlay mdevfs-etc -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc ||
	{ echo "cannot make a private /etc"; exit 1; }
getent passwd "$user" >/dev/null && { echo "$user exists already"; exit 1; }
# -l: no lastlog/faillog records (in /var/log, outside the overlay).
useradd -l -M -U -s /usr/sbin/nologin "$user" || { echo "useradd failed"; exit 1; }
uid=$(id -u "$user")
expect_eq "the user exists here" "$(getent passwd "$user" | cut -d: -f1)" "$user"
expect_eq "the host's /etc is untouched" "$(sums "$host_etc")" "$before"
grep -q "^$user:" "$host_etc/passwd" && fail "the user is in the host's passwd" ||
	ok "the user is not in the host's passwd"
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; }
expect_eq "runs as the user" "$(as_user id -un)" "$user"
expect_eq "with no capability" "$(as_user grep CapEff /proc/self/status | cut -f2)" \
	0000000000000000
# The user may not be able to reach the build tree (a clone in /root).
install -m 0755 "$MDEVFS" "$scratch/mdevfs"

# --- the daemon ---------------------------------------------------------
new_mountpoint m
"$MDEVFS" -f "$m" 2>"$scratch/log/daemon.log" &
daemon=$!
wait_mounted "$m" || { echo "cannot mount"; exit 1; }
ctl() { "$MDEVFS" ctl -m "$m" "$@"; }
printf '[parent perm0]\nclass = perm\ndriver = perm\nbackend = sample\n%s\n%s\n' \
	'device_api = vfio-pci' 'pool = 4' >"$scratch/perm0.conf"
printf '[type perm0 a]\nname = perm-a\nrwattr.weight = 4\nattr.serial = S-{uuid}\n' \
	>>"$scratch/perm0.conf"
expect_eq "a parent with a writable vendor attribute" \
	"$(ctl register "$scratch/perm0.conf")" "registered perm0"
types=$m/class/mdev_bus
declare -A dev
for pt in mtty/mtty-2 mdpy/mdpy-vga mbochs/mbochs-small perm0/perm-a; do
	dev[$pt]=$(uuidgen)
	echo "${dev[$pt]}" >"$types/${pt%/*}/mdev_supported_types/${pt#*/}/create" ||
		fail "root creates on $pt"
done
u=${dev[mtty/mtty-2]}
p=${dev[perm0/perm-a]}
udir=$m/bus/mdev/devices/$u
pdir=$m/bus/mdev/devices/$p

# --- capabilities -------------------------------------------------------
# CAP_NET_ADMIN (12) for route U's multicast sends, CAP_SYS_ADMIN (21)
# for the final unmount: 0x201000.  Every thread, and nothing to inherit.
caps() { # PID [THREADS]: the capability lines of THREADS (default: all), one of each kind
	# shellcheck disable=SC2086 # no THREADS: the glob, every task
	cat /proc/"$1"/task/${2:-*}/status | grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' |
		sort -u | tr '\t' ' ' | xargs
}
want="CapAmb: 0000000000000000 CapBnd: 0000000000201000 CapEff: 0000000000201000"
want="$want CapInh: 0000000000000000 CapPrm: 0000000000201000 NoNewPrivs: 1"
expect_eq "the daemon's capabilities" "$(caps "$daemon")" "$want"
if command -v capsh >/dev/null; then
	expect_eq "decoded" "$(capsh --decode=0000000000201000 | cut -d= -f2)" \
		"cap_net_admin,cap_sys_admin"
fi
grep -q "capabilities kept: net_admin, sys_admin" "$scratch/log/daemon.log" &&
	ok "the daemon says which it kept" || fail "no 'capabilities kept' line"

# --- modes and owners, the kernel's -------------------------------------
# docs/kernel-mdev-abi: create, remove, bind, unbind, drivers_probe and the
# bus's and drivers' uevent 0200; a device's uevent, drivers_autoprobe,
# power/control and async, the group's type and a read-write vendor
# attribute 0644; the rest 0444; directories 0755, links 0777; all root's.
kernel_mode() { # TYPE PATH
	case "$1:$2" in
	d:*) echo 755 ;;
	l:*) echo 777 ;;
	f:bus/mdev/uevent | f:bus/mdev/drivers/*/uevent | f:module/*/uevent) echo 200 ;;
	f:module/*) echo 444 ;;
	f:*/create | f:*/remove | f:*/bind | f:*/unbind | f:*/drivers_probe) echo 200 ;;
	f:*/uevent | f:*/drivers_autoprobe | f:*/power/control | f:*/type) echo 644 ;;
	f:*/power/autosuspend_delay_ms | f:*/power/async | f:*/vendor/weight) echo 644 ;;
	f:*/name | f:*/description | f:*/available_instances | f:*/device_api) echo 444 ;;
	f:*/reserved_regions | f:*/power/runtime_* | f:devices/virtual/vfio/*/dev) echo 444 ;;
	f:*/vendor/sample_mdev_dev | f:*/vendor/resolution | f:*/vendor/memory) echo 444 ;;
	f:*/vendor/serial) echo 444 ;;
	*) echo "unknown" ;;
	esac
}
checked=0 wrong=0
while read -r type mode owner size path; do
	want=$(kernel_mode "$type" "$path")
	checked=$((checked + 1))
	wsize=0
	[ "$type" = f ] && wsize=4096
	if [ "$mode $owner $size" != "$want 0:0 $wsize" ]; then
		fail "$path: mode $mode owner $owner size $size, want $want 0:0 $wsize"
		wrong=$((wrong + 1))
	fi
done < <(cd "$m" && find . -mindepth 1 -printf '%y %m %U:%G %s %P\n')
[ "$checked" -gt 200 ] && ok "modes, owners and sizes of $checked entries ($wrong wrong)" ||
	fail "only $checked entries"
expect_eq "the root's mode and owner" "$(stat -c '%a %u:%g' "$m")" "755 0:0"

# --- what the user may read ---------------------------------------------
t=$types/mtty/mdev_supported_types/mtty-2
expect_eq "name" "$(as_user cat "$t/name")" "Dual port serial"
expect_eq "available_instances" "$(as_user cat "$t/available_instances")" 11
expect_eq "device_api" "$(as_user cat "$t/device_api")" vfio-pci
expect_eq "description" "$(as_user cat "$types/mbochs/mdev_supported_types/mbochs-small/description")" \
	"$(cat "$types/mbochs/mdev_supported_types/mbochs-small/description")"
expect_eq "a device's uevent" "$(as_user cat "$udir/uevent")" "DRIVER=mtty"
expect_eq "its mdev_type" "$(as_user readlink "$udir/mdev_type")" "../mdev_supported_types/mtty-2"
expect_eq "a read-only vendor attribute" "$(as_user cat "$pdir/vendor/serial")" "S-$p"
expect_eq "a writable one" "$(as_user cat "$pdir/vendor/weight")" 4
expect_eq "readdir" "$(as_user ls "$m/bus/mdev/devices" | wc -l)" 4

# --- what the user may not do -------------------------------------------
# open_errno FLAGS FILE [TEXT]: OK or the errno of the open or write.
open_errno() {
	as_user /usr/bin/python3 -c '
import errno, os, sys
try:
    fd = os.open(sys.argv[2], getattr(os, sys.argv[1]))
    if len(sys.argv) > 3:
        os.write(fd, sys.argv[3].encode())
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$@"
}
v=$(uuidgen)
expect_eq "create" "$(open_errno O_WRONLY "$t/create" "$v")" EACCES
expect_eq "nothing created" "$( [ -e "$m/bus/mdev/devices/$v" ] && echo yes || echo no)" no
expect_eq "count unchanged" "$(cat "$t/available_instances")" 11
expect_eq "remove" "$(open_errno O_WRONLY "$udir/remove" 1)" EACCES
expect_eq "still there" "$( [ -d "$udir" ] && echo yes || echo no)" yes
expect_eq "a writable vendor attribute" "$(open_errno O_WRONLY "$pdir/vendor/weight" 9)" EACCES
expect_eq "its value unchanged" "$(cat "$pdir/vendor/weight")" 4
expect_eq "uevent" "$(open_errno O_WRONLY "$udir/uevent" add)" EACCES
expect_eq "drivers_autoprobe" "$(open_errno O_WRONLY "$m/bus/mdev/drivers_autoprobe" 0)" EACCES
expect_eq "unbind" "$(open_errno O_WRONLY "$m/bus/mdev/drivers/mtty/unbind" "$u")" EACCES
expect_eq "read of create" "$(open_errno O_RDONLY "$t/create")" EACCES
expect_eq "O_RDWR" "$(open_errno O_RDWR "$t/name")" EACCES
expect_err "shell >" "Permission denied" as_user sh -c "echo $v >$t/create"
expect_err "chmod" "Operation not permitted" as_user chmod 666 "$t/create"
expect_err "touch" "Permission denied" as_user touch "$t/name"
expect_eq "root still may" "$(write_errno "$pdir/vendor/weight" 7)" OK

# The whole tree, every file, link and directory.
walk=$(as_user /usr/bin/python3 - "$m" <"$here/permissions-walk.py" 2>&1)
grep '^FAIL' <<<"$walk" | head -20
nfail=$(grep -c '^FAIL' <<<"$walk")
summary=$(grep '^walked' <<<"$walk")
[ "$nfail" -eq 0 ] && [ -n "$summary" ] && ok "$summary" ||
	fail "the walk: $nfail failures ${summary:-$walk}"
expect_eq "no device came or went" "$(names "$m/bus/mdev/devices")" \
	"$(printf '%s\n' "${dev[@]}" | sort | xargs)"

# --- .. stays in the tree -----------------------------------------------
expect_eq ".. of the root is the mountpoint's parent" \
	"$(stat -c %i "$m/..")" "$(stat -c %i "$(dirname "$m")")"
expect_eq "a device's .. chain ends at the root" \
	"$(stat -c %i "$udir/../../../../..")" "$(stat -c %i "$m")"
expect_eq "class/.. is the root" "$(stat -c %i "$m/class/..")" "$(stat -c %i "$m")"
for odd in "..." ".. " "$(printf 'x%.0s' {1..255})" "$(printf '\xff\xfe')"; do
	[ -e "$m/class/$odd" ] && fail "an odd name resolves: '$odd'" || ok "an odd name does not resolve"
done

# --- the control socket -------------------------------------------------
uctl() { as_user "$scratch/mdevfs" ctl -m "$m" "$@"; }
expect_err "ctl list" "permission denied: only root may control this mdevfs" uctl list
uctl list >/dev/null 2>&1
expect_eq "its exit status" $? 1
expect_err "ctl unregister" "permission denied" uctl unregister perm0
expect_err "ctl register" "permission denied" uctl register "$scratch/perm0.conf"
expect_err "ctl vanish" "permission denied" uctl vanish mtty
expect_eq "nothing changed" "$(ctl list | cut -d' ' -f1-2 | xargs)" \
	"mtty registered mdpy registered mbochs registered perm0 registered"
grep -q "ctl: refused a client of uid $uid" "$scratch/log/daemon.log" &&
	ok "the daemon logs the refusal" || fail "no refusal in the log"
expect_eq "root may" "$(ctl unregister perm0)" "unregistered perm0"

# --- it all still works: create, remove, callouts, stop -----------------
w=$(uuidgen)
echo "$w" >"$t/create" && echo 1 >"$m/bus/mdev/devices/$w/remove" &&
	ok "create and remove with the capabilities dropped" || fail "create and remove"
# A callout, run as root, gets no more than the daemon kept.
printf '#!/bin/sh
grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status >>%s
' \
	"$scratch/callout.caps" >"$scratch/callout.sh"
chmod 755 "$scratch/callout.sh"
printf '[parent co0]\nclass = co\ndriver = co\nbackend = callout\n%s\n%s\n[type co0 a]\n' \
	'device_api = vfio-pci' "callout = $scratch/callout.sh" >"$scratch/co0.conf"
ctl register "$scratch/co0.conf" >/dev/null && uuidgen >"$types/co0/mdev_supported_types/co-a/create" &&
	ok "a callout create" || fail "a callout create"
expect_eq "what the callout had" "$(sort -u "$scratch/callout.caps" | tr '\t' ' ' | xargs)" \
	"CapBnd: 0000000000201000 CapEff: 0000000000201000 NoNewPrivs: 1"
kill -TERM "$daemon"
wait "$daemon"
expect_eq "a clean stop on SIGTERM" $? 0
grep -q " $m fuse" /proc/mounts && fail "still mounted after SIGTERM" || ok "unmounted"
grep -q "failed to unmount" "$scratch/log/daemon.log" && fail "an unmount failed" ||
	ok "no failed unmount"

# Without netlink routes, only CAP_SYS_ADMIN (0x200000); and daemonized.
"$MDEVFS" --uevent=none "$m" || fail "daemonized mount"
d2=$(daemon_pid "$m")
want="CapAmb: 0000000000000000 CapBnd: 0000000000200000 CapEff: 0000000000200000"
want="$want CapInh: 0000000000000000 CapPrm: 0000000000200000 NoNewPrivs: 1"
# ThreadSanitizer's runtime starts a thread of its own in a forked child,
# before the drop (the daemon warns of it): there, the main thread only.
threads='*'
ldd "$MDEVFS" | grep -q libtsan && threads=$d2
expect_eq "--uevent=none, daemonized" "$(caps "$d2" "$threads")" "$want"
kill -TERM "$d2"
wait_gone "$d2" || fail "the daemon did not stop"
grep -q " $m fuse" /proc/mounts && fail "still mounted" || ok "unmounted again"

finish
