// Pure logic of the Cockpit page (integrations/cockpit), under node's test runner:
// what the change dialog sends, how a change is previewed, the formatters, the catalog search.
import { test } from "node:test";
import assert from "node:assert/strict";

import { changeOptions, describeChange, predictResult, resultSummary, widens } from
    "../../integrations/cockpit/options.js";
import { formatBytes, formatDuration, formatRemaining, formatTraffic, parseList, scopeText } from
    "../../integrations/cockpit/format.js";
import { parsePortQuery, roleMatches } from "../../integrations/cockpit/catalog-view.js";
import { entryNote } from "../../integrations/cockpit/role-view.js";

const NEW = { results: true, dryRun: true, timeout: true, confirm: true };
const OLD = { results: false, dryRun: false, timeout: false, confirm: false };
const scoped = { name: "ad-dc", enabled: true, interfaces: ["lan0", "wg*"], sources: ["192.0.2.0/24"], origin: "config" };
const keep = { mode: "keep", items: [] };

function enableForm(extra = {}) {
    return { action: "enable", interfaces: keep, sources: keep, keep: "saved", trial: false, ...extra };
}

test("A scope the admin leaves on keep is not sent, so the daemon keeps it", () => {
    const { options, problems } = changeOptions(enableForm({ interfaces: { mode: "only", items: ["lan0"] } }), scoped, NEW);
    assert.deepEqual(problems, []);
    assert.deepEqual(options, { interfaces: { t: "as", v: ["lan0"] } });
});

test("Widening to any is sent as any_interface / any_source, never as a missing key", () => {
    const { options } = changeOptions(enableForm({ sources: { mode: "any", items: [] } }), scoped, NEW);
    assert.deepEqual(options, { any_source: { t: "b", v: true } });
});

test("An older daemon, which takes a missing key as any, gets the current scope for keep", () => {
    const { options } = changeOptions(enableForm({ interfaces: { mode: "only", items: ["lan1"] } }), scoped, OLD);
    assert.deepEqual(options, { interfaces: { t: "as", v: ["lan1"] }, sources: { t: "as", v: ["192.0.2.0/24"] } });
    const any = changeOptions(enableForm({ sources: { mode: "any", items: [] } }), scoped, OLD).options;
    assert.deepEqual(any, { interfaces: { t: "as", v: ["lan0", "wg*"] } });
});

test("An empty 'only these' list is refused before anything is sent", () => {
    const { options, problems } = changeOptions(enableForm({ interfaces: { mode: "only", items: [] } }), scoped, NEW);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /Interfaces: name at least one/);
    assert.deepEqual(options, {});
});

test("Runtime, a timeout and a trial become runtime, timeout and confirm", () => {
    assert.deepEqual(changeOptions(enableForm({ keep: "runtime" }), scoped, NEW).options, { runtime: { t: "b", v: true } });
    assert.deepEqual(changeOptions(enableForm({ keep: "timeout", timeout: 600 }), scoped, NEW).options,
                     { timeout: { t: "u", v: 600 } });
    assert.deepEqual(changeOptions({ action: "disable", keep: "saved", trial: true, confirm: 90 }, scoped, NEW).options,
                     { confirm: { t: "u", v: 90 } });
    assert.deepEqual(changeOptions({ action: "revert", keep: "runtime", trial: true, confirm: 30 }, scoped, NEW).options,
                     { confirm: { t: "u", v: 30 } });
});

test("Durations out of the daemon's range or not whole seconds are refused", () => {
    for (const [form, re] of [[{ keep: "timeout", timeout: 0 }, /time must be/], [{ keep: "timeout", timeout: 2592001 }, /time must be/],
        [{ trial: true, confirm: 1.5 }, /trial time must be/], [{ trial: true, confirm: 86401 }, /trial time/]]) {
        const { problems } = changeOptions(enableForm(form), scoped, NEW);
        assert.equal(problems.length, 1, JSON.stringify(form));
        assert.match(problems[0], re);
    }
});

test("A daemon without timeout or confirm makes those choices a problem, not a silent drop", () => {
    assert.match(changeOptions(enableForm({ keep: "timeout", timeout: 60 }), scoped, OLD).problems[0], /cannot undo/);
    assert.match(changeOptions(enableForm({ trial: true, confirm: 60 }), scoped, OLD).problems[0], /cannot try/);
});

test("A widening is anything that lets in more than before", () => {
    assert.equal(widens(["lan0"], [], true), true);
    assert.equal(widens([], [], true), false);
    assert.equal(widens(["lan0", "wg*"], ["lan0"], true), false);
    assert.equal(widens(["lan0"], ["lan0", "lan1"], true), true);
    assert.equal(widens([], ["lan0"], true), false);
    assert.equal(widens([], [], false), true);
    assert.equal(widens([], ["lan0"], false), false);
});

test("The preview shows before and after per dimension and marks widening", () => {
    const { rows, warnings } = describeChange({
        was_enabled: true, was_interfaces: ["lan0"], was_sources: ["192.0.2.0/24"],
        enabled: true, interfaces: ["lan0"], sources: [], warnings: ["careful"],
    });
    assert.deepEqual(rows.map(r => [r.label, r.before, r.after, r.changed, r.widens]), [
        ["State", "enabled", "enabled", false, false],
        ["Interfaces", "lan0", "lan0", false, false],
        ["Sources", "192.0.2.0/24", "any", true, true],
    ]);
    assert.deepEqual(warnings, ["careful"]);
    const fresh = describeChange({ was_enabled: false, enabled: true, interfaces: [], sources: ["192.0.2.0/24"] });
    assert.deepEqual(fresh.rows.map(r => [r.label, r.before, r.after, r.widens]), [
        ["State", "disabled", "enabled", false],
        ["Interfaces", "—", "any", true],
        ["Sources", "—", "192.0.2.0/24", false],
    ]);
});

test("Without a dry run the page predicts the result the way the daemon computes it", () => {
    const r = predictResult(enableForm({ sources: { mode: "only", items: ["198.51.100.0/24"] }, keep: "runtime" }), scoped);
    assert.deepEqual([r.interfaces, r.sources, r.origin, r.was_enabled], [["lan0", "wg*"], ["198.51.100.0/24"], "runtime", true]);
    const off = predictResult({ action: "disable" }, scoped);
    assert.equal(off.enabled, false);
    const fresh = predictResult(enableForm(), { name: "web-server", enabled: false });
    assert.deepEqual([fresh.interfaces, fresh.sources, fresh.origin], [[], [], "state"]);
});

test("The summary after a change names the role and its scope", () => {
    assert.equal(resultSummary("web-server", { enabled: true, interfaces: [], sources: ["192.0.2.0/24"] }),
                 "web-server: enabled (interfaces: any; sources: 192.0.2.0/24)");
    assert.equal(resultSummary("web-server", { enabled: false }), "web-server: disabled");
    assert.equal(resultSummary("ssh", { enabled: true, changed: false, interfaces: [], sources: [] }), "ssh: nothing to change");
    assert.match(resultSummary("ssh", { enabled: false }, { confirm: { t: "u", v: 120 } }), /undone in 2 min unless confirmed/);
});

test("Formatters: lists, any, sizes, counters and countdowns", () => {
    assert.deepEqual(parseList(" lan0, wg*\nlan0  br0 "), ["lan0", "wg*", "br0"]);
    assert.equal(scopeText([]), "any");
    assert.equal(scopeText(["a", "b"]), "a, b");
    assert.deepEqual([0, 999, 1234, 56789, 1.5e9].map(formatBytes), ["0 B", "999 B", "1.2 kB", "56.8 kB", "1.5 GB"]);
    assert.equal(formatTraffic(1, 60), "1 packet, 60 B");
    assert.equal(formatTraffic(12345, 2e6), "12,345 packets, 2.0 MB");
    assert.deepEqual([0, 7, 59.2, 299, 3723, -5].map(formatRemaining), ["0:00", "0:07", "1:00", "4:59", "1:02:03", "0:00"]);
    assert.deepEqual([45, 600, 90, 7200, 5400].map(formatDuration), ["45 s", "10 min", "1 min 30 s", "2 h", "1 h 30 min"]);
});

test("The catalog search finds roles by name, service, application and port", () => {
    const info = { name: "file-server", title: "File server (SMB)", description: "SMB shares", services: ["smb"],
                   ports: [{ protocol: "tcp", first: 445, last: 445, service: "smb", application: "SMB" },
                       { protocol: "tcp", first: 49152, last: 65535, service: "rpc", application: "RPC" }] };
    assert.deepEqual(parsePortQuery("445/tcp"), { port: 445, protocol: "tcp" });
    assert.deepEqual(parsePortQuery("udp 53"), { port: 53, protocol: "udp" });
    assert.equal(parsePortQuery("70000"), null);
    assert.equal(parsePortQuery("smb"), null);
    for (const q of ["", "file", "SMB", "smb", "445", "445/tcp", "50000"])
        assert.equal(roleMatches(info, q), true, q);
    for (const q of ["445/udp", "ldap", "80"])
        assert.equal(roleMatches(info, q), false, q);
});

test("A port's note is the one GetService gives its service's entry, matched exactly", () => {
    const services = new Map([
        ["rpc", { entries: [
            { application: "RPC", protocol: "tcp", first: 135, last: 135, range: "", note: "TCP only." },
            { application: "Dynamic RPC ports", protocol: "tcp", first: 50000, last: 50100,
              range: "rpc_dynamic_ports", note: "Default 49152-65535." }] }],
        ["pptp", { entries: [{ application: "GRE", protocol: "gre", first: 0, last: 0, range: "", note: "" },
            { application: "PPTP", protocol: "tcp", first: 1723, last: 1723, range: "", note: "Obsolete." }] }],
    ]);
    const port = (application, protocol, first, last, service = "rpc") => ({ protocol, first, last, service, application });
    assert.equal(entryNote(services, port("RPC", "tcp", 135, 135)), "TCP only.");
    assert.equal(entryNote(services, port("Dynamic RPC ports", "tcp", 50000, 50100)), "Default 49152-65535.");
    assert.equal(entryNote(services, port("RPC", "udp", 135, 135)), "");
    assert.equal(entryNote(services, port("PPTP", "tcp", 1723, 1723, "pptp")), "Obsolete.");
    assert.equal(entryNote(services, { number: 47, name: "gre", service: "pptp", application: "GRE" }), "");
    assert.equal(entryNote(services, port("SSH", "tcp", 22, 22, "ssh")), "");
    assert.equal(entryNote(null, port("RPC", "tcp", 135, 135)), "");
});
