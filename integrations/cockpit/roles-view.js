// The roles: enabled ones first, each with its scope, where its enabling comes from, what it
// has let in; a switch to enable or disable it, and its scope editor.
import { h, idFor, replaceChildren } from "./dom.js";
import { _, format, plural } from "./i18n.js";
import { formatTime, formatTraffic, originInfo, scopeText, usecToDate } from "./format.js";
import { button, card, emptyState, row, searchInput, table, toggleSwitch } from "./ui.js";

const TRAFFIC = { title: _("Accepted"), class: "rw-col-traffic" };
const COLUMNS = [
    { title: _("Enabled"), class: "rw-col-switch" },
    { title: _("Role"), header: true },
    { title: _("Scope") },
    { title: _("Origin") },
    TRAFFIC,
    { title: _("Actions"), class: "rw-col-actions" },
];

export class RolesView {
    constructor(app) {
        this.app = app;
        this.filter = "";
        this.show = "all";
        this.tableBox = h("div", { id: "rw-roles-table" });
        this.summary = h("span", { class: "rw-toolbar-summary", id: "rw-roles-summary" });
        this.toggles = h("div", { class: "pf-c-toggle-group", role: "group", "aria-label": _("Show") },
                         this.toggle("enabled", _("Enabled")), this.toggle("all", _("All roles")));
        const toolbar = h("div", { class: "pf-c-toolbar" }, h("div", { class: "pf-c-toolbar__content" },
            h("div", { class: "pf-c-toolbar__content-section" },
              h("div", { class: "pf-c-toolbar__item pf-m-search-filter" },
                searchInput(_("Filter roles"), _("Filter by name or title"), value => {
                    this.filter = value.trim().toLowerCase();
                    this.update();
                }, "rw-roles-filter")),
              h("div", { class: "pf-c-toolbar__item" }, this.toggles),
              h("div", { class: "pf-c-toolbar__item rw-toolbar-end" }, this.summary))));
        this.root = card(_("Roles"), { id: "rw-roles-card", body: [toolbar, this.tableBox] });
    }

    toggle(value, label) {
        return h("div", { class: "pf-c-toggle-group__item" },
                 h("button", { type: "button", class: "pf-c-toggle-group__button", "data-show": value,
                               "aria-pressed": String(this.show === value),
                               onclick: () => { this.show = value; this.update() } },
                   h("span", { class: "pf-c-toggle-group__text" }, label)));
    }

    update() {
        for (const b of this.toggles.querySelectorAll("button")) {
            const on = b.dataset.show === this.show;
            b.classList.toggle("pf-m-selected", on);
            b.setAttribute("aria-pressed", String(on));
        }
        const { roles } = this.app.state;
        const enabled = roles.filter(r => r.enabled);
        this.summary.textContent = format(_("$0 of $1"), plural(enabled.length, _("$0 enabled"), _("$0 enabled")),
                                          plural(roles.length, _("$0 role"), _("$0 roles")));
        const shown = roles
            .filter(r => this.show === "all" || r.enabled)
            .filter(r => !this.filter || r.name.toLowerCase().includes(this.filter) ||
                         (r.title || "").toLowerCase().includes(this.filter))
            .sort((a, b) => (b.enabled - a.enabled) || a.name.localeCompare(b.name));
        if (shown.length === 0) {
            replaceChildren(this.tableBox, emptyState(this.filter ? _("No role matches") : _("No role is enabled"),
                                                      this.filter ? null : _("Everything is dropped but what the firewall always lets in."),
                                                      { iconName: "search" }));
            return;
        }
        const counters = this.app.client.features.counters;
        const columns = counters ? COLUMNS : COLUMNS.filter(c => c !== TRAFFIC);
        replaceChildren(this.tableBox, table(_("Roles"), columns, shown.map(r => this.roleRow(r, columns)),
                                             { id: "rw-roles" }));
    }

    roleRow(role, columns) {
        const app = this.app;
        const d = role.enabled ? app.state.details.get(role.name) || {} : {};
        const full = { ...role, ...d };
        const sw = toggleSwitch(idFor("rw-switch", role.name), role.enabled,
                                format(role.enabled ? _("Disable $0") : _("Enable $0"), role.name),
                                wanted => app.change(wanted ? "enable" : "disable", full));
        const name = h("a", { href: "#/role/" + encodeURIComponent(role.name), class: "rw-role-name",
                              onclick: ev => { ev.preventDefault(); app.go(["role", role.name]) } }, role.name);
        const cells = [
            sw,
            [name, h("div", { class: "rw-subtle" }, role.title)],
            role.enabled ? scopeCell(d) : h("span", { class: "rw-subtle" }, "—"),
            role.enabled ? originCell(d) : h("span", { class: "rw-subtle" }, _("Disabled")),
        ];
        if (columns.includes(TRAFFIC))
            cells.push(role.enabled ? trafficCell(app.state.counters, role.name) : "");
        cells.push(actionsCell(app, full));
        return row(columns, cells, { id: idFor("rw-role", role.name),
                                     dataset: { role: role.name, enabled: String(role.enabled) } });
    }
}

function scopeCell(d) {
    return h("dl", { class: "rw-scope" },
             h("dt", {}, _("Interfaces")), h("dd", { class: "rw-scope-interfaces" }, scopeText(d.interfaces)),
             h("dt", {}, _("Sources")), h("dd", { class: "rw-scope-sources" }, scopeText(d.sources)));
}

function originCell(d) {
    const info = originInfo(d.origin);
    const notes = [];
    const expires = usecToDate(d.expires);
    if (expires)
        notes.push(format(_("undone at $0"), formatTime(expires)));
    const saved = usecToDate(d.saved_at);
    if (saved)
        notes.push(d.saved_by ? format(_("saved $0 by $1"), formatTime(saved), d.saved_by)
                              : format(_("saved $0"), formatTime(saved)));
    if (d.config_differs)
        notes.push(_("differs from rolewall.toml"));
    return [h("span", { class: ["rw-origin", "rw-origin-" + (d.origin || "none")], title: info.help }, info.label),
        notes.map(n => h("div", { class: "rw-subtle" }, n))];
}

function trafficCell(counters, name) {
    const c = counters && counters.roles.get(name);
    if (!c)
        return h("span", { class: "rw-subtle" }, counters ? "—" : "");
    const since = usecToDate(c.since);
    return [h("span", { class: "rw-traffic" }, formatTraffic(c.packets, c.bytes)),
        since && h("div", { class: "rw-subtle" }, format(_("since $0"), formatTime(since)))];
}

function actionsCell(app, role) {
    const out = [];
    if (role.enabled) {
        out.push(button(_("Edit scope"), () => app.change("enable", role),
                        { variant: "secondary", "data-focus-key": "edit-" + role.name,
                          "aria-label": format(_("Edit the scope of $0"), role.name) }));
    }
    if (app.client.features.revert && (role.origin === "state" || role.origin === "runtime")) {
        out.push(button(_("Follow config"), () => app.change("revert", role),
                        { variant: "link", inline: true, "data-focus-key": "revert-" + role.name,
                          "aria-label": format(_("Follow rolewall.toml for $0"), role.name) }));
    }
    return h("div", { class: "rw-actions" }, out);
}
