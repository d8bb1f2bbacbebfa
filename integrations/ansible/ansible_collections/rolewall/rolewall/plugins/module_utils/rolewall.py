# -*- coding: utf-8 -*-
# Copyright: the rolewall authors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rolewalld's D-Bus API, org.rolewall1.Manager, for the modules of rolewall.rolewall.

The modules talk to rolewalld over the system bus with python3-dbus (Debian's python3-dbus on
the managed host), and to the bus that DBUS_SYSTEM_BUS_ADDRESS names when it is set. They never
read or write rolewalld's files: every decision (what "keep what is not given" keeps, whether a
change changes anything, the lock-out guard) is the daemon's, and a module relays it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

try:
    import dbus

    HAS_DBUS = True
    DBUS_IMPORT_ERROR = None
except ImportError as e:  # reported by the module with missing_required_lib()
    HAS_DBUS = False
    DBUS_IMPORT_ERROR = e

BUS_NAME = "org.rolewall1"
OBJECT_PATH = "/org/rolewall1"
INTERFACE = "org.rolewall1.Manager"
# rolewalld answers in milliseconds; a change may wait for polkit (10 s at most) first.
CALL_TIMEOUT = 30

# The D-Bus type of every option a module sends (API.md, "Options").
OPTION_TYPES = {
    "interfaces": "as",
    "sources": "as",
    "add_interfaces": "as",
    "remove_interfaces": "as",
    "add_sources": "as",
    "remove_sources": "as",
    "any_interface": "b",
    "any_source": "b",
    "runtime": "b",
    "timeout": "u",
    "confirm": "u",
    "force": "b",
    "ssh_connection": "s",
    "dry_run": "b",
    "all": "b",
    "since": "t",
    "limit": "u",
}

UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"


class RolewallError(Exception):
    """An error from the bus or from rolewalld: its D-Bus error name and its message."""

    def __init__(self, name, message):
        super(RolewallError, self).__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message


_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(value, what):
    """A duration as rolewallctl writes it ("90s", "10m", "2h", "1h30m", "1d") or a number of
    seconds, in seconds. Raises ValueError naming `what` for anything else. The daemon checks
    the range."""
    if isinstance(value, bool):
        raise ValueError("%s must be a duration such as 90s, 10m or 2h, not %r" % (what, value))
    if isinstance(value, int):
        total = value
    else:
        text = str(value).strip()
        pos, total = 0, 0
        while pos < len(text):
            m = _DURATION.match(text, pos)
            if not m or (m.group(2) == "" and (pos > 0 or m.end() != len(text))):
                raise ValueError(
                    "%s must be a duration such as 90s, 10m or 2h, not '%s'" % (what, value))
            total += int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
            pos = m.end()
        if not text:
            raise ValueError("%s must be a duration such as 90s, 10m or 2h, not ''" % what)
    if total <= 0 or total > 0xFFFFFFFF:
        raise ValueError("%s must be more than 0 seconds, not '%s'" % (what, value))
    return total


def to_dbus_options(options):
    """{key: plain value} -> a{sv} with each value of the type the API gives it."""
    out = dbus.Dictionary({}, signature="sv")
    for key, value in options.items():
        t = OPTION_TYPES[key]
        if t == "as":
            out[key] = to_dbus_strings(value)
        elif t == "b":
            out[key] = dbus.Boolean(value)
        elif t == "u":
            out[key] = dbus.UInt32(value)
        elif t == "t":
            out[key] = dbus.UInt64(value)
        else:
            out[key] = dbus.String(value)
    return out


def to_dbus_strings(values):
    """A list of strings as an 'as' (python3-dbus cannot guess the type of an empty list)."""
    return dbus.Array([dbus.String(v) for v in values], signature="s")


def to_native(value):
    """python3-dbus values -> plain Python (dbus.Boolean is an int subclass, and JSON would
    print it as 1)."""
    if HAS_DBUS and isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return dict((to_native(k), to_native(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [to_native(v) for v in value]
    return value


def _bus():
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    if address:
        return dbus.bus.BusConnection(address)
    return dbus.SystemBus()


class Manager:
    """org.rolewall1.Manager on the system bus (or DBUS_SYSTEM_BUS_ADDRESS's)."""

    def __init__(self):
        try:
            bus = _bus()
            obj = bus.get_object(BUS_NAME, OBJECT_PATH, introspect=False)
        except dbus.exceptions.DBusException as e:
            raise _unreachable(e)
        self._obj = obj
        self._iface = dbus.Interface(obj, INTERFACE)

    def call(self, method, *args):
        """Calls `method`; returns its reply as plain Python (one value, or a list of them)."""
        try:
            reply = getattr(self._iface, method)(*args, timeout=CALL_TIMEOUT)
        except dbus.exceptions.DBusException as e:
            raise _unreachable(e) if _is_unreachable(e) else RolewallError(
                e.get_dbus_name(), e.get_dbus_message())
        return to_native(reply)

    def property(self, name):
        try:
            value = self._obj.Get(INTERFACE, name, dbus_interface=dbus.PROPERTIES_IFACE,
                                  timeout=CALL_TIMEOUT)
        except dbus.exceptions.DBusException as e:
            raise RolewallError(e.get_dbus_name(), e.get_dbus_message())
        return to_native(value)


_UNREACHABLE = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
)


def _is_unreachable(e):
    return e.get_dbus_name() in _UNREACHABLE


def _unreachable(e):
    where = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or "the system bus"
    return RolewallError(
        e.get_dbus_name() or "org.freedesktop.DBus.Error.Failed",
        "cannot reach rolewalld (%s) on %s: %s; is rolewalld running? systemctl status rolewalld"
        % (BUS_NAME, where, e.get_dbus_message()))


def scope_text(state):
    """A role's state from a change result or DescribeEnabled, as lines for --diff:
    "enabled: true", "interfaces: lan0", "sources: any", "origin: state"."""
    if not state.get("enabled"):
        return "enabled: false\n"
    lines = ["enabled: true"]
    for key in ("interfaces", "sources"):
        lines.append("%s: %s" % (key, ", ".join(state.get(key) or []) or "any"))
    if state.get("origin"):
        lines.append("origin: %s" % state["origin"])
    return "\n".join(lines) + "\n"


def before_after(result):
    """The before and after halves of a change result (EnableRole, DisableRole, RevertRoles)."""
    after = dict((k, result.get(k)) for k in ("enabled", "interfaces", "sources", "origin"))
    before = dict((k, result.get("was_" + k)) for k in ("enabled", "interfaces", "sources",
                                                      "origin"))
    return before, after
