#!/bin/bash
# Starting on a mountpoint another mdevfs has or had (docs/crash-safety.md,
# "Starting again"): two restarts at once on a dead mount, many times,
# only one serving and nothing lost; a start right after fusermount3 -u
# waiting for the old daemon to finish removing its devices; no moment
# in which a restart shows clients an empty mountpoint; `mdevfs run`
# without the privileges it needs.  Run inside `unshare -m -n`; MDEVFS
# names the binary; RESTART_TRIALS (default 20) races.
. "$(dirname "$0")/lib.sh"
trials=${RESTART_TRIALS:-20}
work=$(mktemp -d /tmp/mdevfs-restart-XXXXXX)
pid='' new='' old=''
trap 'kill -KILL $pid $new $old 2>/dev/null; cleanup; [ "$FAILS" -eq 0 ] && rm -rf "$work" || echo "logs kept in $work"' EXIT
new_mountpoint m
sd="$work/state"
types="$m/class/mdev_bus/mtty/mdev_supported_types/mtty-1"

serving() { # PID: its tree is mounted and it answers
	for _ in $(seq 500); do
		serving_at "$m" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# --- two restarts at once on a dead mount -----------------------------------
"$MDEVFS" -f --state-dir "$sd" "$m" 2>>"$work/first.log" &
pid=$!
serving "$pid" || { fail "first start: $(cat "$work/first.log")"; exit 1; }
u=$(uuidgen)
expect_eq "a device, acknowledged" "$(write_errno "$types/create" "$u")" OK
won=0
refused=0
for t in $(seq "$trials"); do
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	"$MDEVFS" -f --state-dir "$sd" "$m" 2>"$work/a.log" &
	a=$!
	"$MDEVFS" -f --state-dir "$sd" "$m" 2>"$work/b.log" &
	b=$!
	# One serves; the other ends, saying why in one line.
	for _ in $(seq 500); do
		kill -0 "$a" 2>/dev/null && kill -0 "$b" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$a" 2>/dev/null; then pid=$a loser=$b log=$work/b.log; else pid=$b loser=$a log=$work/a.log; fi
	wait "$loser"
	rc=$?
	serving "$pid" || { fail "trial $t: nobody serves: $(cat "$work"/[ab].log)"; break; }
	errors=$(grep -v "uevents by route\|MDEV:\|waiting for the mdevfs\|was killed\|aborted FUSE" "$log")
	if [ "$rc" -eq 1 ] && [ "$(wc -l <<<"$errors")" -eq 1 ] &&
		[[ "$errors" == "mdevfs: mountpoint $m is busy: mdevfs is already mounted there (pid $pid)" ]]; then
		refused=$((refused + 1))
	else
		fail "trial $t: the second start: rc=$rc, said: $(cat "$log")"
	fi
	[ -e "$m/bus/mdev/devices/$u" ] && [ -e "$sd/devices/$u" ] && won=$((won + 1)) ||
		fail "trial $t: the device or its record is gone: $(ls "$sd/devices" 2>&1)"
done
expect_eq "two restarts at once, $trials times: the device and its record stay" "$won" "$trials"
expect_eq "and the second is refused in one line each time" "$refused" "$trials"

# --- no empty mountpoint while a restart replaces the dead mount -------------
# 92 devices to restore take the restart a while: a client reading the
# whole time sees the dead mount (ENOTCONN), then the new one, never the
# empty directory below them (ENOENT), where the kernel can mount beneath.
for i in $(seq 0 91); do
	case $i in
	[0-9] | 1[0-9] | 2[0-3]) t=mtty/mdev_supported_types/mtty-1 ;;
	2[4-7]) t=mdpy/mdev_supported_types/mdpy-vga ;;
	*) t=mbochs/mdev_supported_types/mbochs-small ;;
	esac
	[ "$u" = "$(printf '%08x-0000-4000-8000-000000000000' "$i")" ] && continue
	printf '%08x-0000-4000-8000-000000000000\n' "$i" >"$m/class/mdev_bus/$t/create" 2>/dev/null
done
expect_eq "devices to restore" "$(count "$m/bus/mdev/devices")" 92
python3 - "$m/bus/mdev/devices/$u" >"$work/reads" <<'EOF' &
import errno, os, sys, time
seen = {}
end = time.monotonic() + 3
while time.monotonic() < end:
    try:
        os.readlink(sys.argv[1])
        k = "ok"
    except OSError as e:
        k = errno.errorcode[e.errno]
    seen[k] = seen.get(k, 0) + 1
print(" ".join("%s=%d" % kv for kv in sorted(seen.items())))
EOF
reader=$!
sleep 0.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$MDEVFS" -f --state-dir "$sd" "$m" 2>"$work/beneath.log" &
pid=$!
wait "$reader"
reads=$(cat "$work/reads")
echo "reads during the restart: $reads"
if grep -q "from beneath" "$work/beneath.log"; then
	[[ "$reads" != *ENOENT* ]] && ok "replaced from beneath: no read found the mountpoint empty" ||
		fail "the mountpoint was empty: $reads"
else
	# Linux before 6.5: the gap is the two system calls, and said.
	grep -q "was empty for [0-9]* µs" "$work/beneath.log" &&
		ok "no mount beneath here: the gap is said ($(grep -o 'empty for [0-9]* µs' "$work/beneath.log"))" ||
		fail "$(cat "$work/beneath.log")"
fi
[[ "$reads" == *ok=* ]] && ok "the device read before and after" || fail "$reads"

# --- a start right after fusermount3 -u waits for the old daemon -------------
# 2000 devices on a pool large enough, removed one by one by the stop.
conf="$work/big.conf"
printf '[parent big]\nclass = big\ndriver = big\nbackend = sample\ndevice_api = vfio-pci\npool = 4000\n[type big 1]\nremove_delay_ms = 1\n' >"$conf"
kill -TERM "$pid"
wait "$pid"
"$MDEVFS" -f --state-dir "$sd" -c "$conf" "$m" 2>"$work/old.log" &
old=$!
serving "$old" || { fail "big start: $(cat "$work/old.log")"; exit 1; }
python3 - "$m/class/mdev_bus/big/mdev_supported_types/big-1/create" <<'EOF'
import os, sys
for i in range(2000):
    fd = os.open(sys.argv[1], os.O_WRONLY)
    os.write(fd, ("%08x-1111-4000-8000-000000000000" % i).encode())
    os.close(fd)
EOF
fusermount3 -u "$m"
"$MDEVFS" -f --state-dir "$sd" "$m" 2>"$work/new.log" &
new=$!
serving "$new" || fail "the new start did not serve: $(cat "$work/new.log")"
wait "$old"
expect_eq "the old daemon stopped cleanly" "$?" 0
grep -q "waiting for the mdevfs on $m (pid $old) to stop: it is removing its devices ([0-9]* left)" \
	"$work/new.log" && ok "the new one said whom it waited for, and why" ||
	fail "no waiting line: $(cat "$work/new.log")"
grep -q "in use by another\|No such file\|cannot" "$work/new.log" &&
	fail "a race: $(cat "$work/new.log")" || ok "no race"
expect_eq "it serves the configuration's parents, none of the old devices" \
	"$(names "$m/class/mdev_bus")/$(count "$m/bus/mdev/devices")" "mbochs mdpy mtty/0"
expect_eq "ctl status" "$("$MDEVFS" ctl -m "$m" status)" "serving pid=$new devices=0 parents=3"
kill -TERM "$new"
wait "$new"

# --- mdevfs run without the privileges it needs: one line, exit 1 -------------
out=$(capsh --drop=cap_sys_admin -- -c "exec $MDEVFS run -- true" 2>&1)
rc=$?
expect_eq "run without CAP_SYS_ADMIN" "$rc/$(wc -l <<<"$out")" "1/1"
[[ "$out" == *"needs CAP_SYS_ADMIN"* ]] && ok "says what is missing" || fail "said: $out"
# In a user namespace whose root is the host's uid 0 (sysfs refuses its
# mkdir with EPERM), run mirrors what it must add to, as for a user.
out=$(unshare -Urmn "$MDEVFS" run -- sh -c \
	'echo 6a1b1c2d-0000-4000-8000-000000000001 >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create && ls /sys/bus/mdev/devices' 2>&1)
rc=$?
expect_eq "run in a user namespace: a device made" "$rc/$out" \
	"0/6a1b1c2d-0000-4000-8000-000000000001"
grep -q Sanitizer "$work"/*.log && fail "a sanitizer report: $(grep -m1 -A8 Sanitizer "$work"/*.log)" ||
	ok "no sanitizer report"
finish
