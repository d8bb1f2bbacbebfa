"""The bus policy etc/dbus-1/system.d/org.rolewall1.conf on a real dbus-daemon.

Run as root with ADDRESS set to a bus that includes the policy (check_install.sh bus-policy).
As root it takes org.rolewall1, then runs itself again as nobody (reading this file from
stdin) to check what an unprivileged caller may do. No daemon answers: a call the policy
lets through reaches the name's owner and times out (NoReply); a call it refuses fails at
once with AccessDenied from the bus.
"""
import os
import subprocess
import sys

import dbus

NAME = "org.rolewall1"
PATH = "/org/rolewall1"
TIMEOUT = 0.5  # seconds: long enough for the bus to refuse, short for a call that waits


def outcome(bus, interface, method):
    """'delivered' when the call reached the owner, 'denied' when the bus refused it."""
    try:
        bus.call_blocking(NAME, PATH, interface, method, "", (), timeout=TIMEOUT)
        return "answered"
    except dbus.exceptions.DBusException as e:
        name = e.get_dbus_name()
        if name == "org.freedesktop.DBus.Error.AccessDenied":
            return "denied"
        if name in ("org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout"):
            return "delivered"
        return name


def expect(what, got, want, failures):
    status = "ok" if got == want else "FAIL"
    print(f"{status}: {what}: {got} (expected {want})")
    if got != want:
        failures.append(what)


def take_name(bus):
    try:
        reply = bus.request_name(NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        return "owned" if reply == dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER else f"reply {reply}"
    except dbus.exceptions.DBusException as e:
        return "denied" if e.get_dbus_name() == "org.freedesktop.DBus.Error.AccessDenied" else e.get_dbus_name()


def as_nobody(bus):
    failures = []
    expect("nobody takes org.rolewall1", take_name(bus), "denied", failures)
    for interface, method in (
        ("org.rolewall1.Manager", "ListRoles"),
        ("org.rolewall1.Manager", "EnableRole"),
        ("org.freedesktop.DBus.Introspectable", "Introspect"),
        ("org.freedesktop.DBus.Properties", "GetAll"),
        ("org.freedesktop.DBus.Peer", "Ping"),
    ):
        expect(f"nobody calls {interface}.{method}", outcome(bus, interface, method), "delivered", failures)
    expect("nobody calls org.example.Other.Method",
           outcome(bus, "org.example.Other", "Method"), "denied", failures)
    return 1 if failures else 0


def as_root(bus):
    failures = []
    expect("root takes org.rolewall1", take_name(bus), "owned", failures)
    # Root reaches any interface of the name (its own connection is the owner; use a second one).
    other = dbus.bus.BusConnection(os.environ["ADDRESS"])
    expect("root calls org.example.Other.Method",
           outcome(other, "org.example.Other", "Method"), "delivered", failures)
    with open(__file__, "rb") as script:
        child = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-", "nobody"],
            stdin=script, env={"ADDRESS": os.environ["ADDRESS"]}, check=False)
    if child.returncode != 0:
        failures.append("as nobody")
    return 1 if failures else 0


def main():
    bus = dbus.bus.BusConnection(os.environ["ADDRESS"])
    if len(sys.argv) > 1 and sys.argv[1] == "nobody":
        return as_nobody(bus)
    return as_root(bus)


if __name__ == "__main__":
    sys.exit(main())
