# SPDX-License-Identifier: MIT
# A udev rule at work on the tree: a private udevd runs only the example
# rule (examples/udev) on the tree's events, inside the tree's namespaces.
import os
import time

RULE = os.path.join(os.path.dirname(__file__), "../udev/70-mdevfs-example.rules")
SETUP = """set -e
mount -t tmpfs tmpfs /run && mkdir /run/udev
for d in /etc/udev/rules.d /usr/lib/udev/rules.d; do mount -t tmpfs tmpfs $d; done
cp "$1" /etc/udev/rules.d/
[ ! -d /dev/vfio ] || mount -t tmpfs tmpfs /dev/vfio  # the host's nodes stay as they are
/lib/systemd/systemd-udevd --daemon
while [ ! -S /run/udev/control ]; do sleep 0.01; done
"""


def rule_log(tree, want):
    log = "/proc/%d/root/run/mdevfs-example.log" % tree.pid
    for _ in range(500):
        if os.path.exists(log) and want in open(log).read().splitlines():
            return True
        time.sleep(0.01)
    return False


def test_rule_runs(mdev_tree):
    mdev_tree.run(["sh", "-c", SETUP, "sh", os.path.abspath(RULE)], check=True)
    uuid = mdev_tree.create("mdpy", "mdpy-vga")
    assert rule_log(mdev_tree, "mdev %s bound to mdpy" % uuid)
    mdev_tree.remove(uuid)
    assert rule_log(mdev_tree, "mdev %s removed" % uuid)
