#!/bin/bash
# SPDX-License-Identifier: MIT
# as_nobody.sh TREE CMD [ARGS...]: runs CMD as nobody, with TREE (the
# checkout, which holds the build) reachable.  A checkout below a
# directory only its owner may enter (mktemp -d makes them 0700, as CI's
# fresh clone is) is not; so, in this private mount namespace (run it
# under unshare -m), the highest such directory is covered by a tmpfs
# that anyone may enter and the checkout is put back at its path in it.
# Nothing outside this namespace changes.
set -euo pipefail
tree=$(realpath "$1")
shift
closed=
dir=$tree
while [ "$dir" != / ]; do
	dir=$(dirname "$dir")
	[ "$(( 0$(stat -c %a "$dir") & 1 ))" -eq 1 ] || closed=$dir
done
if [ -n "$closed" ]; then
	keep=$(mktemp -d /run/mdevfs-as-nobody-XXXXXX)
	mount --bind "$tree" "$keep"
	mount -t tmpfs -o mode=0755 as-nobody "$closed"
	mkdir -p "$tree"
	mount --move "$keep" "$tree"
	rmdir "$keep"
fi
exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
