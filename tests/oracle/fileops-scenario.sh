#!/bin/sh
# fileops-scenario.sh ROOT: what file operations answer on the mdev tree,
# with fds kept across changes (tests/oracle/fdops.c, in $FDOPS): a
# directory fd across a create, attribute fds across their device's
# removal and their parent's unregistration, O_DIRECT, fsync, xattrs.
# Runs as a busybox sh scenario on the oracle kernel
# (tests/oracle/record.sh) and on an mdevfs mount
# (tests/integration/fileops.sh); the two outputs must be equal.
# $GONE unplugs the mtty parent (on the oracle: rmmod mtty).
set -u
S=${1:?usage: fileops-scenario.sh ROOT}
F=${FDOPS:?set FDOPS to the fdops probe}
GONE=${GONE:-rmmod mtty}
export GONE
cd "$S" || exit 1
M=devices/virtual/mtty/mtty
T=$M/mdev_supported_types/mtty-2
U=8d7a4b2c-1f3e-4a5b-9c6d-7e8f9a0b1c2d
D=$M/$U
# A valid POSIX ACL (user rw, group r, other r), as its xattr is written.
ACL='\x02\x00\x00\x00\x01\x00\x06\x00\xff\xff\xff\xff\x04\x00\x04\x00\xff\xff\xff\xff\x20\x00\x04\x00\xff\xff\xff\xff'

# Not on a bare mdevfs mount, whose root holds only the tree: in `mdevfs
# run` (tests/integration/run_stat.sh), where these are the real /sys's
# or made by run.
echo "== the directories around the tree"
"$F" <<EOF
stat .
stat class
stat class/mtty
stat class/mdev_bus
stat class/vfio-dev
stat devices
stat devices/virtual
stat devices/virtual/mtty
stat devices/virtual/mtty/mtty
stat bus
stat bus/mdev
stat kernel/iommu_groups
EOF

echo "== a directory fd across a create"
"$F" <<EOF
open d bus/mdev/devices rd
dents d
dents d
sh echo $U > $T/create
dents d
lseek d 0
dents d
dents d
open e bus/mdev/devices rd
dents e
sh echo 1 > $D/remove
dents e
lseek e 0
dents e
sh echo $U > $T/create
open f $T/devices rd
dents f
sh echo 1 > $D/remove
dents f
sh echo $U > $T/create
dents f
lseek f 0
dents f
EOF

echo "== O_DIRECT, fsync, locks"
"$F" <<EOF
open o $T/name rD
open o $T/create wD
open o $T/name wD
open o $T/create rD
open o $T rdD
open o $D/uevent bD
open f $T/name r
setfl f D
read f 4096
fsync f
fdatasync f
flock f
poll f
open h $T/create w
fsync h
fdatasync h
open g $T rd
fsync g
fdatasync g
flock g
open r . rd
fsync r
statfs .
lseek f 0 end
fionread f
fallocate f
copy f 4096
fallocate h
EOF

echo "== xattrs"
"$F" <<EOF
getx $T/name trusted.a
listx $T/name
setx $T/name trusted.a one
getx $T/name trusted.a
getx $T/name trusted.a 0
getx $T/name trusted.a 2
setx $T/name security.b two
setx $T/name trusted.c three
listx $T/name
listx $T/name 0
listx $T/name 5
setx $T/name trusted.a uno create
setx $T/name trusted.z x replace
setx $T/name trusted.a uno replace
getx $T/name trusted.a
listx $T/name
setx $T/name trusted.e -
getx $T/name trusted.e
rmx $T/name trusted.c
rmx $T/name trusted.c
rmx $T/name trusted.nope
listx $T/name
setx $T/name trusted.v a\x00b\n
getx $T/name trusted.v
setx $T/name user.u x
getx $T/name user.u
rmx $T/name user.u
getx $T/name system.posix_acl_access
getx $T system.posix_acl_default
setx $T/name system.posix_acl_access $ACL
setx $T system.posix_acl_default $ACL
rmx $T/name system.posix_acl_access
setx $T/name system.foo x
getx $T/name system.foo
setx $T/name foo.bar x
getx $T/name foo.bar
rmx $T/name foo.bar
setx $T/name trusted. x
getx $T/name trusted.
setx $T/name security. x
setx $T/name security.capability x
getx $T/name security.capability
setxn $T/name trusted.big 65536
getx $T/name trusted.big 0
getx $T/name trusted.big
setxn $T/name trusted.big 65537
rmx $T/name trusted.big
many $T/device_api trusted.m 5000
listx $T/device_api 0
listx $T/device_api
setx $T trusted.d dir
getx $T trusted.d
getx class/mdev_bus/mtty/mdev_supported_types/mtty-2 trusted.d
setx class/mdev_bus/mtty trusted.l link
getx class/mdev_bus/mtty trusted.l
listx class/mdev_bus/mtty
setx $T/create trusted.w wo
getx $T/create trusted.w
setx . trusted.r root
getx . trusted.r
rmx . trusted.r
open f $T/name r
fgetx f trusted.a
fsetx f trusted.f byfd
flistx f
as 1000
getx $T/name trusted.a
getx $T/name security.b
listx $T/name
flistx f
setx $T/name trusted.n x
setx $T/name security.n x
rmx $T/name security.b
setx $T/name user.n x
getx $T/name user.n
getx $T/create user.n
getx $T/create security.x
as 0
EOF

echo "== xattrs of a device's nodes across its removal and creation"
"$F" <<EOF
setx $D trusted.dev one
setx $D/uevent trusted.dev two
open q $D/uevent r
sh echo 1 > $D/remove
fgetx q trusted.dev
fsetx q trusted.dead x
flistx q
sh echo $U > $T/create
getx $D trusted.dev
getx $D/uevent trusted.dev
listx $D/uevent
EOF

echo "== attribute fds across their device's removal"
"$F" <<EOF
open a $D/uevent r
read a 4096
open b $D/uevent r
open p $D/uevent r
read p 3
open w $D/remove w
open u $D/uevent w
open v $D/vendor/sample_mdev_dev r
open x $D rd
sh echo 1 > $D/remove
read a 4096
read b 4096
read p 4096
read p 4096
pread b 4096 0
read v 4096
lseek a 0
read a 4096
write w 1
write u add
fstat a
fsync a
poll a
dents x
lseek x 0
dents x
fsync x
open n $D/uevent r
stat $D
EOF

echo "== a type's attribute fds across their parent's unregistration"
"$F" <<EOF
open t $T/available_instances r
read t 4096
open n $T/name r
open k $T/create w
open y $T rd
sh eval "\$GONE" >/dev/null 2>&1
read t 4096
lseek t 0
read t 4096
read n 4096
write k $U\n
fgetx n trusted.a
dents y
fstat t
EOF
