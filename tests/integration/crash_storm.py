#!/usr/bin/python3
"""Writers for the crash test (crash.sh), and the comparison after a restart.

  crash_storm.py storm MOUNT LOGDIR WRITERS SECONDS
      WRITERS processes create and remove devices of their own UUIDs on the
      sample parents, each appending to LOGDIR/wN.log what was acknowledged
      to it: "start OP ..." before a write, "ack OP ..." only once the write
      returned success, "fail OP ..." when it returned an errno (nothing
      changed).  A writer first logs what it sees of its UUIDs ("seen"), so
      an operation left in flight by the last kill is settled.  It stops
      when the daemon dies under it (ENOTCONN) or after SECONDS.

  crash_storm.py check MOUNT LOGDIR STATEDIR
      Compares the tree with the logs: every UUID whose last acknowledged
      operation was a create is there, on its parent and type, with its
      iommu group and vfio number; every UUID whose last acknowledged one
      was a remove is not; one in flight may be either.  The tree and the
      records in STATEDIR/devices name the same devices, and every type's
      available_instances is what the devices there leave.  Prints the
      numbers; exits 1 on any mismatch.
"""
import errno
import os
import random
import sys
import time

# The built-in samples (examples/samples.conf): type -> (parent, cost).
TYPES = {
    "mtty-1": ("mtty", 1), "mtty-2": ("mtty", 2),
    "mdpy-vga": ("mdpy", 1), "mdpy-xga": ("mdpy", 1), "mdpy-hd": ("mdpy", 1),
    "mbochs-small": ("mbochs", 4), "mbochs-medium": ("mbochs", 16),
    "mbochs-large": ("mbochs", 64),
}
POOLS = {"mtty": 24, "mbochs": 256}   # the vendor counts units
CORE_MAX = {"mdpy": 4}                 # the core counts devices
PER_WRITER = 12
# What a writer gets when the daemon dies under it: in flight or after.
DEAD = (errno.ENOTCONN, errno.ECONNABORTED)


def uuids_of(writer):
    return ["%08x-0000-4000-8000-%012x" % (writer + 1, k) for k in range(PER_WRITER)]


def device_dir(mount, u):
    return os.path.join(mount, "bus/mdev/devices", u)


def readlink_or_none(path):
    """Only ENOENT means absent: a dead mount raises (ENOTCONN)."""
    try:
        return os.readlink(path)
    except FileNotFoundError:
        return None


class NotServing(OSError):
    """The tree is not there: no daemon has it mounted (yet)."""


def seen(mount, u):
    """(parent, type, group, vfio) of device u, or None if it is absent.

    Only a tree that is there says a device is absent: an unmounted
    mountpoint (the moment a restart on an old kernel replaces the dead
    mount) says nothing of it, and a writer that took it for absent would
    expect acknowledged devices to be gone (the failure CI saw once)."""
    tree = os.path.join(mount, "bus/mdev/devices")
    d = device_dir(mount, u)
    # Before and after the look: the tree may come or go meanwhile.
    if not os.path.isdir(tree):
        raise NotServing(errno.ENOTCONN, "no tree at " + mount)
    link = readlink_or_none(d)
    if not os.path.isdir(tree):
        raise NotServing(errno.ENOTCONN, "no tree at " + mount)
    if link is None:
        return None
    parent = link.split("/")[-2]
    mtype = os.path.basename(os.readlink(os.path.join(d, "mdev_type")))
    group = readlink_or_none(os.path.join(d, "iommu_group"))
    vfio = "none"
    if group is not None:
        vfio = os.listdir(os.path.join(d, "vfio-dev"))[0][len("vfio"):]
    return (parent, mtype, os.path.basename(group) if group else "none", vfio)


def write_once(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def writer(mount, logdir, w, seconds):
    log = open(os.path.join(logdir, "w%d.log" % w), "a", buffering=1)
    rng = random.Random(os.getpid() ^ int(time.time() * 1e6))
    present = {}
    try:
        for u in uuids_of(w):
            s = seen(mount, u)
            present[u] = s is not None
            log.write("seen %s %s\n" % (u, " ".join(s) if s else "absent"))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            u = rng.choice(uuids_of(w))
            if present[u]:
                log.write("start remove %s\n" % u)
                try:
                    write_once(os.path.join(device_dir(mount, u), "remove"), "1")
                except OSError as e:
                    if e.errno in DEAD:
                        return
                    log.write("fail remove %s %s\n" % (u, errno.errorcode[e.errno]))
                    continue
                log.write("ack remove %s\n" % u)
                present[u] = False
            else:
                mtype = rng.choice(sorted(TYPES))
                parent = TYPES[mtype][0]
                log.write("start create %s %s %s\n" % (u, parent, mtype))
                try:
                    write_once(os.path.join(mount, "class/mdev_bus", parent,
                                            "mdev_supported_types", mtype, "create"), u)
                except OSError as e:
                    if e.errno in DEAD:
                        return
                    log.write("fail create %s %s\n" % (u, errno.errorcode[e.errno]))
                    continue
                log.write("ack create %s %s %s\n" % (u, parent, mtype))
                present[u] = True
                s = seen(mount, u)  # nobody else touches u: its numbers
                log.write("num %s %s %s\n" % (u, s[2], s[3]))
    except OSError as e:
        if e.errno not in DEAD:
            raise


def storm(mount, logdir, writers, seconds):
    pids = []
    for w in range(writers):
        pid = os.fork()
        if pid == 0:
            try:
                writer(mount, logdir, w, seconds)
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)


class Expect:
    """What the log says of one UUID."""

    def __init__(self):
        self.state = "absent"     # absent, present or unknown
        self.where = None         # (parent, type) when present
        self.numbers = None       # (group, vfio) when known
        self.pending = None       # an operation started, not acknowledged


def replay(logdir):
    expect, acked = {}, {"create": 0, "remove": 0}
    for name in sorted(os.listdir(logdir)):
        for line in open(os.path.join(logdir, name)):
            f = line.split()
            if not f or len(f) < 2:
                continue
            if f[0] == "seen":
                e = expect.setdefault(f[1], Expect())
                e.pending = None
                if f[2] == "absent":
                    e.state, e.where, e.numbers = "absent", None, None
                else:
                    e.state, e.where, e.numbers = "present", (f[2], f[3]), (f[4], f[5])
                continue
            e = expect.setdefault(f[2] if f[0] != "num" else f[1], Expect())
            if f[0] == "start":
                e.pending = f[1:]
            elif f[0] == "ack":
                acked[f[1]] += 1
                e.pending = None
                if f[1] == "create":
                    e.state, e.where, e.numbers = "present", (f[3], f[4]), None
                else:
                    e.state, e.where, e.numbers = "absent", None, None
            elif f[0] == "fail":
                e.pending = None  # refused: nothing changed
            elif f[0] == "num":
                e.numbers = (f[2], f[3])
    return expect, acked


def check(mount, logdir, statedir):
    expect, acked = replay(logdir)
    bad, compared, inflight = [], 0, 0
    for u, e in sorted(expect.items()):
        s = seen(mount, u)
        if e.pending:
            inflight += 1
            continue  # either way; the records check below still holds
        compared += 1
        if e.state == "absent" and s:
            bad.append("%s: removed (acknowledged), yet back: %s" % (u, s))
        elif e.state == "present" and not s:
            bad.append("%s: created on %s (acknowledged), lost" % (u, e.where))
        elif e.state == "present" and s[:2] != e.where:
            bad.append("%s: created on %s, back as %s" % (u, e.where, s[:2]))
        elif e.state == "present" and e.numbers and s[2:] != e.numbers:
            bad.append("%s: numbers %s, back with %s" % (u, e.numbers, s[2:]))
    tree = set(os.listdir(os.path.join(mount, "bus/mdev/devices")))
    records = set(n for n in os.listdir(os.path.join(statedir, "devices"))
                  if len(n) == 36)
    if tree != records:
        bad.append("tree and records differ: only in tree %s, only recorded %s"
                   % (sorted(tree - records), sorted(records - tree)))
    strangers = tree - set(expect)
    if strangers:
        bad.append("devices nobody created: %s" % sorted(strangers))
    bad += check_accounting(mount, tree)
    for b in bad:
        print("FAIL - " + b)
    print("acked creates %d, acked removes %d, devices compared %d, in flight %d, "
          "devices now %d" % (acked["create"], acked["remove"], compared,
                              inflight, len(tree)))
    return 1 if bad else 0


def check_accounting(mount, tree):
    used = {p: 0 for p in list(POOLS) + list(CORE_MAX)}
    for u in tree:
        parent, mtype = seen(mount, u)[:2]
        used[parent] += TYPES[mtype][1]
    bad = []
    for mtype, (parent, cost) in TYPES.items():
        if parent in POOLS:
            want = (POOLS[parent] - used[parent]) // cost
        else:
            want = CORE_MAX[parent] - used[parent]
        path = os.path.join(mount, "class/mdev_bus", parent, "mdev_supported_types",
                            mtype, "available_instances")
        got = int(open(path).read())
        if got != want:
            bad.append("%s available_instances %d, the devices leave %d" % (mtype, got, want))
    return bad


def main():
    if sys.argv[1] == "storm":
        storm(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
        return 0
    return check(sys.argv[2], sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    sys.exit(main())
