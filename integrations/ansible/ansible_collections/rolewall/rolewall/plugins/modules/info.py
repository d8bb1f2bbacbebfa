#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: the rolewall authors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: info
short_description: What the rolewall firewall runs, what its catalog offers, and what it drops
version_added: "0.1.0"
description:
  - Reads, from C(rolewalld) over the system D-Bus (C(org.rolewall1.Manager)) with python3-dbus,
    the enabled roles with their scope and origin, the catalog's roles, the daemon's status,
    and, when this rolewalld offers them, the packet counters of each role and the recent drops.
  - Returns them as the fact C(rolewall) and as the return value C(rolewall).
  - Reads only; changes nothing. Set C(DBUS_SYSTEM_BUS_ADDRESS) to read from another bus.
author:
  - rolewall authors
requirements:
  - python3-dbus on the managed host (Debian package C(python3-dbus))
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as in a normal run.
  diff_mode:
    support: none
  facts:
    support: full
options:
  gather:
    description:
      - What to read. C(enabled) the enabled roles, C(catalog) every role of the catalog,
        C(status) the daemon's state and what is pending, C(counters) packets and bytes per
        enabled role and for the policy, C(drops) the recently dropped connections.
      - A part this rolewalld does not offer (an older daemon), or that the caller may not read
        (C(drops) needs root or polkit's C(org.rolewall1.manage)), is left out and named in
        C(rolewall.unavailable) with the reason; it does not fail the task.
    type: list
    elements: str
    choices: [enabled, catalog, status, counters, drops]
    default: [enabled, catalog, status, counters, drops]
  drops_limit:
    description: At most this many drops, the most recent first.
    type: int
    default: 100
  drops_since:
    description: Only drops seen in the last this many seconds (C(0) for all rolewalld kept).
    type: int
    default: 0
seealso:
  - module: rolewall.rolewall.role
"""

EXAMPLES = r"""
- name: Read the firewall
  rolewall.rolewall.info:

- name: Every gateway runs ad-dc on lan0 only
  ansible.builtin.assert:
    that:
      - "'ad-dc' in rolewall.enabled"
      - rolewall.enabled['ad-dc'].interfaces == ['lan0']

- name: Only the enabled roles and the counters
  rolewall.rolewall.info:
    gather: [enabled, counters]
  register: fw

- name: What was dropped in the last hour, and which role would open it
  rolewall.rolewall.info:
    gather: [drops]
    drops_since: 3600
  register: fw
- ansible.builtin.debug:
    msg: "{{ item.source }} -> {{ item.port }}/{{ item.protocol }} on {{ item.interface }}: {{ item.would_accept }}"
  loop: "{{ fw.rolewall.drops }}"
"""

RETURN = r"""
rolewall:
  description: What was gathered; the same as the fact C(rolewall).
  returned: always
  type: dict
  contains:
    version:
      description: rolewalld's version.
      type: str
      sample: 0.1.0
    enabled:
      description:
        - Each enabled role with C(origin) (C(config), C(state) or C(runtime)), C(interfaces)
          and C(sources) (empty lists mean any), and, from rolewalld versions that tell,
          C(expires) (CLOCK_REALTIME microseconds, while a timeout runs), C(saved_at),
          C(saved_by) and C(config_differs).
      type: dict
      returned: when gathered
      sample:
        ad-dc: {origin: state, interfaces: [lan0], sources: [192.0.2.0/24]}
        ssh: {origin: config, interfaces: [], sources: []}
    catalog:
      description: Every role of the catalog, with its C(title) and whether it is C(enabled).
      type: dict
      returned: when gathered
      sample:
        ad-dc: {title: Active Directory domain controller, enabled: true}
    status:
      description: rolewalld's C(GetStatus) (C(state), C(ruleset), C(kernel), C(pending), ...).
      type: dict
      returned: when gathered and offered
    counters:
      description:
        - C(roles) maps each enabled role to C(packets), C(bytes) and C(since) (CLOCK_REALTIME
          microseconds since which they count); C(policy) the same for the final drop or reject.
      type: dict
      returned: when gathered and offered
      sample:
        roles: {ssh: {packets: 12, bytes: 720, since: 1767225600000000}}
        policy: {packets: 3, bytes: 180, since: 1767225600000000}
    drops:
      description:
        - Recently dropped connection attempts with C(interface), C(protocol), C(port),
          C(source), C(packets), C(first_seen), C(last_seen), C(services), C(roles) (catalog
          roles that use the port) and C(would_accept) (those that would accept it).
      type: list
      elements: dict
      returned: when gathered and offered
    unavailable:
      description: The parts that could not be read, with the D-Bus error that said why.
      type: dict
      returned: always
      sample:
        drops: "org.rolewall1.Error.AccessDenied: ..."
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.rolewall.rolewall.plugins.module_utils.rolewall import (
    DBUS_IMPORT_ERROR, HAS_DBUS, UNKNOWN_METHOD, Manager, RolewallError, to_dbus_options)

PARTS = ["enabled", "catalog", "status", "counters", "drops"]

ARGUMENT_SPEC = dict(
    gather=dict(type="list", elements="str", choices=PARTS, default=PARTS),
    drops_limit=dict(type="int", default=100),
    drops_since=dict(type="int", default=0),
)


def enabled(manager):
    try:
        return manager.call("DescribeEnabled")
    except RolewallError as e:
        if e.name != UNKNOWN_METHOD:
            raise
    # A rolewalld from before DescribeEnabled: ListEnabled has the scope and origin.
    return dict((name, dict(origin=origin, interfaces=interfaces, sources=sources))
                for name, origin, interfaces, sources in manager.call("ListEnabled"))


def catalog(manager):
    return dict((name, dict(title=title, enabled=on))
                for name, title, on in manager.call("ListRoles"))


def status(manager):
    return manager.call("GetStatus")


def counters(manager):
    roles, policy = manager.call("GetCounters")

    def count(packets, nbytes, since):
        return dict(packets=packets, bytes=nbytes, since=since)

    return dict(roles=dict((name, count(*rest)) for name, *rest in roles), policy=count(*policy))


def drops(manager, limit, since_seconds):
    opts = {"limit": limit}
    if since_seconds > 0:
        opts["since"] = int((time.time() - since_seconds) * 1000000)
    return manager.call("ListDrops", to_dbus_options(opts))


def gather(manager, parts, limit=100, since_seconds=0):
    """{part: value} for each part that could be read, and {part: reason} for the others.
    Errors other than "this daemon has no such method" and "access denied" are raised."""
    readers = dict(enabled=enabled, catalog=catalog, status=status, counters=counters,
                   drops=lambda m: drops(m, limit, since_seconds))
    facts, unavailable = {}, {}
    for part in PARTS:
        if part not in parts:
            continue
        try:
            facts[part] = readers[part](manager)
        except RolewallError as e:
            if e.name not in (UNKNOWN_METHOD, "org.rolewall1.Error.AccessDenied"):
                raise
            unavailable[part] = str(e)
    facts["unavailable"] = unavailable
    return facts


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_DBUS:
        module.fail_json(msg=missing_required_lib("dbus (Debian: python3-dbus)"),
                         exception=str(DBUS_IMPORT_ERROR))
    p = module.params
    if p["drops_limit"] < 1 or p["drops_since"] < 0:
        module.fail_json(msg="drops_limit must be 1 or more and drops_since 0 or more")
    try:
        manager = Manager()
        facts = dict(version=manager.property("Version"))
        facts.update(gather(manager, p["gather"], p["drops_limit"], p["drops_since"]))
    except RolewallError as e:
        module.fail_json(msg=str(e), dbus_error=e.name, dbus_message=e.message)
    module.exit_json(changed=False, rolewall=facts, ansible_facts=dict(rolewall=facts))


if __name__ == "__main__":
    main()
