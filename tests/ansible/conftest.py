"""Shared by the tests of tests/ansible: where things are, and the skip rules.

Run by CTest (tests/ansible/CMakeLists.txt) with Debian's /usr/bin/python3 -m pytest. Tests that
need root or a tool that is missing end the run with exit code 77, which CTest reports as
skipped."""

import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.realpath(os.path.join(HERE, "..", ".."))
COLLECTIONS = os.path.join(SOURCE_DIR, "integrations", "ansible")
COLLECTION = os.path.join(COLLECTIONS, "ansible_collections", "rolewall", "rolewall")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))
sys.path.insert(0, COLLECTIONS)
SKIP = 77


def skip_run(why):
    """Ends the whole run as skipped (CTest's SKIP_RETURN_CODE), with the reason."""
    print("SKIPPED: " + why, file=sys.stderr)
    pytest.exit("skipped: " + why, returncode=SKIP)


def need_root():
    if os.geteuid() != 0:
        skip_run("needs root (network namespaces, nftables, a private dbus-daemon)")


def need_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        skip_run("missing " + ", ".join(missing) + " (.ci/setup installs them)")


@pytest.fixture
def build_dir():
    return os.environ.get("ROLEWALL_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")


@pytest.fixture
def tmp_path():
    """A temporary directory short enough for the sandbox's bus socket (pytest's own tmp_path
    can be longer than a socket path may be). Removed after the test."""
    import pathlib
    import tempfile

    path = tempfile.mkdtemp(prefix="rwt-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)
