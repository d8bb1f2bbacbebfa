// Translation hooks: cockpit.gettext and cockpit.format where cockpit.js is loaded (the page),
// plain text where it is not (the unit tests under node).
const ck = globalThis.cockpit;

export const _ = ck ? ck.gettext.bind(ck) : text => text;

// format("$0 of $1", a, b), as cockpit.format does.
export function format(template, ...args) {
    if (ck)
        return ck.format(template, ...args);
    return template.replace(/\$([0-9]+)/g, (m, i) => (args[i] === undefined ? "" : String(args[i])));
}

// ngettext-style plural: plural(n, "$0 packet", "$0 packets"); `shown` is what replaces $0
// (n itself unless given, e.g. n with thousands separators).
export function plural(n, one, many, shown = n) {
    const text = ck ? ck.ngettext(one, many, n) : (n === 1 ? one : many);
    return format(text, shown);
}
