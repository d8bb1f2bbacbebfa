# The tests' record of a play: every task's result and the stats, as JSON in the file that
# $ROLEWALL_RECORD names (ansible-core 2.14 has no json callback). The screen output stays the
# default one, for the test log.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: rolewall_record
type: aggregate
short_description: writes each task's result and the stats to $ROLEWALL_RECORD, as JSON
description: Used by rolewall's tests of its Ansible collection.
requirements: [enable in callbacks_enabled]
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "rolewall_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.tasks = []

    def _record(self, result, outcome):
        self.tasks.append(dict(task=result._task.get_name(), host=result._host.get_name(),
                               outcome=outcome, result=result._result))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        record = dict(tasks=self.tasks,
                      stats=dict((h, stats.summarize(h)) for h in sorted(stats.processed)))
        with open(os.environ["ROLEWALL_RECORD"], "w") as f:
            json.dump(record, f, default=str)
