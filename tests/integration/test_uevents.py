#!/usr/bin/python3
"""Uevents as real monitors hear them.

udevadm monitor (--kernel --udev --property) and pyudev monitors (kernel and
udev sources, unfiltered and filtered by subsystem) record a scripted run
of mdevfs: start, a create on every sample parent, a refused duplicate, a
create the vendor refuses on a full mtty, a remove, and a stop with live
devices.  The test compares every sequence with the kernel's, checks that
SEQNUM increases, and checks what the mount shows when an event arrives.

Run inside `unshare -m -n` (ctest does); MDEVFS names the binary.
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pyudev

MDEVFS = os.environ["MDEVFS"]
MTTY = "/devices/virtual/mtty/mtty"
MDPY = "/devices/virtual/mdpy/mdpy"
MBOCHS = "/devices/virtual/mbochs/mbochs"
FAILS = []


def check(what, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + what + ("" if ok else f": {detail}"))
    if not ok:
        FAILS.append(what)


def own_namespaces():
    for ns in ("mnt", "net"):
        if os.readlink(f"/proc/self/ns/{ns}") == os.readlink(f"/proc/{os.getppid()}/ns/{ns}"):
            sys.exit("run this inside unshare -m -n (ctest does)")


class Recorder:
    """A pyudev monitor on a thread; checks the mount as each event arrives."""

    def __init__(self, source, subsystem, mount):
        self.name = f"pyudev {source}" + (f" ({subsystem})" if subsystem else "")
        self.mount = mount
        self.events = []
        self.monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source=source)
        if subsystem:
            self.monitor.filter_by(subsystem)
        self.monitor.start()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            dev = self.monitor.poll(timeout=0.2)
            if dev is None:
                continue
            props = dict(dev.properties)
            self.events.append((props, visible(self.mount, props)))

    def wait_for(self, action, devpath, timeout=20):
        """Until this monitor has checked the event, so that the next step
        cannot change the mount before the check (a slow monitor under a
        sanitizer would otherwise judge an old event by a newer mount)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(p["ACTION"] == action and p["DEVPATH"].endswith(devpath)
                   for p, _ in list(self.events)):
                return True
            time.sleep(0.01)
        return False


def visible(mount, props):
    """What the mount shows of the event's device right now."""
    path = mount + props["DEVPATH"]
    if props.get("SUBSYSTEM") == "mdev":
        name = os.path.basename(path)
        return all(os.path.lexists(p) for p in (
            path, path + "/uevent", path + "/remove", path + "/subsystem",
            f"{mount}/bus/mdev/devices/{name}"))
    if "MDEV_STATE" in props:
        return (os.path.isdir(path + "/mdev_supported_types")
                and os.path.lexists(f"{mount}/class/mdev_bus/{os.path.basename(path)}"))
    return os.path.lexists(path)


def key(props):
    """An event as the kernel's sequence names it."""
    extra = [f"{k}={props[k]}" for k in
             ("DRIVER", "MDEV_STATE", "MAJOR", "MINOR", "DEVNAME") if k in props]
    return " ".join([props["ACTION"], props["DEVPATH"], props["SUBSYSTEM"]] + extra)


def expected(u):
    """The kernel's uevents for the scripted run (kernel-mdev-abi.md §3, §4)."""
    ev = []
    # start: each sample module as it loads (driver, class, parent, module)
    for path, subsys in ((MTTY, "mtty"), (MDPY, "mdpy"), (MBOCHS, "mbochs")):
        ev += [f"add /bus/mdev/drivers/{subsys} drivers",
               f"add /class/{subsys} class", f"add {path} {subsys}",
               f"change {path} {subsys} MDEV_STATE=registered",
               f"add /module/{subsys} module"]
    created = []  # (devpath, driver, vfio index = its iommu group)

    def group(action, n):
        # The kernel sends DEVNAME=vfio/N; libudev (pyudev) and udevadm
        # show it as the node, /dev/vfio/N, as on a real host.
        return (f"{action} /devices/virtual/vfio/{n} vfio MAJOR=254 MINOR={n}"
                f" DEVNAME=/dev/vfio/{n}")
    for i, (parent, drv) in enumerate(((MTTY, "mtty"), (MDPY, "mdpy"),
                                       (MBOCHS, "mbochs"))):
        d = f"{parent}/{u['first'][i]}"
        ev += [f"add {d} mdev", group("add", i),
               f"add {d}/vfio-dev/vfio{i} vfio-dev", f"bind {d} mdev DRIVER={drv}"]
        created.append((d, drv, i))
    for j, v in enumerate(u["fill"]):
        d = f"{MTTY}/{v}"
        ev += [f"add {d} mdev", group("add", 3 + j),
               f"add {d}/vfio-dev/vfio{3 + j} vfio-dev", f"bind {d} mdev DRIVER=mtty"]
        created.append((d, "mtty", 3 + j))
    d = f"{MTTY}/{u['refused']}"
    ev += [f"add {d} mdev", f"remove {d} mdev"]
    d, _, i = created.pop(1)  # the mdpy device is removed
    ev += [f"remove {d}/vfio-dev/vfio{i} vfio-dev", group("remove", i),
           f"unbind {d} mdev", f"remove {d} mdev"]
    # stop: parents unregister in reverse order, each child first
    for path, subsys in ((MBOCHS, "mbochs"), (MDPY, "mdpy"), (MTTY, "mtty")):
        for d, _, i in created:
            if d.startswith(path + "/"):
                ev += [f"remove {d}/vfio-dev/vfio{i} vfio-dev",
                       group("remove", i), f"unbind {d} mdev", f"remove {d} mdev"]
        ev += [f"change {path} {subsys} MDEV_STATE=unregistered",
               f"remove {path} {subsys}",
               f"remove /bus/mdev/drivers/{subsys} drivers",
               f"remove /class/{subsys} class", f"remove /module/{subsys} module"]
    return ev


def write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def parse_udevadm(text):
    """udevadm monitor --property blocks, by source."""
    out = {"KERNEL": [], "UDEV": []}
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines or not lines[0].startswith(("KERNEL", "UDEV")):
            continue
        props = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
        out[lines[0].split("[")[0].strip()].append(props)
    return out


SAMPLES = ("mtty", "mdpy", "mbochs")


def is_ours(p):
    """An event of mdevfs's (not the kernel's own, e.g. the mount's bdi)."""
    sub, path = p.get("SUBSYSTEM"), p.get("DEVPATH", "")
    if sub in ("drivers", "class", "module"):
        return path.rsplit("/", 1)[-1] in SAMPLES
    return sub in ("mdev", "vfio-dev", "vfio") + SAMPLES


def ours(events, mount):
    return [p for p in events if is_ours(p)]


def main():
    own_namespaces()
    mount = tempfile.mkdtemp(prefix="mdevfs-uevents-")
    udevadm = subprocess.Popen(["udevadm", "monitor", "--kernel", "--udev",
                                "--property"], stdout=subprocess.PIPE, text=True)
    recorders = [Recorder(src, sub, mount) for src in ("kernel", "udev")
                 for sub in (None, "mdev")]
    time.sleep(0.5)  # udevadm subscribes
    u = {"first": [str(uuid.uuid4()) for _ in range(3)],
         "fill": [str(uuid.uuid4()) for _ in range(11)],
         "refused": str(uuid.uuid4())}
    daemon = subprocess.Popen([MDEVFS, "-f", mount], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(500):
            if os.path.ismount(mount):
                break
            time.sleep(0.01)
        types = f"{mount}/class/mdev_bus/%s/mdev_supported_types/%s/create"
        for v, (p, t) in zip(u["first"], (("mtty", "mtty-2"), ("mdpy", "mdpy-vga"),
                                           ("mbochs", "mbochs-small"))):
            check(f"create on {p}", write(types % (p, t), v) == 0)
        check("duplicate UUID refused", write(types % ("mdpy", "mdpy-xga"),
                                              u["first"][0]) == 17)
        for v in u["fill"]:
            write(types % ("mtty", "mtty-2"), v)
        check("vendor refuses a full mtty", write(types % ("mtty", "mtty-1"),
                                                  u["refused"]) == 28)
        for r in recorders:
            check(f"{r.name} heard the mdpy device's bind",
                  r.wait_for("bind", "/" + u["first"][1]))
        check("remove", write(f"{mount}/bus/mdev/devices/{u['first'][1]}/remove", "1") == 0)
        for r in recorders:
            check(f"{r.name} heard the mdpy device's remove",
                  r.wait_for("remove", "/" + u["first"][1]))
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        check("daemon stops cleanly", daemon.returncode == 0, daemon.stderr.read())
    finally:
        if daemon.poll() is None:
            daemon.kill()
        subprocess.run(["umount", "-l", mount], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    for r in recorders:
        r.stop = True
        r.thread.join()
    udevadm.send_signal(signal.SIGINT)
    text = udevadm.communicate(timeout=10)[0]
    os.rmdir(mount)

    want = expected(u)
    want_mdev = [k for k in want if k.split()[2] == "mdev"]
    for r in recorders:
        got = [key(p) for p, _ in r.events if is_ours(p)]
        filtered = "(mdev)" in r.name
        check(f"{r.name}: the kernel's sequence", got == (want_mdev if filtered else want),
              "\n  " + "\n  ".join(difference(got, want_mdev if filtered else want)))
        seqnums = [int(p["SEQNUM"]) for p, _ in r.events]
        check(f"{r.name}: SEQNUM increases", seqnums == sorted(set(seqnums)), seqnums)
        late = [key(p) for p, vis in r.events
                if p["ACTION"] in ("add", "bind") and p.get("SUBSYSTEM") == "mdev"
                and u["refused"] not in p["DEVPATH"] and not vis]
        late += [key(p) for p, vis in r.events
                 if (p["ACTION"] == "remove" and p.get("SUBSYSTEM") == "mdev"
                     or p.get("MDEV_STATE") == "unregistered") and vis]
        late += [key(p) for p, vis in r.events
                 if p.get("MDEV_STATE") == "registered" and not vis]
        check(f"{r.name}: the mount agrees with each event as it arrives", not late, late)
    udev = parse_udevadm(text)
    for source in ("KERNEL", "UDEV"):
        got = [key(p) for p in ours(udev[source], mount)]
        check(f"udevadm monitor {source}: the kernel's sequence", got == want,
              "\n  " + "\n  ".join(difference(got, want)))
    bind = [p for p in udev["UDEV"] if p.get("ACTION") == "bind"]
    check("bind carries DRIVER, SEQNUM", bool(bind) and all("DRIVER" in p and "SEQNUM" in p
                                                            for p in bind))
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


def difference(got, want):
    import difflib
    return list(difflib.unified_diff(want, got, "kernel", "mdevfs", lineterm="", n=1))[:40]


if __name__ == "__main__":
    main()
