#!/bin/sh
# uevents: each create's and remove's events on every sample parent, in
# order, with every field, and what a monitor finds in the tree the moment
# each arrives; synthetic events written to uevent files, and the ones
# refused (abi checklist 48-50; §4.1).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$K/common.sh"
U=50000000-0000-4000-8000-000000000001
V=50000000-0000-4000-8000-000000000002

for t in "$T1" "$T2" "$VGA" "$HD" "$SMALL" "$LARGE"; do
	section "create and remove on ${t##*/}, looked at on receipt"
	p=${t%/mdev_supported_types/*}
	"$P/kuev" -p "$S:$LOOK,/bus/mdev/devices/$U,../mdev_supported_types/${t##*/}/devices/$U" \
		-- "$P/kwrite" "$t/create" "$U\n"
	"$P/kuev" -p "$S:$LOOK,/bus/mdev/devices/$U,/bus/mdev/drivers/${p##*/}/$U" \
		-- "$P/kwrite" "$DEVS/$U/remove" "1\n"
done

section "a vendor's refusal, looked at on receipt"
mk "$LARGE" "$U"
mk "$LARGE" "$V"
mk "$LARGE" 50000000-0000-4000-8000-000000000003
mk "$MEDIUM" 50000000-0000-4000-8000-000000000004
mk "$MEDIUM" 50000000-0000-4000-8000-000000000005
mk "$MEDIUM" 50000000-0000-4000-8000-000000000006
mk "$MEDIUM" 50000000-0000-4000-8000-000000000007
evp "$SMALL/create" 50000000-0000-4000-8000-000000000008
for n in 1 2 3 4 5 6 7; do rm_dev "50000000-0000-4000-8000-00000000000$n"; done

section "synthetic uevents of a device"
mk "$T1" "$U"
for d in add change remove move online offline bind unbind "add\n" "change\n\n" \
	"add $V" "change $V A=1" "change $V A=1 B=two" "add $V A" "add $V =1" \
	"add 1234" "change $V A=1\n" "add $V A=1 A=2" "change  $V" \
	"" bogus "add\r" "Add" " add" "add " "change x" "change $V A=1 " \
	"change 50000000-0000-4000-8000-00000000000G"; do
	ev "$MT/$U/uevent" "$d"
done
op "$MT/$U/uevent" open:r read:100

section "synthetic uevents of the bus, its driver, a parent, a type"
for f in "$S/bus/mdev/uevent" "$S/bus/mdev/drivers/mtty/uevent" "$MT/uevent" \
	"$S/class/mdev_bus/mdpy/uevent" "$T1/uevent" "$MT/$U/power/uevent"; do
	ev "$f" add
	ev "$f" "change $V K=v"
	ev "$f" bogus
	op "$f" open:r read:100
done
rm_dev "$U"
