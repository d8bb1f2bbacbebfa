#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: the rolewall authors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: role
short_description: Enable, disable, re-scope or revert rolewall server roles
version_added: "0.1.0"
description:
  - Enables or disables server roles of the rolewall host firewall (C(ad-dc), C(file-server),
    C(vpn-gateway), ...), narrows them to interfaces and source networks, or returns them to
    what C(/etc/rolewall/rolewall.toml) says.
  - Talks to C(rolewalld) over the system D-Bus (C(org.rolewall1.Manager)) with python3-dbus;
    it never edits rolewalld's files. Set C(DBUS_SYSTEM_BUS_ADDRESS) (for instance with the
    C(environment) keyword) to talk to rolewalld on another bus.
  - C(rolewalld) decides every change. The module first asks it for a dry run of each role
    (nothing changes, no signal), fails before changing anything if any role is refused, then
    applies only the roles that would change. So a second run reports C(changed=false), check
    mode changes nothing, and C(--diff) shows each role's scope before and after.
  - Scope options have the meaning they have for C(rolewallctl enable). A dimension that is not
    given keeps what the role has now if it is enabled, else the scope of its entry in
    C(rolewall.toml), else any. Nothing widens unless asked; C(any_interface) and C(any_source)
    widen to any.
  - The change is saved in rolewalld's state file unless I(runtime) or I(timeout) is given.
    Errors carry rolewalld's D-Bus error name and message.
author:
  - rolewall authors
requirements:
  - python3-dbus on the managed host (Debian package C(python3-dbus))
  - rolewalld with the change results and dry runs of C(org.rolewall1.Manager)
  - root, or a polkit authorization for C(org.rolewall1.manage), to change the firewall
attributes:
  check_mode:
    support: full
    description: Asks rolewalld for a dry run; nothing changes in the kernel or the state file.
  diff_mode:
    support: full
    description: Each changed role's enabled state, interfaces, sources and origin before and after.
options:
  name:
    description:
      - The role or roles, as C(rolewallctl list) names them.
      - With C(state=reverted), C(*) stands for every role that has a saved or runtime change.
      - The module validates all of them with rolewalld before it changes any.
    type: list
    elements: str
    required: true
    aliases: [roles]
  state:
    description:
      - C(enabled) enables the roles, or re-scopes them when they are enabled.
      - C(disabled) disables them; disabling a disabled role changes nothing.
      - C(reverted) drops their saved and runtime changes, so they follow C(rolewall.toml) again.
    type: str
    choices: [enabled, disabled, reverted]
    default: enabled
  interfaces:
    description:
      - Only packets coming in on exactly these interfaces (C(lan0); C(vlan*) for a prefix).
      - Not given, the role keeps its interfaces (see the description).
      - Only with C(state=enabled).
    type: list
    elements: str
  sources:
    description:
      - Only packets from exactly these networks (C(192.0.2.0/24), C(2001:db8::/32), C(192.0.2.7)).
      - Not given, the role keeps its sources (see the description).
      - Only with C(state=enabled).
    type: list
    elements: str
  any_interface:
    description:
      - C(true) widens the role to every interface. C(false) is the same as not giving it.
    type: bool
    default: false
  any_source:
    description:
      - C(true) widens the role to every source. C(false) is the same as not giving it.
    type: bool
    default: false
  add_interfaces:
    description: Interfaces added to the role's current (or config) interfaces.
    type: list
    elements: str
  remove_interfaces:
    description:
      - Interfaces removed from the role's current (or config) interfaces. Removing the last one
        is refused (it would match nothing; disable the role instead).
    type: list
    elements: str
  add_sources:
    description: Networks added to the role's current (or config) sources.
    type: list
    elements: str
  remove_sources:
    description: Networks removed from the role's current (or config) sources.
    type: list
    elements: str
  runtime:
    description:
      - Do not save the change; it lasts until rolewalld restarts.
    type: bool
    default: false
  timeout:
    description:
      - A temporary change that rolewalld undoes by itself after this long (C(90s), C(10m),
        C(2h), C(1h30m), or a number of seconds). Implies I(runtime).
      - Not with C(state=reverted).
    type: str
  confirm:
    description:
      - Apply the change now, and have rolewalld undo it unless it is confirmed within this long
        (C(rolewallctl confirm), or M(rolewall.rolewall.pending) with C(state=confirmed)). The
        undo happens in the daemon, even if the connection that made the change is lost.
      - One change can wait for confirmation at a time, so with C(state=enabled) or
        C(state=disabled) give one role.
    type: str
  force:
    description:
      - Skip rolewalld's lock-out guard, which refuses a change that would drop the SSH
        connection the module runs over.
    type: bool
    default: false
  ssh_connection:
    description:
      - The SSH connection to protect from a lock-out, as C(SSH_CONNECTION) gives it
        (C(CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT)).
      - Defaults to the C(SSH_CONNECTION) the module runs with, which is Ansible's own connection
        when it connects over SSH without C(become) resetting the environment.
    type: str
notes:
  - A change to several roles is one call per role after the dry runs, not one transaction; a
    failure in between (rolewalld stopped) leaves the roles changed so far changed, and the
    module says which.
seealso:
  - module: rolewall.rolewall.info
  - module: rolewall.rolewall.pending
"""

EXAMPLES = r"""
- name: A Samba AD domain controller on the LAN interface, for the office networks
  rolewall.rolewall.role:
    name: ad-dc
    interfaces: [lan0]
    sources: [192.0.2.0/24, 2001:db8:1::/64]

- name: Narrow ssh to the admin network, keeping its interfaces
  rolewall.rolewall.role:
    name: ssh
    sources: [203.0.113.0/24]

- name: Add a branch office to ad-dc
  rolewall.rolewall.role:
    name: ad-dc
    add_sources: [198.51.100.0/24]

- name: Open the web server for ten minutes, until rolewalld restarts at most
  rolewall.rolewall.role:
    name: web-server
    timeout: 10m

- name: Print servers are gone
  rolewall.rolewall.role:
    name: [print-server, lpd-server]
    state: disabled

- name: Every role follows rolewall.toml again
  rolewall.rolewall.role:
    name: "*"
    state: reverted

- name: Talk to a rolewalld on another bus
  rolewall.rolewall.role:
    name: ssh
  environment:
    DBUS_SYSTEM_BUS_ADDRESS: unix:path=/run/test/bus.sock
"""

RETURN = r"""
roles:
  description:
    - For each role, rolewalld's result of the change (or of the dry run, in check mode or when
      nothing changes). Empty lists mean any.
  returned: always
  type: dict
  sample:
    ad-dc:
      changed: true
      enabled: true
      interfaces: [lan0]
      sources: [192.0.2.0/24, 2001:db8:1::/64]
      origin: state
      was_enabled: false
      was_interfaces: []
      was_sources: []
      was_origin: ""
      warnings: []
dbus_error:
  description: The D-Bus error name of the failure, e.g. C(org.rolewall1.Error.UnknownRole).
  returned: failure
  type: str
  sample: org.rolewall1.Error.UnknownRole
dbus_message:
  description: rolewalld's message for the failure.
  returned: failure
  type: str
  sample: there is no role 'nope' in the catalog
role:
  description: The role the failure is about, when it is about one.
  returned: failure
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.rolewall.rolewall.plugins.module_utils.rolewall import (
    DBUS_IMPORT_ERROR, HAS_DBUS, Manager, RolewallError, before_after, scope_text, seconds,
    to_dbus_options, to_dbus_strings)

SCOPE_OPTIONS = ("interfaces", "sources", "add_interfaces", "remove_interfaces", "add_sources",
                 "remove_sources")

ARGUMENT_SPEC = dict(
    name=dict(type="list", elements="str", required=True, aliases=["roles"]),
    state=dict(type="str", default="enabled", choices=["enabled", "disabled", "reverted"]),
    interfaces=dict(type="list", elements="str"),
    sources=dict(type="list", elements="str"),
    any_interface=dict(type="bool", default=False),
    any_source=dict(type="bool", default=False),
    add_interfaces=dict(type="list", elements="str"),
    remove_interfaces=dict(type="list", elements="str"),
    add_sources=dict(type="list", elements="str"),
    remove_sources=dict(type="list", elements="str"),
    runtime=dict(type="bool", default=False),
    timeout=dict(type="str"),
    confirm=dict(type="str"),
    force=dict(type="bool", default=False),
    ssh_connection=dict(type="str"),
)

MUTUALLY_EXCLUSIVE = [
    ("any_interface", "interfaces"), ("any_interface", "add_interfaces"),
    ("any_interface", "remove_interfaces"),
    ("any_source", "sources"), ("any_source", "add_sources"), ("any_source", "remove_sources"),
]


class ArgumentError(ValueError):
    pass


def role_names(params):
    """The role names in the order given, without repeats; '*' only alone and to revert."""
    names = []
    for n in params["name"]:
        n = n.strip()
        if not n:
            raise ArgumentError("name: an empty role name")
        if n not in names:
            names.append(n)
    if "*" in names:
        if params["state"] != "reverted":
            raise ArgumentError("name: '*' (every role) is only for state=reverted")
        if len(names) > 1:
            raise ArgumentError("name: '*' stands for every role; give it alone")
    if params.get("confirm") and params["state"] != "reverted" and len(names) > 1:
        raise ArgumentError("confirm: one change at a time can wait for confirmation; give one "
                            "role per task (%s)" % ", ".join(names))
    return names


def change_options(params, ssh_connection=None):
    """The a{sv} options (plain values) of the change the parameters ask for, without dry_run.
    Raises ArgumentError for a combination no method takes."""
    state = params["state"]
    opts = {}
    scope = [k for k in SCOPE_OPTIONS if params.get(k) is not None]
    scope += [k for k in ("any_interface", "any_source") if params.get(k)]
    if state != "enabled" and scope:
        raise ArgumentError("%s: only with state=enabled, not state=%s" % (scope[0], state))
    for key in SCOPE_OPTIONS:
        if params.get(key) is not None:
            opts[key] = [v.strip() for v in params[key]]
    for key in ("any_interface", "any_source"):
        if params.get(key):
            opts[key] = True
    if params.get("runtime"):
        if state == "reverted":
            raise ArgumentError("runtime: a revert drops the saved and runtime changes; "
                                "it has no runtime form")
        opts["runtime"] = True
    if params.get("timeout") is not None:
        if state == "reverted":
            raise ArgumentError("timeout: only with state=enabled or state=disabled")
        opts["timeout"] = _seconds(params["timeout"], "timeout")
    if params.get("confirm") is not None:
        opts["confirm"] = _seconds(params["confirm"], "confirm")
    if params.get("force"):
        opts["force"] = True
    connection = params.get("ssh_connection") or ssh_connection
    if connection:
        opts["ssh_connection"] = connection.strip()
    return opts


def _seconds(value, what):
    try:
        return seconds(value, what)
    except ValueError as e:
        raise ArgumentError(str(e))


class Change:
    """One task: the dry runs, then the real changes, against a Manager."""

    def __init__(self, manager, params, opts, names):
        self.manager = manager
        self.state = params["state"]
        self.opts = opts
        self.names = names
        self.results = {}
        self.applied = []  # the roles changed so far
        self.role = None  # the role being asked about, for an error

    def _call(self, name, opts):
        self.role = name
        method = "EnableRole" if self.state == "enabled" else "DisableRole"
        result = self.manager.call(method, name, to_dbus_options(opts))
        return result[0] if isinstance(result, list) else result

    def _revert(self, opts):
        names = [] if self.names == ["*"] else self.names
        if not names:
            opts = dict(opts, all=True)
        self.role = None if not names else ", ".join(names)
        result = self.manager.call("RevertRoles", to_dbus_strings(names), to_dbus_options(opts))
        return result[0] if isinstance(result, list) else result

    def dry_run(self):
        dry = dict(self.opts, dry_run=True)
        if self.state == "reverted":
            self.results = self._revert(dry)
        else:
            self.results = dict((n, self._call(n, dry)) for n in self.names)
        return self.results

    def apply(self):
        """Applies what the dry run said would change, one role after the other."""
        todo = [n for n, r in self.results.items() if r.get("changed")]
        if todo and self.state == "reverted":
            self.results = self._revert(self.opts)
            self.applied = todo
            return
        for n in todo:
            self.results[n] = self._call(n, self.opts)
            self.applied.append(n)


def diffs(results):
    """One --diff entry per role that changes."""
    out = []
    for name, r in sorted(results.items()):
        if not r.get("changed"):
            continue
        before, after = before_after(r)
        out.append(dict(before_header="rolewall role %s" % name,
                        after_header="rolewall role %s" % name,
                        before=scope_text(before), after=scope_text(after)))
    return out


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    if not HAS_DBUS:
        module.fail_json(msg=missing_required_lib("dbus (Debian: python3-dbus)"),
                         exception=str(DBUS_IMPORT_ERROR))
    try:
        names = role_names(module.params)
        opts = change_options(module.params, os.environ.get("SSH_CONNECTION"))
    except ArgumentError as e:
        module.fail_json(msg=str(e))
    change = None
    try:
        change = Change(Manager(), module.params, opts, names)
        change.dry_run()
        if not module.check_mode:
            change.apply()
    except RolewallError as e:
        applied = change.applied if change else []
        done = (" (changed before the failure: %s)" % ", ".join(applied)) if applied else ""
        module.fail_json(msg=str(e) + done, dbus_error=e.name, dbus_message=e.message,
                         role=change.role if change else None, changed=bool(applied))
    for r in change.results.values():
        for w in r.get("warnings") or []:
            module.warn(w)
    changed = any(r.get("changed") for r in change.results.values())
    module.exit_json(changed=changed, roles=change.results, diff=diffs(change.results))


if __name__ == "__main__":
    main()
