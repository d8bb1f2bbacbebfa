"""The collection against the real rolewalld: ansible-playbook -i localhost, -c local, with the
modules talking to rolewalld in a sandbox (tests/support/rolewall_sandbox.py) over its private
bus. Each test checks what the play did in the kernel of the gateway (its table), in
`rolewallctl status`, in the state file and with real connections from client namespaces."""

import json
import os
import time

import dbus
import pytest

from conftest import SKIP, SOURCE_DIR
from playbooks import Ansible, readme_block, readme_playbook
from rolewall_sandbox import Link, Sandbox

NEEDS_ROOT = True
NEEDS_TOOLS = ("ansible-playbook", "nsenter", "ip", "nft", "dbus-daemon", "busctl")

with open(os.path.join(SOURCE_DIR, "etc", "rolewall", "rolewall.toml")) as f:
    SHIPPED_CONFIG = f.read()  # ssh on any interface from any source, policy drop

# The Samba AD gateway of the README: the office LAN on lan0, the admin network on lan1, the
# internet on wan0.
GATEWAY = [Link("office", "lan0", "192.0.2", "2001:db8:1"),
           Link("admin", "lan1", "203.0.113", "2001:db8:3"),
           Link("internet", "wan0", "198.51.100", "2001:db8:2")]

ROLE = "rolewall.rolewall.role"


@pytest.fixture
def sandbox(tmp_path):
    with Sandbox(SHIPPED_CONFIG, links=GATEWAY, tmp_parent=str(tmp_path)) as sb:
        skip_unless_dry_run(sb)
        yield sb


def skip_unless_dry_run(sb):
    """The role module needs EnableRole's dry_run and its result; a rolewalld without them
    ends the run as skipped (77), saying so."""
    manager = dbus.Interface(dbus.bus.BusConnection(sb.bus_address).get_object(
        "org.rolewall1", "/org/rolewall1"), "org.rolewall1.Manager")
    try:
        manager.EnableRole("ssh", dbus.Dictionary({"dry_run": True}, signature="sv"))
    except dbus.exceptions.DBusException as e:
        if "dry_run" not in e.get_dbus_message():
            raise
        why = "this rolewalld has no dry_run for EnableRole: " + e.get_dbus_message()
        print("SKIPPED: " + why)
        pytest.exit("skipped: " + why, returncode=SKIP)


def status(sb):
    """`rolewallctl status --json` as {role: {origin, interfaces, sources}}."""
    roles = json.loads(sb.ctl("status", "--json").stdout)["roles"]
    return dict((r["name"], dict(origin=r["origin"], interfaces=r["interfaces"],
                                 sources=r["sources"])) for r in roles)


def state_file(sb):
    path = os.path.join(sb.state_dir, "state.toml")
    return open(path).read() if os.path.exists(path) else None


def daemon_error(sb, method, *args):
    """The error rolewalld itself answers a call with: (name, message)."""
    manager = dbus.Interface(dbus.bus.BusConnection(sb.bus_address).get_object(
        "org.rolewall1", "/org/rolewall1"), "org.rolewall1.Manager")
    try:
        getattr(manager, method)(*args)
    except dbus.exceptions.DBusException as e:
        return e.get_dbus_name(), e.get_dbus_message()
    raise AssertionError(f"{method}{args} succeeded")


def expect_traffic(sb, host, want):
    """want: {(address, port): verdict}; all probed at once from `host`."""
    got = sb.connect_tcp_many(host, list(want))
    assert got == want, host


def test_the_readme_playbook_configures_a_gateway_from_nothing_and_runs_idempotently(sandbox):
    sb = sandbox
    sb.listen_tcp([22, 389, 445, 1723])
    ansible = Ansible(sb)
    book = ansible.write(readme_playbook())
    table, before = sb.nft_table(), status(sb)
    assert list(before) == ["ssh"]

    # --check --diff: says what would change, changes nothing.
    check = ansible.play(book, "--check", "--diff")
    assert check.returncode == 0 and check.failed == 0
    assert check.changed == 3
    ad = check.result("Domain controller on the LAN interface, for the office networks")
    (diff,) = ad["diff"]
    assert diff["before"] == "enabled: false\n"
    assert diff["after"] == ("enabled: true\ninterfaces: lan0\n"
                             "sources: 192.0.2.0/24, 2001:db8:1::/64\norigin: state\n")
    # What the README shows --check --diff print is what it prints.
    assert readme_block("diff", "`--check --diff` prints") in check.stdout
    ssh = check.result("ssh from the admin network only, on any interface")
    assert ssh["diff"][0]["before"].startswith("enabled: true\ninterfaces: any\nsources: any\n")
    assert sb.nft_table() == table
    assert status(sb) == before
    assert state_file(sb) is None
    expect_traffic(sb, "office", {("192.0.2.1", 389): "dropped", ("192.0.2.1", 22): "accepted"})

    # For real.
    real = ansible.play(book, "--diff")
    assert real.returncode == 0 and real.failed == 0, real.stderr
    assert real.changed == 3
    assert status(sb) == {
        "ad-dc": dict(origin="state", interfaces=["lan0"],
                      sources=["192.0.2.0/24", "2001:db8:1::/64"]),
        "ssh": dict(origin="state", interfaces=[], sources=["203.0.113.0/24", "2001:db8:3::/64"]),
        "vpn-gateway": dict(origin="state", interfaces=["wan0"], sources=[]),
    }
    assert {"lan0", "192.0.2.0/24", "2001:db8:1::/64", "389", "445"} <= sb.role_elements("ad-dc")
    assert {"wan0", "1723"} <= sb.role_elements("vpn-gateway")
    assert {"203.0.113.0/24", "2001:db8:3::/64", "22"} <= sb.role_elements("ssh")
    assert "0.0.0.0/0" not in sb.role_elements("ssh")
    expect_traffic(sb, "office", {("192.0.2.1", 389): "accepted",
                                  ("2001:db8:1::1", 445): "accepted",
                                  ("192.0.2.1", 22): "dropped",
                                  ("192.0.2.1", 1723): "dropped"})
    expect_traffic(sb, "admin", {("203.0.113.1", 22): "accepted",
                                 ("2001:db8:3::1", 22): "accepted",
                                 ("203.0.113.1", 389): "dropped"})
    expect_traffic(sb, "internet", {("198.51.100.1", 1723): "accepted",
                                    ("2001:db8:2::1", 1723): "accepted",
                                    ("198.51.100.1", 389): "dropped",
                                    ("198.51.100.1", 22): "dropped"})

    # Again: nothing left to do, nothing touched.
    table, saved = sb.nft_table(), state_file(sb)
    again = ansible.play(book)
    assert again.returncode == 0 and again.changed == 0
    assert sb.nft_table() == table and state_file(sb) == saved

    # Saved: a restarted rolewalld has it all, and the play still has nothing to do.
    assert sb.stop_daemon() == 0
    sb.start_daemon()
    assert status(sb)["ad-dc"]["origin"] == "state"
    assert ansible.play(book).changed == 0


def test_a_bad_role_name_fails_with_the_daemons_message_and_changes_nothing(sandbox):
    sb = sandbox
    ansible = Ansible(sb)
    table, before = sb.nft_table(), status(sb)
    play, r = ansible.task(ROLE, {"name": ["web-server", "no-such-role"]})
    assert play.returncode != 0 and r["failed"]
    name, message = daemon_error(sb, "EnableRole", "no-such-role", dbus.Dictionary(
        {}, signature="sv"))
    assert name == "org.rolewall1.Error.UnknownRole"
    assert (r["dbus_error"], r["dbus_message"]) == (name, message)
    assert r["msg"] == f"{name}: {message}"
    assert r["role"] == "no-such-role"
    # web-server came first and would have changed: it did not.
    assert sb.nft_table() == table and status(sb) == before and state_file(sb) is None


def test_a_bad_source_fails_with_the_daemons_message_in_check_mode_too(sandbox):
    sb = sandbox
    ansible = Ansible(sb)
    args = {"name": "web-server", "sources": ["192.0.2.0/33"]}
    name, message = daemon_error(sb, "EnableRole", "web-server", dbus.Dictionary(
        {"sources": dbus.Array(["192.0.2.0/33"], signature="s")}, signature="sv"))
    assert name == "org.rolewall1.Error.InvalidArgument"
    for flags in [("--check",), ()]:
        play, r = ansible.task(ROLE, args, *flags)
        assert r["failed"] and r["msg"] == f"{name}: {message}"
    assert "web-server" not in status(sb)


def test_a_scoped_enable_shows_in_the_kernel_in_status_and_in_traffic(sandbox):
    sb = sandbox
    sb.listen_tcp([80])
    ansible = Ansible(sb)
    play, r = ansible.task(ROLE, {"name": "web-server", "interfaces": ["lan0"],
                                  "sources": ["192.0.2.0/24"]})
    assert play.returncode == 0 and r["changed"]
    got = r["roles"]["web-server"]
    assert (got["enabled"], got["interfaces"], got["sources"]) == (True, ["lan0"],
                                                                   ["192.0.2.0/24"])
    assert (got["was_enabled"], got["origin"]) == (False, "state")
    assert status(sb)["web-server"] == dict(origin="state", interfaces=["lan0"],
                                            sources=["192.0.2.0/24"])
    elements = sb.role_elements("web-server")
    assert {"lan0", "192.0.2.0/24", "80", "443"} <= elements
    assert "lan1" not in elements and "203.0.113.0/24" not in elements
    expect_traffic(sb, "office", {("192.0.2.1", 80): "accepted",
                                  ("2001:db8:1::1", 80): "dropped"})
    expect_traffic(sb, "admin", {("203.0.113.1", 80): "dropped"})

    # An increment; the interfaces are kept.
    play, r = ansible.task(ROLE, {"name": "web-server", "add_sources": ["2001:db8:1::/64"]})
    assert r["changed"]
    assert status(sb)["web-server"] == dict(origin="state", interfaces=["lan0"],
                                            sources=["192.0.2.0/24", "2001:db8:1::/64"])
    expect_traffic(sb, "office", {("2001:db8:1::1", 80): "accepted"})

    # Only sources given: nothing widens, lan0 stays.
    play, r = ansible.task(ROLE, {"name": "web-server", "sources": ["203.0.113.0/24"]})
    assert r["changed"] and status(sb)["web-server"]["interfaces"] == ["lan0"]
    play, r = ansible.task(ROLE, {"name": "web-server", "sources": ["203.0.113.0/24"]})
    assert not r["changed"]

    # any_interface widens, when asked.
    play, r = ansible.task(ROLE, {"name": "web-server", "any_interface": True})
    assert r["changed"] and status(sb)["web-server"]["interfaces"] == []
    expect_traffic(sb, "admin", {("203.0.113.1", 80): "accepted"})


def test_runtime_and_disabled_follow_the_daemons_layers(sandbox):
    sb = sandbox
    ansible = Ansible(sb)
    # A runtime change is not saved, and a restart forgets it.
    play, r = ansible.task(ROLE, {"name": "web-server", "runtime": True})
    assert r["changed"] and status(sb)["web-server"]["origin"] == "runtime"
    assert state_file(sb) is None
    play, r = ansible.task(ROLE, {"name": "ssh", "state": "disabled"})
    assert r["changed"] and "ssh" not in status(sb)
    assert r["roles"]["ssh"]["was_origin"] == "config"
    play, r = ansible.task(ROLE, {"name": "ssh", "state": "disabled"})
    assert not r["changed"]
    sb.stop_daemon()
    sb.start_daemon()
    assert list(status(sb)) == []  # web-server forgotten, ssh disabled in state.toml


def test_reverted_roles_follow_the_config_again(sandbox):
    sb = sandbox
    ansible = Ansible(sb)
    ansible.task(ROLE, {"name": "ssh", "state": "disabled"})
    ansible.task(ROLE, {"name": "web-server", "runtime": True})
    assert list(status(sb)) == ["web-server"]
    play, r = ansible.task(ROLE, {"name": "*", "state": "reverted"}, "--check")
    assert r["changed"] and sorted(r["roles"]) == ["ssh", "web-server"]
    assert list(status(sb)) == ["web-server"]
    play, r = ansible.task(ROLE, {"name": "*", "state": "reverted"})
    assert r["changed"] and status(sb) == {"ssh": dict(origin="config", interfaces=[],
                                                       sources=[])}
    assert "ssh" not in (state_file(sb) or "")
    play, r = ansible.task(ROLE, {"name": ["ssh", "web-server"], "state": "reverted"})
    assert not r["changed"]


def test_a_timeout_undoes_the_change_by_itself(sandbox):
    sb = sandbox
    sb.listen_tcp([80])
    ansible = Ansible(sb)
    play, r = ansible.task(ROLE, {"name": "web-server", "timeout": "3s"})
    assert r["changed"] and r["roles"]["web-server"]["expires"] > time.time() * 1e6
    assert status(sb)["web-server"]["origin"] == "runtime"
    expect_traffic(sb, "office", {("192.0.2.1", 80): "accepted"})
    deadline = time.monotonic() + 15
    while "web-server" in status(sb) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "web-server" not in status(sb)
    expect_traffic(sb, "office", {("192.0.2.1", 80): "dropped"})


def test_a_confirmed_change_stays_and_an_aborted_one_is_undone(sandbox):
    sb = sandbox
    sb.listen_tcp([80])
    ansible = Ansible(sb)
    play, r = ansible.task(ROLE, {"name": "web-server", "confirm": "2m"})
    assert r["changed"] and r["roles"]["web-server"]["pending_deadline"] > time.time() * 1e6
    assert state_file(sb) is None  # written only on confirm
    play, r = ansible.task("rolewall.rolewall.pending", {"state": "confirmed"})
    assert r["changed"] and "web-server" in r["pending"]
    assert "web-server" in state_file(sb)
    play, r = ansible.task("rolewall.rolewall.pending", {"state": "confirmed"})
    assert not r["changed"]

    play, r = ansible.task(ROLE, {"name": "web-server", "state": "disabled", "confirm": "2m"})
    assert r["changed"]
    expect_traffic(sb, "office", {("192.0.2.1", 80): "dropped"})
    play, r = ansible.task("rolewall.rolewall.pending", {"state": "reverted"})
    assert r["changed"]
    expect_traffic(sb, "office", {("192.0.2.1", 80): "accepted"})
    assert status(sb)["web-server"]["origin"] == "state"


def test_the_info_module_reads_roles_catalog_status_and_what_this_daemon_offers(sandbox):
    sb = sandbox
    ansible = Ansible(sb)
    ansible.task(ROLE, {"name": "ad-dc", "interfaces": ["lan0"], "sources": ["192.0.2.0/24"]})
    play, r = ansible.task("rolewall.rolewall.info", {})
    assert play.returncode == 0 and not r["changed"]
    facts = r["ansible_facts"]["rolewall"]
    assert facts == r["rolewall"]
    assert facts["enabled"]["ad-dc"]["origin"] == "state"
    assert facts["enabled"]["ad-dc"]["interfaces"] == ["lan0"]
    assert facts["enabled"]["ssh"]["sources"] == []
    assert facts["catalog"]["ad-dc"] == {"title": "Active Directory domain controller",
                                         "enabled": True}
    assert facts["catalog"]["web-server"]["enabled"] is False
    # Status, counters and drops: there when this rolewalld has them.
    offered = sb.introspect()
    for part, method in [("status", "GetStatus"), ("counters", "GetCounters"),
                         ("drops", "ListDrops")]:
        if method in offered:
            assert part in facts, facts["unavailable"].get(part)
        else:
            assert "UnknownMethod" in facts["unavailable"][part]
    if "status" in facts:
        assert facts["status"]["state"] == "running"
    if "counters" in facts:
        assert set(facts["counters"]["roles"]) == {"ad-dc", "ssh"}
