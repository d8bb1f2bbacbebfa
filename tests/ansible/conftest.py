"""Shared by the tests of tests/ansible: where things are, and the skip rules.

Run by CTest (tests/ansible/CMakeLists.txt) with Debian's /usr/bin/python3 -m pytest. A test
module says what it needs with NEEDS_ROOT = True and NEEDS_TOOLS = ("nft", ...); without it,
the run ends with exit code 77, which CTest reports as skipped (pytest's own skip would count
as passed)."""

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


def pytest_runtest_setup(item):
    """Ends the whole run as skipped (CTest's SKIP_RETURN_CODE) when the test's module needs
    root or a tool that is not there, with the reason."""
    why = None
    if getattr(item.module, "NEEDS_ROOT", False) and os.geteuid() != 0:
        why = "needs root (network namespaces, nftables, a private dbus-daemon)"
    missing = [t for t in getattr(item.module, "NEEDS_TOOLS", ()) if shutil.which(t) is None]
    if missing:
        why = "missing " + ", ".join(missing) + " (.ci/setup installs them)"
    if why:
        print("SKIPPED: " + why, file=sys.stderr)
        pytest.exit("skipped: " + why, returncode=SKIP)


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
