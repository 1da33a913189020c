# SPDX-License-Identifier: MIT
"""A private mdev sysfs tree for a test, served by mdevfs (docs/testing.md).

    with Tree() as tree:
        uuid = tree.create("mtty", "mtty-2")
        tree.wait_uevent("bind", "mdev")
        print(tree.run(["mdevctl", "list"], capture_output=True).stdout)

As libmdevfs-testbed (include/mdevfs/testbed.h) does it: a child mdevfs in
a user, mount, network and pid namespace of its own, mounted on their /sys.  The test reaches the tree at
Tree.root (/proc/PID/root/sys); Tree.run() runs a program inside, where
/sys is the tree; uevents are heard on a netlink socket made inside.  The
daemon is killed when the test's thread dies (PR_SET_PDEATHSIG), what
runs inside goes with it (it is their pid namespace's first process), and
its mounts live only in its namespace: nothing outlives the test.
"""
import array
import ctypes
import os
import signal
import socket
import subprocess
import time
import uuid as uuidlib

__all__ = ["Tree", "TreeError"]

PR_SET_PDEATHSIG = 1
START_TIMEOUT = 60.0  # a sanitizer build on a busy machine

# Run inside the namespaces by nsenter: the netlink socket of the kernel's
# uevent group, handed back over the unix socket whose fd is argv[1].
_UEVENT_SOCKET = """
import socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((0, 1))
socket.send_fds(socket.socket(fileno=int(sys.argv[1])), [b"s"], [s.fileno()])
"""


class TreeError(Exception):
    """The tree, the kernel or the daemon said no; the message says why."""


def _mdevfs():
    return os.environ.get("MDEVFS") or "mdevfs"


def _die_with_parent():
    # unshare, which then kills the daemon (--kill-child)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _parse_uevent(data):
    head, _, rest = data.partition(b"\0")
    if b"@" not in head:
        return None  # not the kernel's format
    props = {}
    for item in rest.split(b"\0"):
        key, eq, value = item.partition(b"=")
        if eq:
            props[key.decode()] = value.decode(errors="replace")
    return props


class Tree:
    """A running tree serving config (a configuration's text), config_file,
    or the kernel's sample drivers."""

    def __init__(self, config=None, config_file=None):
        self._holds = {}
        self._log = open(os.memfd_create("mdevfs-testbed.log"), "w+b")
        self._conf = None
        # A user namespace also for root: the kernel broadcasts the host's
        # device events to the network namespaces the host's user namespace
        # owns.  The daemon is the first process of a pid namespace:
        # whatever a test starts inside (run()) goes with it.
        argv = ["unshare", "--user", "--map-root-user"]
        argv += ["--mount", "--net", "--pid", "--fork", "--kill-child",
                 "--propagation=private", _mdevfs(),
                 "-f", "--no-state-dir"]
        fds = ()
        if config is not None:
            self._conf = os.memfd_create("mdevfs-testbed.conf")
            os.write(self._conf, config.encode())
            fds = (self._conf,)
            argv += ["-c", "/dev/fd/%d" % self._conf]
        elif config_file is not None:
            argv += ["-c", os.path.abspath(config_file)]
        argv.append("/sys")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stderr=self._log, pass_fds=fds,
                                     preexec_fn=_die_with_parent)
        self.pid = self.root = self._uevents = None
        try:
            self._wait_serving()
            self._uevents = self._uevent_socket()
            self._skip_start_events()
            self._private_mdevctl_d()
        except BaseException:
            self.close()
            raise

    def _serving(self):
        if self.pid is None:
            children = "/proc/%d/task/%d/children" % ((self.proc.pid,) * 2)
            try:
                with open(children) as f:
                    self.pid = int(f.read().split()[0])
            except (OSError, IndexError):
                return False
            self.root = "/proc/%d/root/sys" % self.pid
        try:
            with open("/proc/%d/mountinfo" % self.pid) as f:
                mounted = any(" /sys " in l and " - fuse.mdevfs " in l
                              for l in f)
        except OSError:
            return False
        return mounted and os.path.isdir(self.root + "/class/mdev_bus")

    def _wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT
        while not self._serving():
            if self.proc.poll() is not None:
                raise TreeError("mdevfs did not start: " + self._last_line())
            if time.monotonic() > deadline:
                raise TreeError("mdevfs did not serve /sys within %d s"
                                % START_TIMEOUT)
            time.sleep(0.01)

    def _last_line(self):
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        last = lines[-1] if lines else "no message"
        return last[len("mdevfs: "):] if last.startswith("mdevfs: ") else last

    def _nsenter(self, mount=False):
        """nsenter into the daemon's user and network namespaces (with
        mount, its mount and pid namespaces too)."""
        argv = ["nsenter", "-t", str(self.pid), "-U", "-n",
                "--preserve-credentials"]
        if mount:
            argv += ["-m", "-p"]
        return argv

    def _uevent_socket(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with ours, theirs:
            subprocess.run(self._nsenter() + ["/usr/bin/python3", "-c",
                           _UEVENT_SOCKET, str(theirs.fileno())], check=True,
                           pass_fds=(theirs.fileno(),))
            _, fds, _, _ = socket.recv_fds(ours, 1, 1)
        return socket.socket(fileno=fds[0])

    def _skip_start_events(self):
        """The parents' events of the start may come after the socket was
        made: a synthetic event goes behind them, and they go with it."""
        mark = str(uuidlib.uuid4())
        self._write("bus/mdev/uevent", "change %s TESTBED=start" % mark)
        self.wait_uevent("change", "bus", timeout=START_TIMEOUT,
                         SYNTH_UUID=mark)

    def _private_mdevctl_d(self):
        """What mdevctl defines inside stays there (as in `mdevfs run`):
        a tmpfs on /etc/mdevctl.d with the directories mdevctl 1.2.0
        insists on."""
        if os.path.isdir("/etc/mdevctl.d"):
            self.run(["sh", "-c", "mount -t tmpfs -o mode=0755 tmpfs "
                      "/etc/mdevctl.d && mkdir -p /etc/mdevctl.d/scripts.d/"
                      "callouts /etc/mdevctl.d/scripts.d/notifiers"],
                     check=True)

    def _write(self, rel, text):
        try:
            with open(os.path.join(self.root, rel), "w") as f:
                f.write(text)
        except OSError as e:
            raise TreeError("%s: %s" % (rel, e.strerror)) from None

    def create(self, parent, type, uuid=None):
        """A device of type (its directory name) on parent, as a write of
        its UUID to `create`; returns the UUID."""
        uuid = uuid or str(uuidlib.uuid4())
        try:
            self._write("class/mdev_bus/%s/mdev_supported_types/%s/create"
                        % (parent, type), uuid)
        except TreeError as e:
            raise TreeError("create %s on %s %s: %s" % (
                uuid, parent, type, str(e).rpartition(": ")[2])) from None
        return uuid

    def remove(self, uuid):
        """`echo 1 > remove`; waits while the device is held."""
        try:
            self._write("bus/mdev/devices/%s/remove" % uuid, "1")
        except TreeError as e:
            raise TreeError("remove %s: %s" % (
                uuid, str(e).rpartition(": ")[2])) from None

    def ctl(self, *args, input=None):
        """`mdevfs ctl ARGS` on this tree; its output."""
        r = subprocess.run(self._nsenter() + [_mdevfs(), "ctl", "-m", "/sys"]
                           + list(args), input=input, capture_output=True,
                           text=True)
        if r.returncode:
            raise TreeError(r.stderr.strip().replace("\n", "; ")
                            or "mdevfs ctl %s: exit %d" % (args[0], r.returncode))
        return r.stdout

    def add_parents(self, config):
        self.ctl("register", "-", input=config)

    def remove_parent(self, name):
        self.ctl("unregister", name)

    def fault(self, parent, type, **settings):
        """`mdevfs ctl fault PARENT TYPE KEY=VALUE...` (type may be "*")."""
        return self.ctl("fault", parent, type,
                        *("%s=%s" % kv for kv in settings.items()))

    def hold(self, uuid):
        """Keeps a device in use as a VM would, until release()."""
        if uuid in self._holds:
            raise TreeError("hold: %s: held by this tree already" % uuid)
        p = subprocess.Popen(self._nsenter() + [_mdevfs(), "ctl", "-m", "/sys",
                             "hold", uuid], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        if not line.startswith("holding "):
            p.wait()
            raise TreeError(p.stderr.read().strip() or "hold %s failed" % uuid)
        self._holds[uuid] = p

    def release(self, uuid):
        p = self._holds.pop(uuid, None)
        if p is None:
            raise TreeError("release: %s: not held by this tree" % uuid)
        p.terminate()
        p.wait()
        p.stdout.close()
        p.stderr.close()

    def wait_uevent(self, action=None, subsystem=None, timeout=5.0, **props):
        """The next uevent (as the kernel broadcasts it) matching action,
        subsystem and every KEY=VALUE of props, skipping the others; its
        properties.  TreeError after timeout seconds."""
        want = dict(props)
        if action:
            want["ACTION"] = action
        if subsystem:
            want["SUBSYSTEM"] = subsystem
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TreeError("no uevent %s in %g s" % (" ".join(
                    "%s=%s" % kv for kv in want.items()), timeout))
            self._uevents.settimeout(left)
            try:
                ev = _parse_uevent(self._uevents.recv(8192))
            except socket.timeout:
                continue
            if ev and all(ev.get(k) == v for k, v in want.items()):
                return ev

    def run(self, args, **kwargs):
        """subprocess.run(args) inside the tree's namespaces, where /sys is
        the tree (only the tree: the real sysfs is not there) and
        /etc/mdevctl.d a private tmpfs; what it leaves running there goes
        with the tree."""
        env = dict(kwargs.pop("env", None) or os.environ)
        env.setdefault("SYSTEMD_DEVICE_VERIFY_SYSFS", "0")
        env["MDEVFS_CTL"] = "mdevfs-ctl:/sys"
        return subprocess.run(self._nsenter(mount=True) + ["--"] + list(args),
                              env=env, **kwargs)

    def close(self):
        """Kills the daemon and waits for it: its namespaces go, with
        everything that runs and is mounted in them.  Not an orderly stop:
        nobody is left to hear its events, and a daemon that stops while a
        client inside (a udevd's worker) waits on it can wait for ever."""
        for uuid in list(self._holds):
            self.release(uuid)
        if self._uevents:
            self._uevents.close()
            self._uevents = None
        if self.proc.poll() is None:
            os.kill(self.pid or self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self._conf is not None:
            os.close(self._conf)
            self._conf = None
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
