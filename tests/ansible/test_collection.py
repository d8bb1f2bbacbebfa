"""The collection as a user gets it: ansible-galaxy builds the tarball from the repository, it
installs, and ansible-doc renders every module from the installed copy. No root needed."""

import os
import subprocess
import tarfile

import yaml

from conftest import COLLECTION

NEEDS_TOOLS = ("ansible-galaxy", "ansible-doc")

MODULES = ["role", "info", "pending"]


def ansible_env(tmp):
    """Ansible confined to `tmp`: no ~/.ansible, no ansible.cfg from elsewhere."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(ANSIBLE_HOME=os.path.join(tmp, "home"), ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "t"),
               ANSIBLE_CONFIG=os.path.join(tmp, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_GALAXY_CACHE_DIR=os.path.join(tmp, "cache"))
    open(env["ANSIBLE_CONFIG"], "a").close()
    return env


def run(argv, env, cwd):
    p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"{' '.join(argv)}: {p.stderr}{p.stdout}"
    return p.stdout


def test_the_collection_builds_installs_and_documents_every_module(tmp_path):
    env = ansible_env(str(tmp_path))
    with open(os.path.join(COLLECTION, "galaxy.yml")) as f:
        version = yaml.safe_load(f)["version"]
    run(["ansible-galaxy", "collection", "build", COLLECTION, "--output-path", str(tmp_path)],
        env, str(tmp_path))
    tarball = tmp_path / f"rolewall-rolewall-{version}.tar.gz"
    with tarfile.open(tarball) as t:
        names = set(t.getnames())
    for want in ["MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml",
                 "plugins/module_utils/rolewall.py"] + [
                     f"plugins/modules/{m}.py" for m in MODULES]:
        assert want in names, want
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    installed = tmp_path / "collections"
    run(["ansible-galaxy", "collection", "install", "--offline", str(tarball), "-p",
         str(installed)], env, str(tmp_path))
    env["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    listed = run(["ansible-doc", "-l", "rolewall.rolewall"], env, str(tmp_path))
    for m in MODULES:
        assert f"rolewall.rolewall.{m}" in listed
        doc = run(["ansible-doc", f"rolewall.rolewall.{m}"], env, str(tmp_path))
        assert str(installed) in doc  # the installed copy, not the checkout
        assert "EXAMPLES:" in doc and "RETURN VALUES:" in doc
    doc = run(["ansible-doc", "rolewall.rolewall.role"], env, str(tmp_path))
    for option in ["name", "state", "interfaces", "sources", "any_interface", "runtime",
                   "timeout", "confirm", "force"]:
        assert f"- {option}\n" in doc or f"= {option}\n" in doc, option
