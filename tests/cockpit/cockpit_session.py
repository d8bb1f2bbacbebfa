"""Cockpit and a headless browser next to a sandboxed rolewalld (tests/support/rolewall_sandbox.py).

- CockpitWs: Debian's cockpit-ws with --no-tls --local-session=cockpit-bridge inside the
  gateway's network namespace, as root or as another user, serving the page from the source
  tree (a temporary XDG_DATA_DIRS entry whose cockpit/rolewall is integrations/cockpit). Its
  bridge talks to the sandbox's private system bus (DBUS_SYSTEM_BUS_ADDRESS), has a session bus
  of its own and an SSH_AUTH_SOCK, and keeps its temporary files in the sandbox's directory.
- Browser: Debian's chromium driven by chromedriver through Selenium, headless, with a new
  empty profile, inside the same namespace.

Every process gets PR_SET_PDEATHSIG (chromium through `setpriv --pdeathsig KILL`), so a killed
test leaves nothing running and the namespaces go away with the sandbox.
"""

import ctypes
import os
import pwd
import socket
import subprocess
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

COCKPIT_WS = "/usr/lib/cockpit/cockpit-ws"
COCKPIT_BRIDGE = "/usr/bin/cockpit-bridge"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The stylesheet the page takes PatternFly from (package cockpit-system).
PATTERNFLY_CSS = "/usr/share/cockpit/systemd/services.css.gz"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--window-size=1280,1000"]

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def missing_tools():
    """What this machine lacks for the browser test, as Debian package names."""
    out = []
    for path, package in ((COCKPIT_WS, "cockpit-ws"), (COCKPIT_BRIDGE, "cockpit-bridge"),
                          (PATTERNFLY_CSS, "cockpit-system"), (CHROMIUM, "chromium"),
                          (CHROMEDRIVER, "chromium-driver"), ("/usr/bin/setpriv", "util-linux")):
        if not os.path.exists(path):
            out.append(package)
    return out


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)


def enter_netns(path):
    """Moves this (single-threaded) process into the network namespace at `path`; returns a
    file descriptor of the one it was in, for leave_netns()."""
    old = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)
    return old


def wait_addresses_settled(timeout=15):
    """Waits until no address of this network namespace is still tentative (IPv6 duplicate
    address detection of the link-local addresses, about 1-2 s after a link comes up). Chromium
    watches the addresses and aborts its loads with ERR_NETWORK_CHANGED when one changes."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(["ip", "-o", "addr", "show", "tentative"], capture_output=True,
                             text=True, check=True).stdout.strip()
        if not out:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"addresses still tentative after {timeout} s:\n{out}")
        time.sleep(0.1)


def leave_netns(old):
    try:
        if _libc.setns(old, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns back: {os.strerror(err)}")
    finally:
        os.close(old)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} is not listening on 127.0.0.1:{port} after {timeout} s")


class CockpitWs:
    """cockpit-ws for one user ("root" or another name) in the sandbox's gateway namespace."""

    def __init__(self, sb, page_dir, port, user="root"):
        self.sb = sb
        self.port = port
        self.user = user
        self.home = os.path.join(sb.dir, f"cockpit-{user}")
        self.log = os.path.join(sb.dir, f"cockpit-ws-{user}.log")
        os.makedirs(os.path.join(self.home, "share", "cockpit"))
        os.makedirs(os.path.join(self.home, "run"), mode=0o700)
        os.symlink(page_dir, os.path.join(self.home, "share", "cockpit", "rolewall"))
        pw = pwd.getpwnam(user)
        for root, dirs, _files in os.walk(self.home):
            for d in [root] + [os.path.join(root, x) for x in dirs]:
                os.chown(d, pw.pw_uid, pw.pw_gid, follow_symlinks=False)
        self.procs = []
        session_bus = self._session_bus(pw)
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
            "XDG_DATA_DIRS": os.path.join(self.home, "share") + ":/usr/share",
            "XDG_RUNTIME_DIR": os.path.join(self.home, "run"),
            "TMPDIR": self.home,
            "DBUS_SYSTEM_BUS_ADDRESS": sb.bus_address,
            "DBUS_SESSION_BUS_ADDRESS": session_bus,
            "SSH_AUTH_SOCK": os.path.join(self.home, "run", "no-ssh-agent"),
        }
        argv = [COCKPIT_WS, "--no-tls", f"--local-session={COCKPIT_BRIDGE}",
                "-a", "127.0.0.1", "-p", str(port)]
        if user != "root":
            argv = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
                    "--pdeathsig", "KILL", "--"] + argv
        with open(self.log, "w") as log:
            self.procs.append(sb.gateway.popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_for_port(port, self.procs[-1], f"cockpit-ws for {user}")

    def _session_bus(self, pw):
        path = os.path.join(self.home, "run", "session-bus.sock")
        argv = ["dbus-daemon", "--session", "--nofork", f"--address=unix:path={path}"]
        if pw.pw_uid != 0:
            argv = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
                    "--pdeathsig", "KILL", "--"] + argv
        self.procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent))
        deadline = time.monotonic() + 10
        while not os.path.exists(path):
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                raise RuntimeError("the session bus for cockpit-bridge did not start")
            time.sleep(0.05)
        return f"unix:path={path}"

    def url(self, fragment=""):
        return f"http://127.0.0.1:{self.port}/cockpit/@localhost/rolewall/index.html{fragment}"

    def log_tail(self, lines=20):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class Browser:
    """Headless chromium through chromedriver; call from inside the namespace cockpit-ws is in."""

    def __init__(self, workdir):
        profile = os.path.join(workdir, "chromium-profile")
        os.makedirs(profile)
        wrapper = os.path.join(workdir, "chromium")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec setpriv --pdeathsig KILL -- {CHROMIUM} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        port = free_port()
        env = dict(os.environ, HOME=workdir, TMPDIR=workdir)
        self.driver_proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], env=env,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        wait_for_port(port, self.driver_proc, "chromedriver")
        options = webdriver.ChromeOptions()
        options.binary_location = wrapper
        for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        self.d.set_page_load_timeout(30)

    def wait(self, predicate, what, timeout=15):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda d: predicate())
        except WebDriverException as e:
            raise AssertionError(f"not within {timeout} s: {what}") from e

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def console_errors(self):
        return [e for e in self.d.get_log("browser") if e.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.d.quit()
        except WebDriverException:
            pass
        if self.driver_proc.poll() is None:
            self.driver_proc.kill()
            self.driver_proc.wait()
