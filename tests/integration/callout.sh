#!/bin/bash
# The callout backend on a real mount: a fixture script (written here)
# that records how it is called and fails in every way a script can, then
# the NVIDIA SR-IOV vGPU example on a fake VF tree, through shell writes,
# in parallel, and through mdevctl in `mdevfs run`.
# Run inside `unshare -m -n`; MDEVFS names the binary.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

new_mountpoint m
dir=$(mktemp -d /tmp/mdevfs-callout-XXXXXX)
trap 'cleanup; rm -rf "$dir"' EXIT
rec=$dir/rec
mkdir "$rec"

# procs PATTERN: how many processes have PATTERN in their command line.
procs() {
	local p n=0
	for p in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' 2>/dev/null <"$p" | grep -q -- "$1" && n=$((n + 1))
	done
	echo "$n"
}

# The fixture: records every call (argv|stdin) and its environment, file
# descriptors, process group and signal mask, then does what its type says.
cat >"$dir/co.sh" <<'EOF'
#!/bin/sh
t= e= a= u=
while getopts t:e:a:s:u:p: o; do
	case $o in t) t=$OPTARG ;; e) e=$OPTARG ;; a) a=$OPTARG ;; u) u=$OPTARG ;; esac
done
input=$(cat)
printf '%s|%s\n' "$*" "$input" >>"$REC/calls"
if [ "$e/$a" = pre/start ]; then
	env | sort >"$REC/env"
	for f in /proc/$$/fd/*; do readlink "$f"; done >"$REC/fds"
	[ "$(cut -d' ' -f5 /proc/$$/stat)" = $$ ] && echo own >"$REC/pgrp"
	grep -E '^Sig(Blk|Ign)' /proc/self/status >"$REC/signals"
fi
case $t/$e/$a in
co-decline/*) exit 2 ;;
*/get/available) cat "$REC/avail" 2>/dev/null || echo 5 ;;
co-ok/pre/start) echo "starting $u" >&2 ;;
co-fail/pre/start) echo "no luck" >&2; exit 1 ;;
co-enospc/pre/start) printf 'card full\nerrno=ENOSPC\n' >&2; exit 1 ;;
co-busy/pre/start) echo errno=16 >&2; exit 3 ;;
co-chatty/pre/start) head -c 200000 /dev/zero | tr '\0' x; head -c 100000 /dev/zero >&2 ;;
co-hang/pre/start) trap '' TERM; sleep 31337 & sleep 31337 ;;
co-stopfail/pre/stop) echo "cannot stop $u" >&2; exit 1 ;;
co-badjson/get/attributes) echo '[{"weight":' ;;
co-ok/get/attributes)
	printf '[{"weight":"%s"},{"vf":"0000:41:00.4"},{"n":7}]\n' \
		"$(cat "$REC/weight.$u" 2>/dev/null || echo 4)" ;;
*/live/modify)
	v=$(printf '%s' "$input" | sed -n 's/.*"weight":"\(.*\)"}]}$/\1/p') # JSON-escaped
	[ "$v" = bad ] && { echo "errno=EINVAL" >&2; exit 1; }
	printf '%s' "$v" >"$REC/weight.$u" ;;
esac
exit 0
EOF
chmod 755 "$dir/co.sh"

parent() { # NAME [KEY = VALUE...]
	printf '[parent %s]\nclass = co\ndriver = co_mdev\nbackend = callout\n' "$1"
	printf 'device_api = vfio-pci\ncallout = %s\ncallout_env = REC=%s\n' "$dir/co.sh" "$rec"
	shift
	printf '%s\n' "$@"
}
{
	parent co
	printf '[type co ok]\nattributes = weight\nreadonly_attributes = vf, n, missing\n'
	for t in fail enospc busy decline stopfail chatty; do printf '[type co %s]\n' $t; done
	printf '[type co badjson]\nattributes = weight\n'
	parent cached "available_cache_ms = 60000"
	printf '[type cached ok]\n'
	parent slow "callout_timeout_ms = 800" "max_instances = 4"
	printf '[type slow hang]\n'
} >"$dir/co.conf"

"$MDEVFS" -f -c "$dir/co.conf" "$m" 2>"$dir/daemon.log" &
daemon=$!
wait_mounted "$m" || { cat "$dir/daemon.log"; echo "cannot mount"; exit 1; }
types=$m/class/mdev_bus/co/mdev_supported_types
dev() { echo "$m/bus/mdev/devices/$1"; }

# --- the conventions: argv, stdin, environment, descriptors ---------------
u=$(uuidgen)
expect_eq "create" "$(write_errno "$types/co-ok/create" "$u")" OK
[ -d "$(dev "$u")" ] && ok "device there" || fail "device not there"
expect_eq "pre and post start: argv and stdin" "$(cat "$rec/calls")" \
"-t co-ok -e pre -a start -s none -u $u -p co|{\"mdev_type\":\"co-ok\",\"start\":\"manual\",\"attrs\":[]}
-t co-ok -e post -a start -s success -u $u -p co|{\"mdev_type\":\"co-ok\",\"start\":\"manual\",\"attrs\":[]}"
expect_eq "a clean environment" "$(grep -v '^PWD=' "$rec/env" | xargs)" \
	"MDEV_PARENT=co MDEV_TYPE=co-ok MDEV_UUID=$u PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin REC=$rec"
expect_eq "only stdin, stdout, stderr (and the script)" \
	"$(grep -v -e '^pipe:' -e "^$dir/co.sh\$" -e "^$rec/fds\$" "$rec/fds")" ""
expect_eq "its own process group" "$(cat "$rec/pgrp")" own
expect_eq "no signal blocked or ignored" "$(awk '{print $2}' "$rec/signals" | xargs)" \
	"0000000000000000 0000000000000000"
grep -q "co.sh $u: starting $u" "$dir/daemon.log" && ok "stderr logged with script and UUID" ||
	fail "stderr not in the log"

# --- available_instances ----------------------------------------------------
: >"$rec/calls"
expect_eq "available from the script" "$(cat "$types/co-ok/available_instances")" 5
expect_eq "argv of get available" "$(cat "$rec/calls")" "-t co-ok -e get -a available -s none -p co|"
echo 7 >"$rec/avail"
expect_eq "asked at every read" "$(cat "$types/co-ok/available_instances")" 7
echo junk >"$rec/avail"
expect_eq "not a number: 0" "$(cat "$types/co-ok/available_instances")" 0
grep -q "expected a number, got 'junk'" "$dir/daemon.log" && ok "bad answer logged" ||
	fail "bad answer not logged"
expect_eq "exit 2: 0" "$(cat "$types/co-decline/available_instances")" 0
cached=$m/class/mdev_bus/cached/mdev_supported_types/co-ok
echo 5 >"$rec/avail"
expect_eq "cached parent" "$(cat "$cached/available_instances")" 5
echo 9 >"$rec/avail"
expect_eq "an answer stands for available_cache_ms" "$(cat "$cached/available_instances")" 5
uc=$(uuidgen)
echo "$uc" >"$cached/create"
expect_eq "a create drops it" "$(cat "$cached/available_instances")" 9
echo 1 >"$(dev "$uc")/remove"
rm -f "$rec/avail"

# --- vendor attributes --------------------------------------------------------
attr=$(dev "$u")/vendor
expect_eq "modes" "$(stat -c '%n %a' "$attr"/{weight,vf} | sed 's|.*/||' | xargs)" "weight 644 vf 444"
expect_eq "show" "$(cat "$attr/weight")" 4
expect_eq "a read-only one" "$(cat "$attr/vf")" 0000:41:00.4
expect_eq "a number in the answer" "$(cat "$attr/n")" 7
expect_eq "not in the answer: ENODATA" "$(read_errno "$attr/missing")" ENODATA
: >"$rec/calls"
expect_eq "store" "$(write_errno "$attr/weight" $'8\n')" OK
expect_eq "live modify: argv and stdin" "$(cat "$rec/calls")" \
	"-t co-ok -e live -a modify -s none -u $u -p co|{\"mdev_type\":\"co-ok\",\"start\":\"manual\",\"attrs\":[{\"weight\":\"8\"}]}"
expect_eq "shows what was stored" "$(cat "$attr/weight")" 8
expect_eq "a refused store: its errno" "$(write_errno "$attr/weight" bad)" EINVAL
expect_eq "value kept" "$(cat "$attr/weight")" 8
expect_eq "quotes are JSON's business" "$(write_errno "$attr/weight" 'a"b\c')" OK
expect_eq "JSON-escaped on stdin" "$(tail -1 "$rec/calls" | cut -d'|' -f2)" \
	'{"mdev_type":"co-ok","start":"manual","attrs":[{"weight":"a\"b\\c"}]}'
expect_eq "stored as written" "$(cat "$attr/weight")" 'a"b\c'
ub=$(uuidgen)
echo "$ub" >"$types/co-badjson/create"
expect_eq "bad JSON from get attributes: EIO" "$(read_errno "$(dev "$ub")/vendor/weight")" EIO
grep -q "not a JSON list of objects" "$dir/daemon.log" && ok "bad JSON logged" ||
	fail "bad JSON not logged"

# --- remove ---------------------------------------------------------------------
: >"$rec/calls"
expect_eq "remove" "$(write_errno "$(dev "$u")/remove" 1)" OK
expect_eq "pre and post stop" "$(cut -d'|' -f1 "$rec/calls")" \
"-t co-ok -e pre -a stop -s none -u $u -p co
-t co-ok -e post -a stop -s success -u $u -p co"
us=$(uuidgen)
echo "$us" >"$types/co-stopfail/create"
: >"$rec/calls"
expect_eq "a failing stop: removed all the same" "$(write_errno "$(dev "$us")/remove" 1)" OK
expect_eq "post stop -s failure" "$(sed -n 2p "$rec/calls" | cut -d'|' -f1)" \
	"-t co-stopfail -e post -a stop -s failure -u $us -p co"
grep -q "co.sh $us: removed although its stop failed (EIO)" "$dir/daemon.log" &&
	ok "the failed stop is logged" || fail "the failed stop is not logged"

# --- failures and their errnos ------------------------------------------------------
before=$(names "$m/bus/mdev/devices")
for c in "fail EIO" "enospc ENOSPC" "busy EBUSY" "decline ENODEV"; do
	# shellcheck disable=SC2086 # "NAME ERRNO" split into $1 and $2
	set -- $c
	: >"$rec/calls"
	expect_eq "exit of co-$1: $2" "$(write_errno "$types/co-$1/create" "$(uuidgen)")" "$2"
	post=$(sed -n 2p "$rec/calls" | cut -d' ' -f1-8)
	if [ "$1" = decline ]; then
		expect_eq "no post after exit 2" "$post" ""
	else
		expect_eq "post -s failure after co-$1" "$post" "-t co-$1 -e post -a start -s failure"
	fi
done
expect_eq "failed creates leave nothing" "$(names "$m/bus/mdev/devices")" "$before"
grep -q "co.sh .*: card full" "$dir/daemon.log" && ok "failure's stderr logged" ||
	fail "failure's stderr not logged"
expect_eq "output beyond the cap: still a success" \
	"$(write_errno "$types/co-chatty/create" "$(uuidgen)")" OK
grep -q "output beyond 65536 bytes dropped" "$dir/daemon.log" && ok "the cap is logged" ||
	fail "the cap is not logged"

# --- a script that hangs: killed with its children, ETIMEDOUT -------------------------
start=$(date +%s%N)
expect_eq "hang: ETIMEDOUT" \
	"$(write_errno "$m/class/mdev_bus/slow/mdev_supported_types/co-hang/create" "$(uuidgen)")" ETIMEDOUT
ms=$((($(date +%s%N) - start) / 1000000))
echo "a hanging create took $ms ms (timeout 800 ms, 1000 ms to SIGKILL)"
[ "$ms" -ge 800 ] && [ "$ms" -lt 5000 ] && ok "ETIMEDOUT in time" || fail "ETIMEDOUT after $ms ms"
for i in $(seq 100); do [ "$(procs 'sleep 31337')" = 0 ] && break; sleep 0.02; done
expect_eq "the script and its children killed" "$(procs 'sleep 31337')" 0
grep -q "timed out after 800 ms, killed (ETIMEDOUT)" "$dir/daemon.log" && ok "timeout logged" ||
	fail "timeout not logged"
expect_eq "max_instances: the core counts" \
	"$(cat "$m/class/mdev_bus/slow/mdev_supported_types/co-hang/available_instances")" 4

# --- the account, and nothing left -----------------------------------------------------
for d in "$m"/bus/mdev/devices/*; do echo 1 >"$d/remove"; done
expect_eq "every device gone" "$(count "$m/bus/mdev/devices")" 0
expect_eq "ctl list" "$("$MDEVFS" ctl -m "$m" list | grep '^slow ' | cut -d' ' -f4-)" \
	"mdevs=0 devices=0 calls=1 failures=1 timeouts=1"
"$MDEVFS" ctl -m "$m" list | grep -q '^co .* devices=0 calls=[0-9]* failures=[0-9]* timeouts=0$' &&
	ok "ctl list of co" || fail "ctl list of co: $("$MDEVFS" ctl -m "$m" list | grep '^co ')"
expect_eq "no callout left running" "$(procs "$dir/co.sh")" 0
fusermount3 -u "$m"
wait "$daemon"
expect_eq "the daemon's exit status" "$?" 0

# --- configuration errors: file, line and key -------------------------------
check() { # WHAT MESSAGE KEY = VALUE...: a co parent with these keys
	local what=$1 want=$2
	shift 2
	{
		printf '[parent bad]\nclass = co\ndriver = co_mdev\nbackend = callout\n'
		printf 'device_api = vfio-pci\n'
		printf '%s\n' "$@"
		[[ "$*" == *"[type"* ]] || printf '[type bad t]\n'
	} >"$dir/bad.conf"
	expect_err "$what" "$dir/bad.conf:$want" "$MDEVFS" --check -c "$dir/bad.conf"
}
check "no callout" "1: [parent bad]: missing key 'callout' (the executable to call)"
check "a relative path" "6: [parent bad] callout: 'co.sh' must be an absolute path" "callout = co.sh"
check "a missing file" "6: [parent bad] callout: $dir/nope: No such file or directory" \
	"callout = $dir/nope"
check "a directory" "6: [parent bad] callout: $dir: not a regular file" "callout = $dir"
cp "$dir/co.sh" "$dir/ww.sh"
chmod 0757 "$dir/ww.sh"
check "world-writable" "6: [parent bad] callout: $dir/ww.sh: group or others may write to it (mode 0757)" \
	"callout = $dir/ww.sh"
chmod 0775 "$dir/ww.sh"
check "group-writable" "6: [parent bad] callout: $dir/ww.sh: group or others may write to it (mode 0775)" "callout = $dir/ww.sh"
chmod 0644 "$dir/ww.sh"
check "not executable" "6: [parent bad] callout: $dir/ww.sh: not executable" "callout = $dir/ww.sh"
chown 65534 "$dir/ww.sh"
chmod 0755 "$dir/ww.sh"
check "someone else's" "6: [parent bad] callout: $dir/ww.sh: owned by uid 65534, neither root nor this daemon's user" "callout = $dir/ww.sh"
check "MDEV_ in callout_env" "7: [parent bad] callout_env: 'MDEV_UUID=x': each call sets it" \
	"callout = $dir/co.sh" "callout_env = A=1;MDEV_UUID=x"
check "not KEY=VALUE" "7: [parent bad] callout_env: 'lower=1' is not KEY=VALUE" \
	"callout = $dir/co.sh" "callout_env = lower=1"
check "timeout 0" "7: [parent bad] callout_timeout_ms: must be at least 1" \
	"callout = $dir/co.sh" "callout_timeout_ms = 0"
check "a cache that is not a number" "7: [parent bad] available_cache_ms: expected an integer" \
	"callout = $dir/co.sh" "available_cache_ms = soon"
check "two attributes of a name" "8: [type bad t] attributes: cannot add attribute 'a': there is one of that name" \
	"callout = $dir/co.sh" "[type bad t]" "attributes = a, a"

# --- the NVIDIA SR-IOV vGPU example on a fake VF tree --------------------------
# A PF with four VFs; three can host type 1414, all four 1415.
# Under a tmpfs of this test's own mount namespace, not /tmp: `mdevfs run`
# gives its daemon a private /tmp, where a callout would not be found.
# (Not through new_mountpoint, whose cleanup removes the directory.)
mount -t tmpfs -o mode=0755 mdevfs-callout /mnt || { echo "cannot mount /mnt"; exit 1; }
nv_dir=/mnt
pf=0000:41:00.0
sys=$nv_dir/sys/bus/pci/devices
mkdir -p "$sys/$pf"
for i in 0 1 2 3; do
	vf=0000:41:00.$((i + 4))
	mkdir -p "$sys/$vf/nvidia"
	ln -s "../$vf" "$sys/$pf/virtfn$i"
	echo 0 >"$sys/$vf/nvidia/current_vgpu_type"
	{
		echo "ID    : vGPU Name"
		[ $i -lt 3 ] && echo "1414  : NVIDIA H200X-1-18C"
		echo "1415  : NVIDIA H200X-2-35C"
	} >"$sys/$vf/nvidia/creatable_vgpu_types"
done
install -m 0755 "$here/../../examples/callout/nvidia-sriov-vgpu.sh" "$nv_dir/nv.sh"
sed -e "s|^callout = .*|callout = $nv_dir/nv.sh|" \
	-e "s|^callout_env = .*|callout_env = VGPU_SYSFS_ROOT=$nv_dir/sys;VGPU_STATE_DIR=$nv_dir/state|" \
	"$here/../../examples/callout/nvidia-sriov.conf" >"$nv_dir/nv.conf"
m2='' # set by new_mountpoint
new_mountpoint m2
"$MDEVFS" -f -c "$nv_dir/nv.conf" "$m2" 2>"$nv_dir/nv.log" &
daemon=$!
wait_mounted "$m2" || { cat "$nv_dir/nv.log"; echo "cannot mount"; exit 1; }
nv=$m2/class/mdev_bus/$pf/mdev_supported_types
avail() { echo "$(cat "$nv/nvidia-1414/available_instances") $(cat "$nv/nvidia-1415/available_instances")"; }
current() { cat "$sys"/0000:41:00.[4-7]/nvidia/current_vgpu_type | xargs; }

expect_eq "types" "$(names "$nv")" "nvidia-1414 nvidia-1415"
expect_eq "name" "$(cat "$nv/nvidia-1414/name")" "NVIDIA H200X-1-18C"
expect_eq "available: VFs that can host each" "$(avail)" "3 4"
u1=$(uuidgen)
expect_eq "create claims a VF" "$(write_errno "$nv/nvidia-1414/create" "$u1")" OK
expect_eq "the first VF has the type" "$(current)" "1414 0 0 0"
expect_eq "uuid -> VF recorded" "$(cat "$nv_dir/state/$u1")" 0000:41:00.4
expect_eq "its vf attribute" "$(cat "$m2/bus/mdev/devices/$u1/nvidia/vf")" 0000:41:00.4
expect_eq "available drops" "$(avail)" "2 3"
# Five at once for the two VFs left that can host 1414: the parent's
# starts run one at a time, so no VF is given twice.
for i in 1 2 3 4 5; do
	write_errno "$nv/nvidia-1414/create" "$(uuidgen)" >"$nv_dir/nv.$i" &
done
# shellcheck disable=SC2046 # the writers' pids, a word each
wait $(jobs -p | grep -v "^$daemon\$")
expect_eq "five creates on two free VFs" "$(cat "$nv_dir"/nv.[1-5] | sort | uniq -c | xargs)" \
	"3 EUSERS 2 OK"
expect_eq "three VFs with 1414, one free" "$(current)" "1414 1414 1414 0"
expect_eq "each VF given once" "$(cat "$nv_dir"/state/*-* | sort -u | wc -l)" 3
expect_eq "a full type" "$(avail)" "0 1"
grep -q "no free VF can host type 1414" "$nv_dir/nv.log" && ok "why, in the log" ||
	fail "the script's reason is not in the log"
expect_eq "remove frees the VF" "$(write_errno "$m2/bus/mdev/devices/$u1/remove" 1)" OK
expect_eq "VF cleared" "$(current)" "0 1414 1414 0"
expect_eq "mapping dropped" "$(find "$nv_dir/state" -mindepth 1 -name "*$u1*" | wc -l)" 0
expect_eq "available again" "$(avail)" "1 2"
for d in "$m2"/bus/mdev/devices/*; do echo 1 >"$d/remove"; done
expect_eq "all VFs free" "$(current)" "0 0 0 0"
expect_eq "no mapping left" "$(count "$nv_dir/state")" 0
fusermount3 -u "$m2"
wait "$daemon"
expect_eq "the daemon's exit status" "$?" 0

# mdevctl start and stop, in `mdevfs run` on the example configuration.
# shellcheck disable=SC2016 # the script's $ expand in its own shell
"$MDEVFS" run -v -c "$nv_dir/nv.conf" -- bash -c '
	u=$(mdevctl start -p '"$pf"' -t nvidia-1415) || exit 1
	mdevctl list | grep -q "^$u '"$pf"' nvidia-1415" || exit 2
	[ "$(cat /sys/bus/mdev/devices/$u/nvidia/vf)" = 0000:41:00.4 ] || exit 3
	mdevctl stop -u $u || exit 4
	[ -z "$(mdevctl list)" ] || exit 5' 2>"$nv_dir/run.log"
expect_eq "mdevctl start, list and stop in mdevfs run" "$?" 0
expect_eq "and the VF is free again" "$(current)" "0 0 0 0"
grep -q "type 1415 on VF 0000:41:00.4" "$nv_dir/run.log" && ok "the run's log has the script's words" ||
	{ fail "the run's log has not the script's words"; cat "$nv_dir/run.log"; }
expect_eq "no callout left running" "$(procs "$nv_dir/nv.sh")" 0
finish
