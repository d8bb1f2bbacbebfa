// One role: what it opens (its services, ports and IP protocols, from GetRole) and where each
// port comes from (the services' sources and notes, from GetService), whether it is enabled,
// with which scope and from where, and the buttons that change it.
import { h, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { formatTime, formatTraffic, originInfo, scopeText, usecToDate } from "./format.js";
import { button, card, descriptionList, errorAlert, row, table } from "./ui.js";

const PORT_COLUMNS = [
    { title: _("Protocol") },
    { title: _("Ports"), header: true },
    { title: _("Service") },
    { title: _("Application") },
    { title: _("Note"), class: "rw-entry-note" },
];

// "445/tcp", "49152-65535/tcp"
export function portText(p) {
    return (p.first === p.last ? String(p.first) : `${p.first}-${p.last}`) + "/" + p.protocol;
}

// The note GetService gives one of GetRole's ports or IP protocols (services: Map id ->
// GetService's answer); "" when there is none.
export function entryNote(services, p) {
    const service = services && services.get(p.service);
    const entry = service && service.entries.find(e => e.application === p.application &&
        (p.number !== undefined ? e.protocol === p.name
            : e.protocol === p.protocol && e.first === p.first && e.last === p.last));
    return entry ? entry.note : "";
}

export class RoleView {
    constructor(app, name) {
        this.app = app;
        this.name = name;
        this.info = null;
        this.error = null;
        this.services = null; // Map id -> GetService's answer, where the daemon has it
        this.servicesError = null;
        this.box = h("div", { id: "rw-role-details" });
        this.root = h("div", {}, this.box);
        this.load();
    }

    async load() {
        try {
            this.info = await this.app.client.getRole(this.name);
            this.error = null;
        } catch (ex) {
            this.error = ex;
        }
        this.update();
        if (this.info && this.app.client.features.serviceDetails)
            await this.loadServices(this.info.services);
    }

    async loadServices(ids) {
        try {
            const client = this.app.client;
            this.services = new Map(await Promise.all(ids.map(async id => [id, await client.getService(id)])));
            this.servicesError = null;
        } catch (ex) {
            this.servicesError = ex;
        }
        this.update();
    }

    update() {
        if (this.error) {
            replaceChildren(this.box, errorAlert(format(_("The role $0 could not be read"), this.name), this.error,
                                                 { id: "rw-role-error" }));
            return;
        }
        if (!this.info) {
            replaceChildren(this.box, h("p", { class: "rw-subtle" }, _("Loading…")));
            return;
        }
        const info = this.info;
        const state = this.app.state.roles.find(r => r.name === info.name) || info;
        const details = state.enabled ? this.app.state.details.get(info.name) || info : {};
        const full = { ...info, enabled: state.enabled, ...details };
        replaceChildren(this.box,
                        card(format("$0 — $1", info.name, info.title), {
                            id: "rw-role-card",
                            headingLevel: "h1",
                            actions: this.actions(full),
                            body: h("div", { class: "pf-c-card__body" },
                                    h("p", { class: "rw-description" }, info.description),
                                    this.status(full)),
                        }),
                        card(_("What it opens"), {
                            id: "rw-role-ports",
                            body: [
                                h("div", { class: "pf-c-card__body rw-subtle" },
                                  format(_("Services: $0"), info.services.join(", "))),
                                table(_("Ports"), PORT_COLUMNS, info.ports.map(p => row(PORT_COLUMNS, [
                                    p.protocol.toUpperCase(), portText(p).replace(/\/.*$/, ""), p.service, p.application,
                                    entryNote(this.services, p),
                                ]))),
                                info.ipProtocols.length > 0 && table(_("IP protocols"), PORT_COLUMNS,
                                    info.ipProtocols.map(p => row(PORT_COLUMNS, [
                                        _("IP protocol"), `${p.name} (${p.number})`, p.service, p.application,
                                        entryNote(this.services, p)]))),
                            ],
                        }),
                        this.sourcesCard(info));
    }

    // Where the ports come from: each service's sources and notes (GetService).
    sourcesCard(info) {
        if (!this.app.client.features.serviceDetails)
            return null;
        let body;
        if (this.servicesError)
            body = errorAlert(_("The services could not be read"), this.servicesError);
        else if (!this.services)
            body = h("p", { class: "rw-subtle" }, _("Loading…"));
        else
            body = info.services.map(id => this.serviceSection(id, this.services.get(id)));
        return card(_("Where the ports come from"), {
            id: "rw-role-sources",
            body: h("div", { class: "pf-c-card__body" }, body),
        });
    }

    serviceSection(id, s) {
        return h("section", { class: "rw-service", dataset: { service: id } },
                 h("h3", { class: "pf-c-title pf-m-md" }, format("$0 — $1", id, s.title)),
                 h("p", { class: "rw-subtle" }, s.description),
                 descriptionList([
                     [_("Sources"), h("ul", { class: "rw-service-sources" }, s.sources.map(x => h("li", {}, x)))],
                     s.windows_service && [_("Windows service"), s.windows_service],
                     s.aliases.length > 0 && [_("Also known as"), s.aliases.join(", ")],
                     s.note && [_("Note"), h("span", { class: "rw-service-note" }, s.note)],
                 ]));
    }

    status(role) {
        const counters = this.app.state.counters && this.app.state.counters.roles.get(role.name);
        const items = [[_("State"), role.enabled ? _("Enabled") : _("Disabled")]];
        if (role.enabled) {
            items.push([_("Interfaces"), scopeText(role.interfaces)], [_("Sources"), scopeText(role.sources)],
                       [_("Origin"), originInfo(role.origin).label + " — " + originInfo(role.origin).help]);
            const expires = usecToDate(role.expires);
            if (expires)
                items.push([_("Undone at"), formatTime(expires)]);
            if (counters)
                items.push([_("Accepted"), format(_("$0 since $1"), formatTraffic(counters.packets, counters.bytes),
                                                  formatTime(usecToDate(counters.since)))]);
        }
        return descriptionList(items, { id: "rw-role-status" });
    }

    actions(role) {
        const app = this.app;
        const out = [];
        if (role.enabled) {
            out.push(button(_("Edit scope"), () => app.change("enable", role), { id: "rw-role-edit" }),
                     button(_("Disable"), () => app.change("disable", role), { id: "rw-role-disable", variant: "danger" }));
        } else {
            out.push(button(_("Enable"), () => app.change("enable", role), { id: "rw-role-enable", variant: "primary" }));
        }
        if (app.client.features.revert)
            out.push(button(_("Follow rolewall.toml"), () => app.change("revert", role), { id: "rw-role-revert", variant: "link" }));
        return out;
    }
}

export function breadcrumb(app, name) {
    return h("nav", { class: "pf-c-breadcrumb", "aria-label": _("Breadcrumb") },
             h("ol", { class: "pf-c-breadcrumb__list" },
               h("li", { class: "pf-c-breadcrumb__item" },
                 h("a", { class: "pf-c-breadcrumb__link", href: "#/",
                          onclick: ev => { ev.preventDefault(); app.go([]) } }, _("Firewall roles"))),
               h("li", { class: "pf-c-breadcrumb__item" },
                 h("span", { class: "pf-c-breadcrumb__item-divider" }, "›"),
                 h("span", { class: "pf-c-breadcrumb__link pf-m-current", "aria-current": "page" }, name))));
}
