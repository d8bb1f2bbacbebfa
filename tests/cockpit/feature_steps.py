"""Steps of the browser test for the members of org.rolewall1.Manager that came after the first
API: dry runs, trial changes (confirm), origins with details, revert, counters, drops, and the
services' sources and notes.

Which of them run is decided by the contract in the source tree, the introspection XML
(daemon/bus/org.rolewall1.Manager.xml), never by what the running daemon happens to answer: a
member the XML declares must work on the page, and a step for it that cannot pass fails.
"""

import os
import re
import time
import tomllib
import xml.etree.ElementTree as ET

SOURCE_DIR = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
XML = os.path.join(SOURCE_DIR, "daemon", "bus", "org.rolewall1.Manager.xml")


def contract():
    """{"methods": {name: (in types, out types)}, "properties": {names}} from the XML."""
    iface = ET.parse(XML).getroot().find("interface[@name='org.rolewall1.Manager']")
    methods = {}
    for m in iface.findall("method"):
        args = m.findall("arg")
        methods[m.get("name")] = ([a.get("type") for a in args if a.get("direction", "in") == "in"],
                                  [a.get("type") for a in args if a.get("direction") == "out"])
    return {"methods": methods, "properties": {p.get("name") for p in iface.findall("property")}}


def expected_features():
    """What the page should detect in a daemon built from this tree (features.js's names)."""
    c = contract()
    m = c["methods"]
    results = "EnableRole" in m and len(m["EnableRole"][1]) > 0
    confirm = "ConfirmPending" in m and "RevertPending" in m
    return {"results": results, "dryRun": results, "confirm": confirm, "timeout": confirm,
            "revert": "RevertRoles" in m, "describe": "DescribeEnabled" in m,
            "status": "GetStatus" in m, "counters": "GetCounters" in m, "drops": "ListDrops" in m,
            "serviceDetails": "GetService" in m,
            "pendingProperties": {"PendingChange", "PendingDeadline"} <= c["properties"]}


def _log(msg):
    print(f"  {msg}", flush=True)


def step_features_detected(r):
    want = expected_features()
    got = r.b.js("const f = window.rolewallPage.client.features;"
                 "return Object.fromEntries(Object.keys(arguments[0]).map(k => [k, f[k]]));", want)
    assert got == want, f"the page detected {got}, the XML declares {want}"
    _log(f"the page detected what the XML declares: {sorted(k for k, v in want.items() if v)}")


def step_dry_run_preview(r):
    """The enable dialog shows the daemon's dry run: web-server disabled -> enabled, any scope."""
    text = r.b.wait(lambda: r.b.js("const p = document.querySelector('#rw-change-preview');"
                                   "return p && p.innerText.includes('What rolewalld would do') ? p.innerText : ''"),
                    "the daemon's dry run in the dialog")
    assert re.search(r"State\s+disabled\s+enabled", text), f"dry-run preview: {text!r}"
    assert r.sb.role_elements("web-server") == set(), "the dry run changed the kernel"
    _log("the dialog shows the daemon's dry run, and the kernel is unchanged")


def step_trial_confirmed(r):
    """A trial enable: a countdown and Confirm; confirmed, the role stays and is saved."""
    r.switch("web-server")
    r.click("#rw-trial")
    field = r.b.d.find_element("id", "rw-confirm-seconds")
    field.clear()
    field.send_keys("120")
    r.apply_and_wait_closed()
    countdown = r.b.wait(lambda: r.b.js("const c = document.querySelector('#rw-pending-countdown');"
                                        "return c ? c.innerText : ''"), "the trial's countdown")
    assert re.fullmatch(r"[12]:\d\d", countdown), f"countdown {countdown!r}"
    title = r.b.js("return document.querySelector('#rw-pending-alert .pf-c-alert__title').innerText")
    assert "web-server" in title, f"the trial banner says {title!r}"
    assert r.web_ports_in_kernel(), "a trial change is applied at once"
    r.shot("trial-change.png")
    first = countdown
    r.b.wait(lambda: r.b.js("return document.querySelector('#rw-pending-countdown').innerText") != first,
             "the countdown to tick", timeout=5)
    r.click("#rw-pending-confirm")
    r.b.wait(lambda: r.b.js("return !document.querySelector('#rw-pending-alert')"), "the banner to go on Confirm")
    assert r.row_enabled("web-server") == "true" and r.web_ports_in_kernel()
    state = open(os.path.join(r.sb.state_dir, "state.toml")).read()
    assert "[roles.web-server]" in state, f"a confirmed change is saved: {state}"
    _log("trial enable: countdown ticking, Confirm kept web-server and saved it")


def step_trial_expires(r):
    """A trial disable that nobody confirms: rolewalld undoes it by itself and the page follows."""
    r.switch("web-server")
    r.click("#rw-trial")
    field = r.b.d.find_element("id", "rw-confirm-seconds")
    field.clear()
    field.send_keys("3")
    r.apply_and_wait_closed()
    r.wait_row("web-server", False)
    assert r.connect() == "dropped", "the trial disable is not applied"
    r.b.wait(lambda: r.b.js("return !!document.querySelector('#rw-pending-alert')"), "the trial banner")
    r.wait_row("web-server", True, timeout=20)  # undone by the daemon: RoleChanged
    r.b.wait(lambda: r.b.js("return !document.querySelector('#rw-pending-alert')"), "the banner to go at expiry")
    assert r.web_ports_in_kernel() and r.connect() == "accepted", "the expired trial was not undone"
    _log("trial disable left unconfirmed: rolewalld undid it, the page showed it without a reload")


def step_origin_details(r):
    """DescribeEnabled: a saved role says when it was saved."""
    text = r.b.js("return document.querySelector(`tr[data-role='web-server'] td[data-label='Origin']`).innerText")
    lines = text.splitlines()
    assert lines[0] == "Saved" and any(line.startswith("saved ") for line in lines[1:]), f"origin cell: {text!r}"
    _log(f"web-server's origin: {' / '.join(text.splitlines())}")


def step_follow_config(r):
    """RevertRoles: file-server (re-scoped on the page) follows rolewall.toml again."""
    r.click("[data-focus-key='revert-file-server']")
    r.b.wait(lambda: r.b.js("return !!document.querySelector('#rw-change-dialog')"), "the revert dialog")
    r.apply_and_wait_closed()
    r.b.wait(lambda: r.b.js("return document.querySelector(`tr[data-role='file-server'] .rw-scope-sources`).innerText")
             == "192.0.2.0/24", "file-server's config sources back on the page")
    elements = r.sb.role_elements("file-server")
    assert "192.0.2.0/24" in elements and "198.51.100.0/24" not in elements, f"file-server's sets: {elements}"
    _log("Follow config: file-server is back to rolewall.toml's scope")


def step_counters(r):
    """GetCounters: accepted connections show up in web-server's row."""
    for _ in range(3):
        assert r.connect() == "accepted"
    def shown():  # the page polls the counters: wait for a poll after the connections
        t = r.b.js("const c = document.querySelector(`tr[data-role='web-server'] .rw-traffic`);"
                   "return c ? c.innerText : ''")
        return t if t and t.split()[0].replace(",", "").isdigit() and int(t.split()[0].replace(",", "")) >= 3 else ""
    text = r.b.wait(shown, "web-server's counters on the page", timeout=15)
    packets = int(text.split()[0].replace(",", ""))
    assert packets >= 3, f"web-server's counter: {text!r}"
    _log(f"web-server's counters on the page: {text}")


def step_drop_enables_role(r):
    """ListDrops: a dropped connection to 80 lists web-server; its button enables it."""
    if r.row_enabled("web-server") == "true":
        r.switch("web-server")
        r.apply_and_wait_closed()
        r.wait_row("web-server", False)
    assert r.connect() == "dropped"
    r.click("#rw-nav-drops")
    button = "button[aria-label^='Enable web-server, which would accept 80/tcp from 192.0.2.2']"
    deadline = time.monotonic() + 20
    while not r.b.js("return !!document.querySelector(arguments[0])", button):
        assert time.monotonic() < deadline, "the drop of 80/tcp from 192.0.2.2 is not listed with web-server"
        r.click("#rw-drops-refresh")
        time.sleep(0.5)
    r.shot("recent-drops.png")
    r.click(button)
    r.b.wait(lambda: r.b.js("return !!document.querySelector('#rw-change-dialog')"), "the dialog from the drop")
    r.apply_and_wait_closed()
    r.click("#rw-nav-roles")
    r.wait_row("web-server", True)
    assert r.connect() == "accepted", "enabling the role the drop named did not let the connection in"
    _log("a dropped connection listed web-server; its button enabled it and the connection got through")


def step_role_sources(r, catalog):
    """GetService: a role's page shows where its ports come from, as the daemon's catalog says:
    each service's sources, Windows service and note, and each port's note."""
    r.b.d.get(r.ws.url("#/role/ftp-server"))
    text = r.b.wait(lambda: r.b.js("const s = document.querySelector(`#rw-role-sources [data-service='ftp-server']`);"
                                   "return s ? s.innerText : ''"), "ftp-server's sources on the role's page")
    with open(os.path.join(catalog, "services", "ftp-server.toml"), "rb") as f:
        service = tomllib.load(f)
    for want in service["sources"] + [service["windows_service"], service["note"]]:
        assert want in text, f"{want!r} is not on the page: {text!r}"
    shown = r.b.js("return [...document.querySelectorAll('#rw-role-ports tbody tr')].map(tr =>"
                   " [tr.querySelector(`[data-label='Application']`).innerText,"
                   "  tr.querySelector(`[data-label='Note']`).innerText])")
    want = [[e["application"], e.get("note", "")] for e in service["entry"]]
    assert sorted(shown) == sorted(want), f"ports and notes on the page: {shown}, in the catalog: {want}"
    r.shot("role-sources.png")
    r.open_page(r.ws)
    _log(f"ftp-server's page shows its {len(service['sources'])} sources, its note and its ports' notes")
