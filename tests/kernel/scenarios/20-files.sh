#!/bin/sh
# Every file operation on each kind of node, with its errno: opens and
# their flags as root (0200 and 0444 refuse even root), reads in pieces
# and after lseek, the calls sysfs refuses, xattrs, and what a user that
# is not root gets (abi checklist 5, 6, 9-13; §1.4).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U=20000000-0000-4000-8000-000000000001
D=$MT/$U
mk "$T1" "$U"
RO=$T1/available_instances
WO=$T1/create
RW=$D/uevent
NODES="$RO $WO $RW $D/remove $D/power/control $D/power/runtime_status
$D/vendor/sample_mdev_dev $S/bus/mdev/drivers_autoprobe $S/bus/mdev/drivers_probe
$T1 $D $D/power $S/class/mdev_bus $S/class/mdev_bus/mtty $D/mdev_type $D/driver
$S/bus/mdev/devices/$U"

section "stat and access"
for n in $NODES; do
	op "$n" stat lstat access:f access:r access:w access:x readlink
	op "$n" statfs
done

section "open flags"
for n in $NODES; do
	for f in r w rw r+creat w+creat w+trunc w+append r+dir r+nofollow \
		w+creat+excl r+direct path r+nonblock; do
		op "$n" "open:$f" close
	done
done

section "reads"
op "$RO" open:r bytes seek:0 read:4096 read:4096
op "$RO" open:r read:1 read:4096 read:4096 seekcur:-1 read:4096
op "$RO" open:r pread:4096:0 pread:4096:1 pread:4096:3 pread:4096:4096 read:4096
op "$RO" open:r seekend:0 read:4096 seek:4096 read:4096 seek:5000 read:4096 seekend:-4096 read:4096
op "$RO" open:r seek:-1 read:4096
op "$RW" open:r read:2 read:4096 seek:0 read:4096
op "$D/vendor/sample_mdev_dev" open:r bytes
op "$T1" open:r read:10 seek:0 seekend:0
op "$WO" open:w read:10 write: write:x

section "other calls on an open file"
for n in $RO $RW $WO $T1 $D/power; do
	for f in r w; do
		op "$n" "open:$f" fstat flock setlk fallocate ftruncate:0 fionread
		op "$n" "open:$f" fsync fdatasync
		op "$n" "open:$f" poll
	done
	op "$n" open:r mmap:shared
	op "$n" open:r mmap:private
done

section "changing the tree"
for n in $T1 $D $S/class/mdev_bus; do
	op "$n/new" mkdir
	op "$n/new" open:w+creat
	op "$n/new" mknod:reg mknod:fifo mknod:chr
	op "$n/new" symlink:target
done
for n in $RO $WO $D/power $T1/devices $S/class/mdev_bus/mtty $D/driver; do
	op "$n" unlink rmdir rename:"$n.x" renamex:"$n.x" link:"$n.x"
	op "$n" rename:"$T1/name"
done
op "$D" rmdir rename:"$MT/x"
op "$D" rename:"$MP/$U"

section "attributes of nodes"
for n in $RO $WO $T1 $S/class/mdev_bus/mtty; do
	op "$n" truncate:0 truncate:1 utimes utimens stat
done
op "$RO" chmod:0644 stat chmod:0444 stat
op "$T1" chmod:0700 stat chmod:0755 stat
op "$RO" chown:1:2 stat chown:0:0 stat
op "$S/class/mdev_bus/mtty" lchown:1:2 lstat lchown:0:0 lstat

section "xattrs"
for n in $RO $T1 $S/class/mdev_bus/mtty; do
	op "$n" listxattr getxattr:trusted.t setxattr:trusted.t:v getxattr:trusted.t \
		listxattr removexattr:trusted.t getxattr:trusted.t removexattr:trusted.t
	op "$n" setxattr:security.s:v getxattr:security.s removexattr:security.s
	op "$n" setxattr:user.u:v getxattr:user.u getxattr:system.posix_acl_access \
		setxattr:system.posix_acl_access:x getxattr:security.selinux
done

section "power/ written"
# control=on forbids runtime PM (usage count +1, "forbidden" in
# runtime_enabled); async takes enabled or disabled only; the other
# power/ files are read-only even for root.
for n in "$D" "$MT"; do
	put "$n/power/control" on
	put "$n/power/async" enabled
	put "$n/power/async" bogus
	put "$n/power/runtime_usage" 1
	put "$n/power/runtime_enabled" enabled
	op "$n/power/runtime_active_kids" open:w
	tree "${n#"$S"/}/power"
	put "$n/power/control" auto
	put "$n/power/async" disabled
	tree "${n#"$S"/}/power"
done

section "not root"
export AS_UID=65534
tree "devices/virtual/mtty/mtty/$U"
for n in $NODES; do
	op "$n" access:r access:w open:r read:100 open:w write:1
done
put "$WO" 20000000-0000-4000-8000-000000000002
put "$D/remove" 1
op "$T1/new" open:w+creat mkdir
unset AS_UID

rm_dev "$U"
