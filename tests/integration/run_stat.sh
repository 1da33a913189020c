#!/bin/bash
# In `mdevfs run`, the directories around the tree stat as on the oracle
# kernel (tests/oracle/fileops.txt, "the directories around the tree"): a
# directory, its mode, size 0, where the staging tmpfs made /sys, /sys/class
# or the parent's path sizes of 60 and more; and the link count where the
# directory is the tree's or made by run.  A directory of the host's sysfs
# in which run made a name is an overlay's merged directory, whose link
# count overlayfs gives as 1 (docs/run.md): its nlink is not compared.
. "$(dirname "$0")/lib.sh"
FDOPS=${FDOPS:?set FDOPS to the fdops probe}
ORACLE=$(dirname "$0")/../oracle
BOUND=" class/mdev_bus class/vfio-dev bus/mdev kernel/iommu_groups devices/virtual/mtty/mtty "

section() {
	awk '/^== / { on = $0 == "== the directories around the tree"; next } on' \
		"$ORACLE/fileops.txt"
}

# "stat PATH -> ..." without its nlink where PATH is the host's.
mask() {
	local line path
	while IFS= read -r line; do
		path=${line#stat }
		path=${path%% -> *}
		if [ -e "/sys/$path" ] && [[ $BOUND != *" $path "* ]]; then
			line=${line% nlink=*}" nlink=(host's)"
		fi
		printf '%s\n' "$line"
	done
}

# shellcheck disable=SC2016 # $0 is the inner shell's
got=$(section | sed 's/ -> .*//' |
	"$MDEVFS" run -- sh -c 'cd /sys && exec "$0"' "$FDOPS" 2>&1)
[ -n "$got" ] || fail "mdevfs run printed nothing"
if diff -u <(section | mask) <(mask <<<"$got"); then
	ok "the directories around the tree stat as on the oracle kernel"
else
	fail "the directories around the tree stat otherwise (diff above)"
fi
finish
