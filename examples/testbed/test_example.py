# SPDX-License-Identifier: MIT
# A device made, its add and bind heard, mdevctl seeing it, removed.
def test_mtty_device(mdev_tree):
    uuid = mdev_tree.create("mtty", "mtty-2")
    mdev_tree.wait_uevent("add", "mdev")
    mdev_tree.wait_uevent("bind", "mdev", DRIVER="mtty")
    out = mdev_tree.run(["mdevctl", "list"], capture_output=True, text=True)
    assert out.stdout.split() == [uuid, "mtty", "mtty-2", "manual"]
    mdev_tree.remove(uuid)
