// What the change dialog sends, and how a change is shown before and after: pure functions,
// tested under node (test/options.test.mjs).
//
// The rule of rolewallctl, kept here too: nothing widens unless asked. A scope dimension the
// admin leaves on "keep" is not sent, so the daemon keeps what the role has now (enabled), or
// its config scope, or any. "Any" is sent as any_interface / any_source, never as a missing
// key. A daemon from before that rule (EnableRole without a result) took a missing key as
// "any": there "keep" sends the role's current list instead.
import { _, format } from "./i18n.js";
import { scopeText, formatDuration } from "./format.js";

export const LIMITS = {
    timeout: { min: 1, max: 2592000 }, // seconds, as EnableRole's timeout (30 days)
    confirm: { min: 1, max: 86400 }, // seconds, as the confirm option (1 day)
};

export const DIMENSIONS = [
    { key: "interfaces", any: "any_interface", label: _("Interfaces"), anyText: _("any interface") },
    { key: "sources", any: "any_source", label: _("Sources"), anyText: _("any source") },
];

export function variant(t, v) {
    return { t, v };
}

function scopeOptions(form, role, features, out, problems) {
    for (const dim of DIMENSIONS) {
        const choice = form[dim.key] || { mode: "keep" };
        if (choice.mode === "only") {
            if (!choice.items || choice.items.length === 0)
                problems.push(format(_("$0: name at least one, or choose “$1”."), dim.label, dim.anyText));
            else
                out[dim.key] = variant("as", choice.items);
        } else if (choice.mode === "any") {
            if (features.results)
                out[dim.any] = variant("b", true);
        } else if (!features.results && role && role.enabled && role[dim.key] && role[dim.key].length) {
            out[dim.key] = variant("as", role[dim.key]);
        }
    }
}

function wholeSeconds(value, limits, what, problems) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < limits.min || n > limits.max) {
        problems.push(format(_("$0 must be a whole number of seconds from $1 to $2."), what,
                             limits.min, limits.max));
        return null;
    }
    return n;
}

function lifetimeOptions(form, features, out, problems) {
    if (form.keep === "runtime") {
        out.runtime = variant("b", true);
    } else if (form.keep === "timeout") {
        if (!features.timeout)
            problems.push(_("This rolewalld cannot undo a change after a time."));
        const s = wholeSeconds(form.timeout, LIMITS.timeout, _("The time"), problems);
        if (s !== null)
            out.timeout = variant("u", s);
    }
    if (form.trial) {
        if (!features.confirm)
            problems.push(_("This rolewalld cannot try a change and undo it unless confirmed."));
        const s = wholeSeconds(form.confirm, LIMITS.confirm, _("The trial time"), problems);
        if (s !== null)
            out.confirm = variant("u", s);
    }
}

// form: { action: "enable"|"disable"|"revert", interfaces: {mode, items}, sources: {mode, items},
//         keep: "saved"|"runtime"|"timeout", timeout: s, trial: bool, confirm: s }
// role: the role as it is now ({ enabled, interfaces, sources }).
// features: what the daemon offers (client.js: results, timeout, confirm, dryRun).
// Returns { options: a{sv} as cockpit.dbus wants it, problems: [text] }.
export function changeOptions(form, role, features) {
    const options = {};
    const problems = [];
    if (form.action === "enable")
        scopeOptions(form, role, features, options, problems);
    if (form.action !== "revert")
        lifetimeOptions(form, features, options, problems);
    else if (form.trial)
        lifetimeOptions({ trial: true, confirm: form.confirm }, features, options, problems);
    return { options, problems };
}

// What the change would give, computed here for a daemon without dry_run: a result shaped
// like the daemon's (was_* before, the rest after).
export function predictResult(form, role) {
    const was = {
        was_enabled: !!(role && role.enabled),
        was_interfaces: (role && role.interfaces) || [],
        was_sources: (role && role.sources) || [],
        was_origin: (role && role.origin) || "",
    };
    if (form.action !== "enable")
        return { ...was, enabled: false, interfaces: [], sources: [], origin: "" };
    const after = {};
    for (const dim of DIMENSIONS) {
        const choice = form[dim.key] || { mode: "keep" };
        after[dim.key] = choice.mode === "only" ? choice.items
            : choice.mode === "any" || !was.was_enabled ? [] : was["was_" + dim.key];
    }
    const origin = form.keep === "saved" ? "state" : "runtime";
    return { ...was, enabled: true, ...after, origin };
}

// Does `after` let in something `before` did not? Empty = any. Sources are compared as the
// daemon prints them (host bits cleared), so a new item is a widening unless it is listed.
export function widens(before, after, wasEnabled) {
    if (!wasEnabled)
        return after.length === 0;
    if (after.length === 0)
        return before.length !== 0;
    return before.length !== 0 && after.some(item => !before.includes(item));
}

// Rows for the preview: [{ label, before, after, changed, widens }], then the daemon's warnings.
export function describeChange(result) {
    const r = result || {};
    const rows = [];
    const state = on => (on ? _("enabled") : _("disabled"));
    rows.push({ label: _("State"), before: state(r.was_enabled), after: state(r.enabled),
                changed: !!r.was_enabled !== !!r.enabled, widens: false });
    for (const dim of DIMENSIONS) {
        const before = r["was_" + dim.key] || [];
        const after = r[dim.key] || [];
        rows.push({
            label: dim.label,
            before: r.was_enabled ? scopeText(before) : "—",
            after: r.enabled ? scopeText(after) : "—",
            changed: !!r.enabled && (!r.was_enabled || before.join() !== after.join()),
            widens: !!r.enabled && widens(before, after, !!r.was_enabled),
        });
    }
    return { rows, warnings: r.warnings || [] };
}

// One line for a toast after a change: "web-server: enabled (interfaces: any; sources: any)".
export function resultSummary(name, r, requested) {
    if (!r || r.enabled === undefined)
        return format(_("$0: done"), name);
    let text = r.enabled
        ? format(_("$0: enabled (interfaces: $1; sources: $2)"), name, scopeText(r.interfaces),
                 scopeText(r.sources))
        : format(_("$0: disabled"), name);
    if (r.changed === false)
        text = format(_("$0: nothing to change"), name);
    if (requested && requested.confirm)
        text += " " + format(_("— undone in $0 unless confirmed"), formatDuration(requested.confirm.v));
    return text;
}
