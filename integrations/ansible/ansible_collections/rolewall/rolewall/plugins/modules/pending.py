#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: the rolewall authors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pending
short_description: Confirm or undo the rolewall change that waits for confirmation
version_added: "0.1.0"
description:
  - A change made with C(confirm) (M(rolewall.rolewall.role), C(rolewallctl ... --confirm))
    is applied at once and undone by rolewalld unless it is confirmed in time. This module
    confirms it (C(state=confirmed), like C(rolewallctl confirm)) or undoes it now
    (C(state=reverted), like C(rolewallctl confirm --abort)).
  - Run it as a task after the change, so that it runs only if Ansible could still reach the
    host after the change. If the change cut Ansible off, nothing confirms it and rolewalld
    undoes it by itself.
  - With nothing pending (already confirmed, undone, or never asked for) it changes nothing and
    says so in a warning.
author:
  - rolewall authors
requirements:
  - python3-dbus on the managed host (Debian package C(python3-dbus))
  - rolewalld with C(ConfirmPending), C(RevertPending) and the C(PendingChange) property
attributes:
  check_mode:
    support: full
    description: Reports whether something is pending and would be confirmed or undone.
  diff_mode:
    support: none
options:
  state:
    description: C(confirmed) makes the pending change final; C(reverted) undoes it now.
    type: str
    choices: [confirmed, reverted]
    default: confirmed
seealso:
  - module: rolewall.rolewall.role
"""

EXAMPLES = r"""
- name: Move ssh to the admin network; undone in 2 minutes unless confirmed
  rolewall.rolewall.role:
    name: ssh
    sources: [203.0.113.0/24]
    confirm: 2m

- name: Make sure a new connection still gets in
  ansible.builtin.meta: reset_connection

- name: Still here, so keep it
  rolewall.rolewall.pending:
    state: confirmed
"""

RETURN = r"""
pending:
  description: The change that was pending before the task ("" when none), as rolewalld describes it.
  returned: always
  type: str
  sample: enable ssh
deadline:
  description: When rolewalld would have undone it, CLOCK_REALTIME microseconds (0 when none).
  returned: always
  type: int
dbus_error:
  description: The D-Bus error name of a failure.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.rolewall.rolewall.plugins.module_utils.rolewall import (
    DBUS_IMPORT_ERROR, HAS_DBUS, Manager, RolewallError)

NOTHING_PENDING = "org.rolewall1.Error.NothingPending"


def main():
    module = AnsibleModule(
        argument_spec=dict(state=dict(type="str", default="confirmed",
                                      choices=["confirmed", "reverted"])),
        supports_check_mode=True)
    if not HAS_DBUS:
        module.fail_json(msg=missing_required_lib("dbus (Debian: python3-dbus)"),
                         exception=str(DBUS_IMPORT_ERROR))
    state = module.params["state"]
    pending, deadline = "", 0
    try:
        manager = Manager()
        pending = manager.property("PendingChange")
        deadline = manager.property("PendingDeadline")
        changed = bool(pending)
        if changed and not module.check_mode:
            manager.call("ConfirmPending" if state == "confirmed" else "RevertPending")
    except RolewallError as e:
        if e.name != NOTHING_PENDING:
            module.fail_json(msg=str(e), dbus_error=e.name, dbus_message=e.message)
        changed = False  # it ran out, or someone else settled it, after we looked
    if not changed:
        module.warn("nothing was waiting for confirmation: the change was already confirmed "
                    "or undone, or none was made with confirm")
    module.exit_json(changed=changed, pending=pending, deadline=deadline)


if __name__ == "__main__":
    main()
