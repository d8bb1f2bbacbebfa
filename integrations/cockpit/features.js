// What a running rolewalld offers, read from its introspection XML: the page shows only what
// the daemon can do (an older rolewalld has no counters, no trial changes, no drops).

// The capabilities the page asks about, each from the members that carry it (API.md).
function capabilities(methods, properties) {
    const enable = methods.get("EnableRole");
    const results = !!enable && enable.out.length > 0; // EnableRole -> (a{sv} result)
    const confirm = methods.has("ConfirmPending") && methods.has("RevertPending");
    return {
        results, // before/after in the reply; "keep" and any_* semantics for missing keys
        dryRun: results, // the dry_run option came with the results
        timeout: confirm, // the timeout and confirm options came with ConfirmPending
        confirm,
        pendingProperties: properties.has("PendingChange") && properties.has("PendingDeadline"),
        revert: methods.has("RevertRoles"),
        describe: methods.has("DescribeEnabled"),
        status: methods.has("GetStatus"),
        counters: methods.has("GetCounters"),
        drops: methods.has("ListDrops"),
        whichPort: methods.has("WhichPort"),
        serviceDetails: methods.has("GetService"), // sources and notes of a role's ports
    };
}

// xml: the Introspect() reply (null: nothing known yet). DOMParserClass: the browser's
// DOMParser (passed in, so the unit tests can give another one).
export function parseFeatures(xml, DOMParserClass) {
    const methods = new Map();
    const properties = new Set();
    const signals = new Set();
    if (xml && DOMParserClass) {
        const doc = new DOMParserClass().parseFromString(xml, "text/xml");
        for (const iface of doc.getElementsByTagName("interface")) {
            if (iface.getAttribute("name") !== "org.rolewall1.Manager")
                continue;
            for (const m of iface.getElementsByTagName("method")) {
                const args = Array.from(m.getElementsByTagName("arg"));
                const dir = d => args.filter(a => (a.getAttribute("direction") || "in") === d)
                    .map(a => a.getAttribute("type"));
                methods.set(m.getAttribute("name"), { in: dir("in"), out: dir("out") });
            }
            for (const p of iface.getElementsByTagName("property"))
                properties.add(p.getAttribute("name"));
            for (const s of iface.getElementsByTagName("signal"))
                signals.add(s.getAttribute("name"));
        }
    }
    return {
        ...capabilities(methods, properties),
        has: name => methods.has(name),
        methods,
        properties,
        signals,
    };
}
