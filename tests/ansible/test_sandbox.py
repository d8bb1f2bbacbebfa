"""The Python sandbox (tests/support/rolewall_sandbox.py) that the Ansible and Cockpit tests run
rolewalld in: it works, and it leaves nothing behind on any way out."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import SOURCE_DIR
from rolewall_sandbox import PYTHON, TMP_PREFIX, Sandbox, SandboxError

NEEDS_ROOT = True
NEEDS_TOOLS = ("nsenter", "ip", "nft", "dbus-daemon", "busctl")

CONFIG = '[firewall]\npolicy = "drop"\n\n[roles.ssh]\n'


def netns_ids(pids):
    """The network namespaces of these processes, as (device, inode) of /proc/PID/ns/net."""
    ids = set()
    for pid in pids:
        try:
            st = os.stat(f"/proc/{pid}/ns/net")
            ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    return ids


def netns_entries_of(ids):
    """The `ip netns` entries (/run/netns) that name one of these namespaces. Other tests add
    and remove entries of their own at any time (the traffic tests' rw-*-PID): only the
    sandbox's own namespaces say whether the sandbox left something behind."""
    found = []
    for name in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else []):
        try:
            st = os.stat(os.path.join("/run/netns", name))
        except OSError:
            continue  # removed meanwhile by whoever made it
        if (st.st_dev, st.st_ino) in ids:
            found.append(name)
    return found


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie child of ours counts as gone: it runs nothing and holds no namespace.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "Z"


def wait_gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(gone(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if not gone(p)]


def test_a_client_is_dropped_until_a_role_is_enabled_over_the_private_bus(tmp_path):
    with Sandbox(CONFIG, tmp_parent=str(tmp_path)) as sb:
        sb.listen_tcp([22, 80])
        assert sb.connect_tcp("office", "192.0.2.1", 22) == "accepted"
        assert sb.connect_tcp("office", "192.0.2.1", 80) == "dropped"
        assert sb.connect_tcp("office", "2001:db8:1::1", 80) == "dropped"
        sb.ctl("enable", "web-server", "--interface", "lan0")
        assert sb.connect_tcp("office", "192.0.2.1", 80) == "accepted"
        assert sb.connect_tcp("office", "2001:db8:1::1", 80) == "accepted"
        assert "web-server" in sb.ctl("status").stdout
        assert {"80", "lan0"} <= sb.role_elements("web-server")
        # The daemon's environment is the sandbox's: its bus, not the machine's.
        assert sb.env["DBUS_SYSTEM_BUS_ADDRESS"] == sb.bus_address
        pids, tmp = sb.pids(), sb.dir
        assert len(pids) == 5  # 2 namespace holders, dbus-daemon, rolewalld, the listener
        mine = netns_ids(pids[:2])  # the holders' (sb.pids() lists them first)
    assert wait_gone(pids) == []
    assert not os.path.exists(tmp)
    assert netns_entries_of(mine) == []


def test_the_daemon_can_be_stopped_and_started_again_and_keeps_its_table(tmp_path):
    with Sandbox(CONFIG, tmp_parent=str(tmp_path)) as sb:
        sb.ctl("enable", "web-server")
        assert sb.stop_daemon() == 0
        # The rules stay when rolewalld stops. (Listed as text: nft 1.0.6 cuts its JSON short at
        # the flags of a persist-only table, which is what a stopped rolewalld leaves.)
        assert "web-server" in sb.nft_text()
        assert sb.ctl("status", check=False).returncode == 3  # nobody on the bus
        sb.start_daemon()
        assert "web-server" in sb.ctl("status").stdout  # from the state file


def test_a_config_rolewalld_refuses_fails_the_sandbox_with_its_log(tmp_path):
    with pytest.raises(SandboxError, match="rolewalld"):
        Sandbox("[firewall]\npolicy = \"sideways\"\n", tmp_parent=str(tmp_path))
    assert [e for e in os.listdir(tmp_path) if e.startswith(TMP_PREFIX)] == []


CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from rolewall_sandbox import Sandbox
sb = Sandbox({config!r}, tmp_parent=sys.argv[2])
print(" ".join(map(str, sb.pids())), sb.dir, flush=True)
time.sleep(60)
"""


def run_child(tmp_path):
    script = CHILD.format(config=CONFIG)
    child = subprocess.Popen([PYTHON, "-c", script, os.path.join(SOURCE_DIR, "tests", "support"),
                              str(tmp_path)], stdout=subprocess.PIPE, text=True)
    *pids, tmp = child.stdout.readline().split()
    assert os.path.isdir(tmp) and len(pids) == 4
    return child, [int(p) for p in pids], tmp


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signalled_test_stops_everything_and_removes_its_directory(tmp_path, sig):
    child, pids, tmp = run_child(tmp_path)
    child.send_signal(sig)
    assert child.wait(20) == -sig  # dies of the signal, after cleaning up
    assert wait_gone(pids) == []
    assert not os.path.exists(tmp)


def test_a_killed_test_leaves_no_process_and_the_next_sandbox_removes_its_directory(tmp_path):
    child, pids, tmp = run_child(tmp_path)
    child.kill()
    child.wait()
    assert wait_gone(pids) == []  # PR_SET_PDEATHSIG: and with them the namespaces
    assert os.path.exists(tmp)  # nobody could remove it...
    with Sandbox(CONFIG, tmp_parent=str(tmp_path), start=False):
        assert not os.path.exists(tmp)  # ...until the next sandbox swept it
