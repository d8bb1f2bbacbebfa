"""ansible-playbook against the rolewalld of a sandbox: `-i localhost, -c local`, the
collection from this checkout, Debian's /usr/bin/python3 for the modules, the sandbox's private
bus, and everything Ansible writes kept in the sandbox's directory."""

import json
import os
import re
import subprocess
import textwrap

from conftest import COLLECTION, COLLECTIONS, HERE

PYTHON = "/usr/bin/python3"


def readme_block(kind, after=""):
    """The first ```KIND block of the collection's README that comes after the text `after`."""
    with open(os.path.join(COLLECTION, "README.md")) as f:
        text = f.read()
    m = re.search(re.escape(after) + r".*?```" + kind + r"\n(.*?)```", text, re.S)
    assert m, f"the collection's README has no {kind} block after {after!r}"
    return m.group(1)


def readme_playbook():
    """The example playbook: the yaml block after the 'example-playbook' marker."""
    return readme_block("yaml", "<!-- example-playbook")


class Play:
    """The outcome of one ansible-playbook run, from callback_plugins/rolewall_record.py."""

    def __init__(self, proc, record):
        self.returncode = proc.returncode
        self.stdout, self.stderr = proc.stdout, proc.stderr
        try:
            with open(record) as f:
                self.data = json.load(f)
        except (OSError, ValueError):
            raise AssertionError(f"ansible-playbook left no record:\n{proc.stdout}\n{proc.stderr}")
        self.stats = self.data["stats"].get("localhost", {})

    @property
    def changed(self):
        return self.stats.get("changed", 0)

    @property
    def failed(self):
        return self.stats.get("failures", 0)

    def results(self):
        """[(task name, result on localhost)] in the order they ran."""
        return [(t["task"], dict(t["result"], failed=t["outcome"] == "failed"))
                for t in self.data["tasks"] if t["host"] == "localhost"]

    def result(self, name):
        for task, result in self.results():
            if task == name:
                return result
        raise KeyError(name)


class Ansible:
    def __init__(self, sandbox):
        self.sb = sandbox
        self.dir = os.path.join(sandbox.dir, "ansible")
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "ansible.cfg")
        open(self.config, "a").close()
        self.count = 0

    def env(self):
        env = dict((k, v) for k, v in self.sb.env.items()
                   if not k.startswith("ANSIBLE_") and k != "SSH_CONNECTION")
        env.update(
            ANSIBLE_CONFIG=self.config,
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
            ANSIBLE_HOME=os.path.join(self.dir, "home"),
            ANSIBLE_LOCAL_TEMP=os.path.join(self.dir, "tmp"),
            ANSIBLE_REMOTE_TEMP=os.path.join(self.dir, "remote"),
            ANSIBLE_PYTHON_INTERPRETER=PYTHON,
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="rolewall_record",
            ROLEWALL_RECORD=os.path.join(self.dir, "record.json"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_DEPRECATION_WARNINGS="0",
        )
        return env

    def write(self, text):
        self.count += 1
        path = os.path.join(self.dir, f"play{self.count}.yml")
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def play(self, playbook, *args):
        """Runs a playbook (a path, or YAML text) and returns the Play."""
        if not os.path.exists(playbook):
            playbook = self.write(playbook)
        argv = ["ansible-playbook", "-i", "localhost,", "-c", "local", playbook, *args]
        env = self.env()
        if os.path.exists(env["ROLEWALL_RECORD"]):
            os.unlink(env["ROLEWALL_RECORD"])
        proc = subprocess.run(argv, env=env, cwd=self.dir, capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
        print(f"$ {' '.join(argv)}\n{proc.stdout}{proc.stderr}")  # shown when a test fails
        return Play(proc, env["ROLEWALL_RECORD"])

    def task(self, module, args, *flags):
        """One task of `module` with `args` (a dict) in a play of its own."""
        body = json.dumps([{"hosts": "all", "gather_facts": False,
                            "tasks": [{"name": "the task", module: args}]}])
        play = self.play(body, *flags)
        return play, play.result("the task")
