#!/usr/bin/python3
"""The Cockpit page in a real browser against the real rolewalld.

A sandboxed gateway (tests/support/rolewall_sandbox.py: network namespaces, a private system
bus, rolewalld from the build tree) runs Debian's cockpit-ws, and headless chromium opens the
page from the source tree. The test enables web-server on the page and checks the kernel's sets
and a TCP connection from the client namespace; disables it and checks again; watches the page
follow a change made by rolewallctl; edits a scope and checks that nothing widened; and sees the
daemon's own message on the page when a change is refused (a role the catalog lost, a caller
polkit does not allow). Screenshots go to the artifact directory.

Usage: browser_test.py --build-dir BUILD --artifacts DIR      (as root; exit 77: skipped)
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.realpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))

import feature_steps as fs  # noqa: E402

SKIP = 77
PAGE_DIR = os.path.join(SOURCE_DIR, "integrations", "cockpit")
FEATURES = fs.expected_features()

CONFIG = """\
[firewall]
policy = "drop"

[roles.ssh]

[roles.file-server]
interfaces = ["lan0"]
sources = ["192.0.2.0/24"]
"""

# A role of this test only: the page lists it, then the catalog loses it while the page is open.
LAB_ROLE = """\
id = "lab-web"
title = "Lab web server"
description = "A role that goes away while the page shows it."
services = ["www"]
sources = ["test"]
"""


def log(msg):
    print(f"[{time.monotonic() - START:6.1f} s] {msg}", flush=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


START = time.monotonic()


class Run:
    """One run of the test: the sandbox, cockpit-ws, the browser, and the steps."""

    def __init__(self, sb, browser, ws, artifacts):
        self.sb = sb
        self.b = browser
        self.ws = ws
        self.artifacts = artifacts

    # --- the page -------------------------------------------------------------------------------
    def open_page(self, ws, fragment=""):
        self.b.d.get(ws.url(fragment))
        self.b.wait(lambda: self.b.js("return !!document.querySelector('#rw-roles')"), "the roles table")

    def row_enabled(self, role):
        return self.b.js("const r = document.querySelector(`tr[data-role='${arguments[0]}']`);"
                         "return r ? r.dataset.enabled : null;", role)

    def wait_row(self, role, enabled, timeout=15):
        want = "true" if enabled else "false"
        self.b.wait(lambda: self.row_enabled(role) == want, f"{role} shown {'enabled' if enabled else 'disabled'}",
                    timeout)

    def click(self, css):
        self.b.wait(lambda: self.b.js("return !!document.querySelector(arguments[0])", css), css)
        self.b.js("document.querySelector(arguments[0]).click()", css)

    def switch(self, role):
        self.click(f"#rw-switch-{role}")
        self.b.wait(lambda: self.b.js("return !!document.querySelector('#rw-change-dialog')"), "the change dialog")

    def apply_and_wait_closed(self):
        self.click("#rw-change-apply")
        self.b.wait(lambda: self.b.js("return !document.querySelector('#rw-change-dialog')"),
                    "the dialog to close after the change: " + self.dialog_error())

    def dialog_error(self):
        return self.b.js("const e = document.querySelector('#rw-change-error');"
                         "return e ? e.innerText : '';") or ""

    def wait_dialog_error(self):
        self.click("#rw-change-apply")
        return self.b.wait(lambda: self.dialog_error(), "the daemon's error in the dialog")

    def shot(self, name):
        path = os.path.join(self.artifacts, name)
        self.b.d.save_screenshot(path)
        log(f"screenshot {path}")

    # --- the kernel and the network -------------------------------------------------------------
    def web_ports_in_kernel(self):
        return {"80", "443"} <= self.sb.role_elements("web-server")

    def connect(self):
        return self.sb.connect_tcp("office", "192.0.2.1", 80)


def daemon_error(sb, method, signature, *args, user=None):
    """The D-Bus error message rolewalld answers `method` with, as busctl prints it."""
    argv = ["busctl", f"--address={sb.bus_address}", "call", "org.rolewall1", "/org/rolewall1",
            "org.rolewall1.Manager", method, signature] + [str(a) for a in args]
    if user:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    check(r.returncode != 0, f"{method} {args} should have been refused: {r.stdout}")
    return re.sub(r"^Call failed: ", "", r.stderr.strip())


# --- the steps -----------------------------------------------------------------------------------
def step_page_loads(r):
    r.open_page(r.ws)
    errors = r.b.console_errors()
    check(not errors, f"the browser console has errors: {errors}")
    font = r.b.js("return getComputedStyle(document.body).fontFamily")
    check("RedHatText" in font, f"PatternFly's stylesheet is not applied (body font: {font})")
    check(r.row_enabled("ssh") == "true" and r.row_enabled("file-server") == "true",
          "ssh and file-server (enabled in rolewall.toml) are not shown enabled")
    check(r.row_enabled("web-server") == "false" and r.row_enabled("lab-web") == "false",
          "web-server and lab-web are not listed as disabled")
    log("page loaded: roles listed, PatternFly applied, no console errors")


def step_enable_web_server(r):
    check(r.connect() == "dropped", "port 80 answers before web-server is enabled")
    check(not r.web_ports_in_kernel(), "web-server's ports are in the kernel before it is enabled")
    r.switch("web-server")
    if FEATURES["dryRun"]:
        fs.step_dry_run_preview(r)
    r.shot("change-dialog.png")
    r.apply_and_wait_closed()
    r.wait_row("web-server", True)
    check(r.web_ports_in_kernel(), f"80 and 443 are not in web-server's sets: {r.sb.role_elements('web-server')}")
    check(r.connect() == "accepted", "the client cannot connect to port 80 after web-server was enabled")
    status = r.sb.ctl("status").stdout
    check(re.search(r"^web-server\b.*\bstate\b", status, re.M), f"rolewallctl status: {status}")
    log("enabled web-server on the page: kernel sets hold 80 and 443, the client connects, saved")


def step_follows_rolewallctl(r):
    r.sb.ctl("enable", "ftp-server", "--runtime")
    r.wait_row("ftp-server", True, timeout=10)
    origin = r.b.js("return document.querySelector(`tr[data-role='ftp-server'] .rw-origin`).innerText")
    check(origin == "Runtime", f"ftp-server's origin shows as {origin!r}")
    r.sb.ctl("disable", "ftp-server", "--runtime")
    r.wait_row("ftp-server", False, timeout=10)
    log("the page followed rolewallctl's enable and disable (RoleChanged)")


def step_edit_scope_keeps_interfaces(r):
    r.click("[data-focus-key='edit-file-server']")
    r.b.wait(lambda: r.b.js("return !!document.querySelector('#rw-change-dialog')"), "the scope dialog")
    field = r.b.d.find_element("id", "rw-sources-input")
    field.clear()
    field.send_keys("198.51.100.0/24")
    r.apply_and_wait_closed()
    r.b.wait(lambda: r.b.js("return document.querySelector(`tr[data-role='file-server'] .rw-scope-sources`).innerText")
             == "198.51.100.0/24", "file-server's new sources on the page")
    elements = r.sb.role_elements("file-server")
    check("lan0" in elements and "198.51.100.0/24" in elements and "192.0.2.0/24" not in elements,
          f"file-server's sets after changing only its sources: {elements}")
    interfaces = r.b.js("return document.querySelector(`tr[data-role='file-server'] .rw-scope-interfaces`).innerText")
    check(interfaces == "lan0", f"file-server's interfaces widened to {interfaces!r}")
    log("changed file-server's sources only: its interface scope (lan0) stayed")


def step_disable_web_server(r):
    from selenium.webdriver.common.keys import Keys
    # The keyboard opens the dialog, Escape closes it, nothing changes. The switch gets the
    # focus as Tab gives it, and the key goes to whatever holds the focus: a live update may
    # rebuild the switch at any moment (replaceChildren() keeps the focus on the new one).
    r.b.wait(lambda: r.b.js("return !document.querySelector('.rw-backdrop')"), "no dialog open")
    r.b.js("document.querySelector('#rw-switch-web-server').focus()")
    r.b.d.switch_to.active_element.send_keys(Keys.SPACE)
    r.b.wait(lambda: r.b.js("return !!document.querySelector('#rw-change-dialog')"), "the dialog from the keyboard")
    # A live update while the dialog is open (here another role's change; also the counters'
    # poll) rebuilds the table and its switches: focus still goes back to the switch.
    r.b.js("document.querySelector('#rw-switch-web-server').dataset.before = 'yes'")
    r.sb.ctl("enable", "ftp-server", "--runtime")
    r.wait_row("ftp-server", True, timeout=10)
    check(r.b.js("return document.querySelector('#rw-switch-web-server').dataset.before") is None,
          "the update did not rebuild the switch")
    r.b.d.switch_to.active_element.send_keys(Keys.ESCAPE)
    r.b.wait(lambda: r.b.js("return !document.querySelector('#rw-change-dialog')"), "Escape to close the dialog")
    check(r.b.js("return document.activeElement.id") == "rw-switch-web-server", "focus did not return to the switch")
    check(r.row_enabled("web-server") == "true", "Escape changed web-server")
    r.sb.ctl("disable", "ftp-server", "--runtime")
    r.wait_row("ftp-server", False, timeout=10)
    r.switch("web-server")
    r.apply_and_wait_closed()
    r.wait_row("web-server", False)
    check(not r.web_ports_in_kernel(), f"web-server's sets after disabling: {r.sb.role_elements('web-server')}")
    check(r.connect() == "dropped", "port 80 still answers after web-server was disabled")
    log("disabled web-server on the page: its sets are empty, the connection is dropped")


def step_unknown_role(r, catalog):
    os.remove(os.path.join(catalog, "roles", "lab-web.toml"))
    r.sb.ctl("reload")
    expected = daemon_error(r.sb, "EnableRole", "sa{sv}", "lab-web", 0)
    check(r.row_enabled("lab-web") == "false", "the page should still show lab-web, as it knew it")
    r.switch("lab-web")
    shown = r.wait_dialog_error()
    check(expected in shown, f"the page shows {shown!r}, not the daemon's message {expected!r}")
    r.shot("refused-unknown-role.png")
    r.click("#rw-change-dialog button[aria-label='Close']")
    r.b.wait(lambda: r.row_enabled("lab-web") is None, "lab-web to leave the list after the refusal")
    log(f"a role the catalog lost: the page shows the daemon's message: {expected}")


def step_denied_caller(r, page_dir):
    from cockpit_session import CockpitWs
    ws = CockpitWs(r.sb, page_dir, 9091, user="nobody")
    try:
        expected = daemon_error(r.sb, "EnableRole", "sa{sv}", "web-server", 0, user=65534)
        r.open_page(ws)
        before = r.web_ports_in_kernel()
        r.switch("web-server")
        shown = r.wait_dialog_error()
        check(expected in shown, f"the page shows {shown!r}, not the daemon's message {expected!r}")
        r.shot("refused-access-denied.png")
        check(r.web_ports_in_kernel() == before, "a refused caller changed the kernel")
    finally:
        ws.stop()
    log(f"a caller polkit does not allow: the page shows the daemon's message: {expected}")


def step_in_cockpits_shell(r):
    """The page in Cockpit itself: the shell lists it in its menu and frames it. (Last: the
    shell's own pages complain in the console about the systemd this sandbox does not have.)"""
    r.sb.ctl("enable", "web-server", "--runtime")  # the picture shows all three origins
    r.b.d.get(f"http://127.0.0.1:{r.ws.port}/rolewall")
    link = r.b.wait(lambda: r.b.js("return [...document.querySelectorAll('nav a')]"
                                   ".find(a => a.innerText.trim() == 'Firewall roles') || null"),
                    "'Firewall roles' in Cockpit's menu", timeout=30)
    check(link.get_attribute("aria-current") == "page" or "pf-m-current" in (link.get_attribute("class") or ""),
          "the menu does not show the page as the current one")
    frame = r.b.wait(lambda: r.b.js("return document.querySelector(\"iframe[name$='/rolewall']\")"),
                     "the page's frame in the shell")
    r.b.d.switch_to.frame(frame)
    r.b.wait(lambda: r.row_enabled("web-server") == "true", "the roles table in the shell's frame")
    r.b.d.switch_to.default_content()
    r.shot("rolewall-in-cockpit.png")
    log("Cockpit's shell lists 'Firewall roles' in its menu and shows the page in its frame")


# The steps for members the XML declares run where they fit: they need the state the steps
# before them leave (web-server enabled, file-server re-scoped, ...).
def run_steps(r, catalog):
    step_page_loads(r)
    fs.step_features_detected(r)
    if FEATURES["serviceDetails"]:
        fs.step_role_sources(r, catalog)
    step_enable_web_server(r)
    step_follows_rolewallctl(r)
    if FEATURES["counters"]:
        fs.step_counters(r)
    if FEATURES["describe"]:
        fs.step_origin_details(r)
    r.shot("rolewall-page.png")
    step_edit_scope_keeps_interfaces(r)
    if FEATURES["revert"]:
        fs.step_follow_config(r)
    if FEATURES["confirm"]:
        fs.step_trial_expires(r)
    step_disable_web_server(r)
    if FEATURES["confirm"]:
        fs.step_trial_confirmed(r)
    if FEATURES["drops"]:
        fs.step_drop_enables_role(r)
    step_unknown_role(r, catalog)
    step_denied_caller(r, PAGE_DIR)
    errors = r.b.console_errors()
    check(not errors, f"the browser console has errors: {errors}")
    step_in_cockpits_shell(r)
    skipped = sorted(k for k, v in FEATURES.items() if not v)
    if skipped:
        log(f"not in this tree's D-Bus contract, so not tested: {', '.join(skipped)}")


# --- setup and teardown --------------------------------------------------------------------------
def skip_reason():
    if os.geteuid() != 0:
        return "needs root (network namespaces, nftables, cockpit-ws as another user)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed"
    from cockpit_session import missing_tools
    missing = missing_tools()
    return f"not installed: {' '.join(missing)} (.ci/setup installs them)" if missing else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--artifacts", required=True)
    args = ap.parse_args()
    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        return SKIP
    from rolewall_sandbox import Sandbox
    from cockpit_session import Browser, CockpitWs, enter_netns, leave_netns, wait_addresses_settled

    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)
    with Sandbox(CONFIG, build_dir=args.build_dir, start=False) as sb:
        catalog = os.path.join(sb.dir, "catalog")
        shutil.copytree(os.path.join(SOURCE_DIR, "catalog"), catalog)
        with open(os.path.join(catalog, "roles", "lab-web.toml"), "w") as f:
            f.write(LAB_ROLE)
        sb.catalog = catalog
        sb.start_daemon()
        sb.listen_tcp([80])
        old = enter_netns(sb.gateway.path)
        ws = browser = run = None
        try:
            ws = CockpitWs(sb, PAGE_DIR, 9090)
            wait_addresses_settled()
            browser = Browser(os.path.join(sb.dir, "browser"))
            run = Run(sb, browser, ws, args.artifacts)
            run_steps(run, catalog)
        except BaseException:
            traceback.print_exc()
            if browser:
                browser.d.save_screenshot(os.path.join(args.artifacts, "failure.png"))
                print("browser console:", browser.d.get_log("browser"))
            if ws:
                print("cockpit-ws:\n" + ws.log_tail())
            print(sb.log_tail())
            return 1
        finally:
            if browser:
                browser.quit()
            if ws:
                ws.stop()
            leave_netns(old)
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
