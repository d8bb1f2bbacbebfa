// Recent drops (ListDrops): what the policy dropped, busiest first, and for each the catalog
// roles that would let it in; a button opens the enable dialog for one of them, so the admin
// sees and confirms the scope before anything changes.
import { h, idFor, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { formatCount, formatTime, usecToDate } from "./format.js";
import { button, card, emptyState, errorAlert, row, table } from "./ui.js";

const COLUMNS = [
    { title: _("Port"), header: true },
    { title: _("Source") },
    { title: _("Interface") },
    { title: _("Packets") },
    { title: _("Last seen") },
    { title: _("Services") },
    { title: _("Would open it") },
];

export class DropsView {
    constructor(app) {
        this.app = app;
        this.box = h("div", { id: "rw-drops-table" });
        this.refresh = button(_("Refresh"), () => app.refreshDrops(), { id: "rw-drops-refresh" });
        this.root = card(_("Recent drops"), {
            id: "rw-drops-card",
            actions: [this.refresh],
            body: h("div", { class: "pf-c-card__body" }, this.box),
        });
    }

    update() {
        const { features } = this.app.client;
        const { drops, dropsError } = this.app.state;
        this.refresh.hidden = !features.drops;
        if (!features.drops) {
            replaceChildren(this.box, emptyState(_("This rolewalld does not record drops"),
                                                 _("A newer rolewalld lists what its policy dropped and which role would open it.")));
        } else if (dropsError) {
            replaceChildren(this.box, errorAlert(_("The drops could not be read"), dropsError, { id: "rw-drops-error" }));
        } else if (!drops) {
            replaceChildren(this.box, h("p", { class: "rw-subtle" }, _("Loading…")));
        } else if (drops.length === 0) {
            replaceChildren(this.box, emptyState(_("Nothing dropped lately"),
                                                 _("Packets the policy drops show up here, with the roles that would let them in.")));
        } else {
            const sorted = [...drops].sort((a, b) => Number(b.packets) - Number(a.packets));
            replaceChildren(this.box, table(_("Recent drops"), COLUMNS, sorted.map((d, i) => this.dropRow(d, i)),
                                            { id: "rw-drops" }));
        }
    }

    dropRow(d, index) {
        const port = d.port ? `${d.port}/${d.protocol}` : d.protocol;
        const last = usecToDate(d.last_seen);
        const first = usecToDate(d.first_seen);
        const roles = d.would_accept || [];
        const others = (d.roles || []).filter(r => !roles.includes(r));
        return row(COLUMNS, [
            port,
            d.source,
            d.interface || _("any"),
            formatCount(d.packets),
            last ? [formatTime(last), first && h("div", { class: "rw-subtle" }, format(_("first $0"), formatTime(first)))] : "",
            (d.services || []).join(", ") || "—",
            h("div", { class: "rw-actions" },
              roles.map(r => button(format(_("Enable $0…"), r), () => this.enable(r, d), {
                  variant: "secondary", "data-focus-key": `drop-${index}-${r}`,
                  "aria-label": format(_("Enable $0, which would accept $1 from $2"), r, port, d.source) })),
              others.length > 0 && h("div", { class: "rw-subtle" },
                                     format(_("Also uses the port, with another scope: $0"), others.join(", ")))),
        ], { id: idFor("rw-drop", index) });
    }

    enable(name, drop) {
        const role = this.app.state.roles.find(r => r.name === name) || { name, title: "", enabled: false };
        const details = this.app.state.details.get(name) || {};
        this.app.change("enable", { ...role, ...details }, {}, {
            reason: format(_("Would accept $0/$1 from $2 on $3"), drop.port, drop.protocol, drop.source,
                           drop.interface || _("any interface")),
        });
    }
}
