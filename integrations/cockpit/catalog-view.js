// The catalog: every role with its services and ports, searchable by role, service,
// application or port ("445", "445/tcp"); a port search also asks the daemon which services
// use that port (WhichPort).
import { h, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { button, card, emptyState, errorAlert, row, searchInput, table } from "./ui.js";
import { portText } from "./role-view.js";

const COLUMNS = [
    { title: _("Role"), header: true },
    { title: _("Services") },
    { title: _("Ports") },
    { title: _("State") },
];

// "445", "445/tcp", "udp 53" -> { port, protocol } or null.
export function parsePortQuery(text) {
    const m = /^\s*(?:(tcp|udp)\s+)?(\d{1,5})(?:\s*\/\s*(tcp|udp))?\s*$/i.exec(text || "");
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
        return null;
    return { port: Number(m[2]), protocol: (m[1] || m[3] || "").toLowerCase() };
}

export function roleMatches(info, query) {
    const q = query.trim().toLowerCase();
    if (!q)
        return true;
    const port = parsePortQuery(q);
    if (port) {
        return info.ports.some(p => p.first <= port.port && port.port <= p.last &&
                                    (!port.protocol || p.protocol === port.protocol));
    }
    const words = [info.name, info.title, info.description, ...info.services,
        ...info.ports.map(p => p.application), ...info.ports.map(p => p.service)];
    return words.some(w => (w || "").toLowerCase().includes(q));
}

export class CatalogView {
    constructor(app) {
        this.app = app;
        this.query = "";
        this.box = h("div", { id: "rw-catalog-table" });
        this.portBox = h("div", { id: "rw-catalog-port", "aria-live": "polite" });
        const toolbar = h("div", { class: "pf-c-toolbar" }, h("div", { class: "pf-c-toolbar__content" },
            h("div", { class: "pf-c-toolbar__content-section" },
              h("div", { class: "pf-c-toolbar__item pf-m-search-filter rw-wide-search" },
                searchInput(_("Search the catalog"), _("Search roles, services, applications or a port (445/tcp)"),
                            value => { this.query = value; this.update(); this.lookUpPort() }, "rw-catalog-search")))));
        this.root = card(_("Catalog"), { id: "rw-catalog-card", body: [toolbar, this.portBox, this.box] });
    }

    update() {
        const { catalog, catalogError } = this.app.state;
        if (catalogError) {
            replaceChildren(this.box, errorAlert(_("The catalog could not be read"), catalogError));
            return;
        }
        if (!catalog) {
            replaceChildren(this.box, h("p", { class: "rw-subtle pf-c-card__body" }, _("Loading the catalog…")));
            this.app.loadCatalog();
            return;
        }
        const shown = [...catalog.values()].filter(info => roleMatches(info, this.query))
            .sort((a, b) => a.name.localeCompare(b.name));
        if (shown.length === 0) {
            replaceChildren(this.box, emptyState(_("No role matches"), _("Try a service name or a port number."),
                                                 { iconName: "search" }));
            return;
        }
        replaceChildren(this.box, table(_("Catalog"), COLUMNS, shown.map(info => this.catalogRow(info)),
                                        { id: "rw-catalog" }));
    }

    catalogRow(info) {
        const enabled = this.app.state.roles.find(r => r.name === info.name);
        const ports = info.ports.map(portText);
        const shownPorts = ports.length > 6 ? [...ports.slice(0, 6), format(_("and $0 more"), ports.length - 6)] : ports;
        return row(COLUMNS, [
            [h("a", { href: "#/role/" + encodeURIComponent(info.name), class: "rw-role-name",
                      onclick: ev => { ev.preventDefault(); this.app.go(["role", info.name]) } }, info.name),
                h("div", { class: "rw-subtle" }, info.title)],
            info.services.join(", "),
            h("span", { class: "rw-ports" }, [...new Set(shownPorts)].join(", ") || "—"),
            enabled && enabled.enabled ? _("Enabled") : _("Disabled"),
        ], { dataset: { role: info.name } });
    }

    async lookUpPort() {
        const port = parsePortQuery(this.query);
        if (!port || !this.app.client.features.whichPort) {
            replaceChildren(this.portBox);
            return;
        }
        const asked = this.query;
        try {
            const uses = await this.app.client.whichPort(port.port, port.protocol);
            if (asked !== this.query)
                return;
            replaceChildren(this.portBox, h("div", { class: "pf-c-card__body rw-port-uses" },
                h("p", {}, uses.length
                    ? format(_("Port $0 is used by:"), port.protocol ? `${port.port}/${port.protocol}` : port.port)
                    : format(_("No service of the catalog uses port $0."), port.port)),
                h("ul", { class: "rw-port-list" }, uses.map(u => h("li", {},
                    h("strong", {}, u.service), ` (${u.application}, ${portText(u)}): `,
                    u.roles.length ? u.roles.map((r, i) => [i ? ", " : "",
                        button(r, () => this.app.go(["role", r]), { variant: "link", inline: true })])
                        : _("no role"))))));
        } catch (ex) {
            replaceChildren(this.portBox, errorAlert(_("The port could not be looked up"), ex));
        }
    }
}
