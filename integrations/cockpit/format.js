// Pure formatting of what the daemon sends: scopes, origins, counters, times. No DOM, no D-Bus.
import { _, format, plural } from "./i18n.js";

// An interface or source list; the daemon's empty list means "any".
export function scopeText(list, anyText = _("any")) {
    return list && list.length ? list.join(", ") : anyText;
}

// Where an enabling comes from (the daemon's origin), as the page names it.
const ORIGINS = {
    config: { label: _("Config"), color: "grey", help: _("Enabled in rolewall.toml") },
    state: { label: _("Saved"), color: "blue", help: _("Saved by rolewalld; kept across restarts") },
    runtime: { label: _("Runtime"), color: "orange", help: _("Until rolewalld restarts") },
};

export function originInfo(origin) {
    return ORIGINS[origin] || { label: origin || _("Disabled"), color: "grey", help: "" };
}

export function formatCount(n) {
    return Number(n || 0).toLocaleString("en-US");
}

// SI units as Cockpit shows sizes: "0 B", "999 B", "1.2 kB", "34 MB".
export function formatBytes(n) {
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let value = Number(n || 0);
    let i = 0;
    while (value >= 1000 && i < units.length - 1) {
        value /= 1000;
        i += 1;
    }
    const digits = i === 0 || value >= 100 ? 0 : 1;
    return `${value.toFixed(digits)} ${units[i]}`;
}

export function formatTraffic(packets, bytes) {
    const n = Number(packets || 0);
    return format(_("$0, $1"), plural(n, _("$0 packet"), _("$0 packets"), formatCount(n)),
                  formatBytes(bytes));
}

// A countdown: "0:07", "4:59", "1:02:03". Never negative.
export function formatRemaining(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

// A duration the admin picks: "45 s", "10 min", "2 h", "1 h 30 min".
export function formatDuration(seconds) {
    const s = Math.round(seconds);
    if (s < 60)
        return format(_("$0 s"), s);
    if (s < 3600)
        return s % 60 ? format(_("$0 min $1 s"), Math.floor(s / 60), s % 60) : format(_("$0 min"), s / 60);
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? format(_("$0 h $1 min"), h, m) : format(_("$0 h"), h);
}

// CLOCK_REALTIME microseconds (the daemon's time stamps) to a Date; null for 0 or absent.
export function usecToDate(usec) {
    const n = Number(usec || 0);
    return n > 0 ? new Date(n / 1000) : null;
}

export function formatTime(date, now = new Date()) {
    if (!date)
        return "";
    const sameDay = date.toDateString() === now.toDateString();
    return sameDay
        ? date.toLocaleTimeString()
        : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

// "lan0, wg*" or "lan0 wg*" or one per line -> ["lan0", "wg*"], in order, without duplicates.
export function parseList(text) {
    const out = [];
    for (const item of String(text || "").split(/[\s,]+/)) {
        if (item && !out.includes(item))
            out.push(item);
    }
    return out;
}
