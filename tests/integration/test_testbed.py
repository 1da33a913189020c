# SPDX-License-Identifier: MIT
# The Python testbed (python/mdevfs_testbed) and its mdev_tree fixture, as
# a test uses them: the real daemon in namespaces of its own, real clients
# inside (mdevctl, udevadm), and nothing left once the test ends or dies.
# Run by tests/CMakeLists.txt as root and as nobody.
import os
import signal
import subprocess
import sys
import time

import pytest

from mdevfs_testbed import Tree, TreeError

GPU = """[parent gpu0]
class = gpu
driver = gpu
backend = sample
device_api = vfio-pci
pool = 2
[type gpu0 a]
"""


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_device_events_and_mdevctl(mdev_tree):
    uuid = mdev_tree.create("mtty", "mtty-2")
    add = mdev_tree.wait_uevent("add", "mdev")
    assert add["DEVPATH"] == "/devices/virtual/mtty/mtty/" + uuid
    assert mdev_tree.wait_uevent("bind", "mdev")["DRIVER"] == "mtty"
    with open(mdev_tree.root + "/class/mdev_bus/mtty/mdev_supported_types/"
              "mtty-1/available_instances") as f:
        assert f.read() == "22\n"
    out = mdev_tree.run(["mdevctl", "list"], capture_output=True, text=True)
    assert out.stdout.split() == [uuid, "mtty", "mtty-2", "manual"]
    # Definitions stay in the tree's /etc/mdevctl.d.
    host = set(os.listdir("/etc/mdevctl.d"))
    mdev_tree.run(["mdevctl", "define", "-u", uuid], check=True)
    out = mdev_tree.run(["mdevctl", "list", "--defined"], capture_output=True,
                        text=True)
    assert out.stdout.split()[:4] == [uuid, "mtty", "mtty-2", "manual"]
    assert set(os.listdir("/etc/mdevctl.d")) == host
    mdev_tree.run(["mdevctl", "stop", "-u", uuid], check=True)
    assert mdev_tree.wait_uevent("remove", "mdev")["DEVPATH"] == add["DEVPATH"]
    assert not os.path.exists(mdev_tree.root + "/bus/mdev/devices/" + uuid)


def test_udevadm_inside(mdev_tree):
    uuid = mdev_tree.create("mdpy", "mdpy-vga")
    out = mdev_tree.run(["udevadm", "info", "-q", "property", "-p",
                         "/sys/bus/mdev/devices/" + uuid],
                        capture_output=True, text=True)
    assert "SUBSYSTEM=mdev" in out.stdout.split(), out.stderr


def test_refusals(mdev_tree):
    uuid = mdev_tree.create("mtty", "mtty-2")
    with pytest.raises(TreeError, match="^create %s on mdpy mdpy-vga: "
                       "File exists$" % uuid):
        mdev_tree.create("mdpy", "mdpy-vga", uuid)
    with pytest.raises(TreeError, match="^no uevent ACTION=nothing in 0.2 s$"):
        mdev_tree.wait_uevent("nothing", timeout=0.2)


@pytest.mark.parametrize("mdev_tree_config", [GPU])
def test_parents_holds_faults(mdev_tree):
    assert os.listdir(mdev_tree.root + "/class/mdev_bus") == ["gpu0"]
    mdev_tree.add_parents(GPU.replace("gpu0", "gpu1"))
    ev = mdev_tree.wait_uevent("change", MDEV_STATE="registered")
    assert ev["DEVPATH"] == "/devices/virtual/gpu/gpu1"
    mdev_tree.remove_parent("gpu1")
    with pytest.raises(TreeError, match="gpu1"):
        mdev_tree.remove_parent("gpu1")

    uuid = mdev_tree.create("gpu0", "gpu-a")
    mdev_tree.hold(uuid)
    remover = subprocess.Popen([sys.executable, "-c",
                                "open(%r, 'w').write('1')" %
                                (mdev_tree.root + "/bus/mdev/devices/%s/remove"
                                 % uuid)])
    time.sleep(0.3)
    assert remover.poll() is None  # the remove waits while it is held
    mdev_tree.release(uuid)
    assert remover.wait(30) == 0

    mdev_tree.fault("gpu0", "*", probe_fail_percent=100, probe_fail_errno="EIO")
    with pytest.raises(TreeError, match="Input/output error$"):
        mdev_tree.create("gpu0", "gpu-a")


def test_bad_configuration():
    with pytest.raises(TreeError, match="^mdevfs did not start: .*missing key "
                       "'backend'"):
        Tree(config="[parent p]\nclass = x\n")


def pids_of(cmdline):
    found = []
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if f.read() == cmdline:
                    found.append(int(p))
        except (OSError, ValueError):
            pass
    return found


def test_close_and_death():
    tree = Tree()
    pid, root = tree.pid, tree.root
    tree.create("mtty", "mtty-1")
    # What a test leaves running inside goes with the tree.
    tree.run(["sh", "-c", "sleep 599.5 </dev/null >/dev/null 2>&1 &"], check=True)
    for _ in range(500):  # once the shell's child has exec'd sleep
        left = pids_of(b"sleep\x00599.5\x00")
        if left:
            break
        time.sleep(0.01)
    assert len(left) == 1
    tree.close()
    assert gone(pid) and not os.path.exists(root)
    assert gone(left[0])

    # A test killed with its tree running takes the daemon with it.
    child = subprocess.Popen([sys.executable, "-c",
                              "import mdevfs_testbed, time\n"
                              "print(mdevfs_testbed.Tree().pid, flush=True)\n"
                              "time.sleep(600)"], stdout=subprocess.PIPE)
    daemon = int(child.stdout.readline())
    assert not gone(daemon)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    for _ in range(1000):
        if gone(daemon):
            break
        time.sleep(0.01)
    assert gone(daemon), "mdevfs %d outlived its test" % daemon
