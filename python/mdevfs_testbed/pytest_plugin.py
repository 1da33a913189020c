# SPDX-License-Identifier: MIT
"""The mdev_tree fixture: a running tree for each test that asks for one.

Installed with the package, pytest loads it by itself (its entry point);
otherwise `pytest -p mdevfs_testbed.pytest_plugin`.  What the tree serves
is the mdev_tree_config fixture's value: a configuration's text, or None
for the kernel's sample drivers; a test module overrides it to serve
others (docs/testing.md).
"""
import pytest

from mdevfs_testbed import Tree


@pytest.fixture
def mdev_tree_config():
    return None


@pytest.fixture
def mdev_tree(mdev_tree_config):
    with Tree(config=mdev_tree_config) as tree:
        yield tree
