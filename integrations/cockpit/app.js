// The page: what it knows of the daemon (state), how it stays current (signals, property
// changes, a poll of the counters), and which view shows (cockpit.location: /, /drops,
// /catalog, /role/NAME).
import { h, replaceChildren } from "./dom.js";
import { _, format, plural } from "./i18n.js";
import { Rolewall } from "./client.js";
import { formatCount, formatTime, usecToDate } from "./format.js";
import { button, emptyState, errorAlert, alert, toast } from "./ui.js";
import { openChangeDialog } from "./change-dialog.js";
import { PendingBanner } from "./pending.js";
import { RolesView } from "./roles-view.js";
import { DropsView } from "./drops-view.js";
import { CatalogView } from "./catalog-view.js";
import { RoleView, breadcrumb } from "./role-view.js";

const COUNTER_POLL_MS = 5000;
const DROPS_POLL_MS = 10000;

const NAV = [
    { path: "", label: _("Roles") },
    { path: "drops", label: _("Recent drops") },
    { path: "catalog", label: _("Catalog") },
];

export class App {
    constructor(cockpit, root) {
        this.cockpit = cockpit;
        this.client = new Rolewall(cockpit);
        this.state = { roles: [], details: new Map(), counters: null, status: null, properties: {},
                       drops: null, dropsError: null, catalog: null, catalogError: null,
                       connected: undefined, loadError: null };
        this.skew = 0;
        this.pending = new PendingBanner(this);
        this.views = { roles: new RolesView(this), drops: new DropsView(this), catalog: new CatalogView(this) };
        this.header = h("div", { class: "rw-header" });
        this.nav = h("nav", { class: "pf-c-nav pf-m-tertiary", "aria-label": _("Views") });
        this.notices = h("div", { id: "rw-notices", class: "rw-notices" });
        this.content = h("div", { id: "rw-content", class: "rw-content" });
        replaceChildren(root,
                        h("section", { class: "pf-c-page__main-section pf-m-light rw-top" }, this.header),
                        h("section", { class: "pf-c-page__main-nav rw-nav" }, this.nav),
                        h("section", { class: "pf-c-page__main-section rw-main" },
                          this.notices, this.pending.root, this.content));
    }

    // The daemon's clock minus this browser's, in ms, as learnt from a trial change's reply.
    clockSkew() {
        return this.skew;
    }

    pendingStarted(deadlineUsec, confirmSeconds) {
        this.skew = deadlineUsec / 1000 - confirmSeconds * 1000 - Date.now();
        this.pending.update(this.state.properties.PendingChange || _("a change"), deadlineUsec);
    }

    async start() {
        this.client.subscribe({
            roleChanged: () => this.refresh(),
            properties: changed => this.propertiesChanged(changed),
            owner: owner => this.ownerChanged(owner),
        });
        this.cockpit.addEventListener("locationchanged", () => this.route());
        this.cockpit.addEventListener("visibilitychange", () => this.poll());
        await this.connect();
        this.route();
        setInterval(() => this.poll(), COUNTER_POLL_MS);
        setInterval(() => this.pollDrops(), DROPS_POLL_MS);
    }

    async connect() {
        try {
            await this.client.introspect();
            this.state.connected = true;
            this.state.loadError = null;
            await this.refresh();
        } catch (ex) {
            this.state.connected = false;
            this.state.loadError = ex;
            this.render();
        }
    }

    ownerChanged(owner) {
        if (owner === this.lastOwner)
            return;
        const first = this.lastOwner === undefined;
        this.lastOwner = owner;
        if (!owner) {
            this.state.connected = false;
            this.state.loadError = null;
            this.render();
        } else if (!first || this.state.connected === false) {
            this.connect(); // a new rolewalld: it may offer other members
        }
    }

    propertiesChanged(changed) {
        Object.assign(this.state.properties, changed);
        if ("PendingChange" in changed || "PendingDeadline" in changed)
            this.updatePending();
        if ("State" in changed || "PendingChange" in changed)
            this.refresh();
        else
            this.renderHeader();
    }

    updatePending() {
        const p = this.state.properties;
        this.pending.update(p.PendingChange || "", p.PendingDeadline || 0);
    }

    // Reloads everything the views show. Calls that come while one runs coalesce into one more.
    refresh() {
        if (this.refreshing) {
            this.again = true;
            return this.refreshing;
        }
        this.refreshing = this.load().finally(() => {
            this.refreshing = null;
            if (this.again) {
                this.again = false;
                this.refresh();
            }
        });
        return this.refreshing;
    }

    async load() {
        const c = this.client;
        const f = c.features;
        try {
            const [roles, details, properties, status, counters] = await Promise.all([
                c.listRoles(), c.enabledDetails(), c.properties(),
                f.status ? c.status().catch(() => null) : null,
                f.counters ? c.counters().catch(() => null) : null,
            ]);
            Object.assign(this.state, { roles, details, status, counters, properties, connected: true, loadError: null });
            if (!f.pendingProperties && status)
                Object.assign(properties, { PendingChange: status.pending || "", PendingDeadline: status.pending_deadline || 0 });
        } catch (ex) {
            this.state.loadError = ex;
        }
        this.updatePending();
        this.render();
    }

    async poll() {
        if (!this.state.connected || this.cockpit.hidden || !this.client.features.counters)
            return;
        try {
            this.state.counters = await this.client.counters();
            this.renderView();
            this.renderHeader();
        } catch (ex) {
            // counters are a nicety: the next full refresh shows a real problem
        }
    }

    pollDrops() {
        if (this.route_ === "drops" && !this.cockpit.hidden)
            this.refreshDrops();
    }

    async refreshDrops() {
        if (!this.client.features.drops)
            return this.renderView();
        try {
            this.state.drops = await this.client.drops({ limit: { t: "u", v: 200 } });
            this.state.dropsError = null;
        } catch (ex) {
            this.state.dropsError = ex;
        }
        this.renderView();
    }

    async loadCatalog() {
        if (this.catalogLoading)
            return;
        this.catalogLoading = true;
        try {
            const infos = await Promise.all(this.state.roles.map(r => this.client.getRole(r.name)));
            this.state.catalog = new Map(infos.map(i => [i.name, i]));
            this.state.catalogError = null;
        } catch (ex) {
            this.state.catalogError = ex;
        }
        this.catalogLoading = false;
        this.renderView();
    }

    // action: enable | disable | revert; role: { name, title, enabled, interfaces, sources, origin }
    change(action, role, prefill = {}, context = {}) {
        return openChangeDialog(this, action, role, prefill, context);
    }

    go(path) {
        this.cockpit.location.go(path);
    }

    route() {
        const path = this.cockpit.location.path;
        const name = path[0] === "role" && path[1] ? path[1] : null;
        this.route_ = name ? "role" : (path[0] === "drops" || path[0] === "catalog" ? path[0] : "");
        if (name && (!this.roleView || this.roleView.name !== name))
            this.roleView = new RoleView(this, name);
        if (this.route_ === "drops")
            this.refreshDrops();
        this.render();
    }

    render() {
        this.renderHeader();
        this.renderNav();
        this.renderNotices();
        this.renderView();
    }

    renderView() {
        if (this.state.connected === false) {
            replaceChildren(this.content, this.offline());
            return;
        }
        if (this.state.connected === undefined)
            return;
        const view = this.route_ === "role" ? this.roleView : this.views[this.route_ || "roles"];
        if (this.content.firstChild !== view.root || this.shownView !== view) {
            this.shownView = view;
            replaceChildren(this.content, this.route_ === "role" && breadcrumb(this, view.name), view.root);
        }
        view.update();
    }

    renderNav() {
        const current = this.route_ === "role" ? null : this.route_;
        replaceChildren(this.nav, h("ul", { class: "pf-c-nav__list" }, NAV.map(item =>
            h("li", { class: "pf-c-nav__item" },
              h("a", { class: ["pf-c-nav__link", item.path === current && "pf-m-current"],
                       href: "#/" + item.path, "aria-current": item.path === current ? "page" : null,
                       id: "rw-nav-" + (item.path || "roles"),
                       onclick: ev => { ev.preventDefault(); this.go(item.path ? [item.path] : []) } },
                item.label)))));
    }

    renderHeader() {
        const p = this.state.properties;
        const facts = [];
        if (p.Version)
            facts.push(format(_("rolewalld $0"), p.Version));
        if (this.state.connected)
            facts.push(p.State === "degraded" ? _("degraded") : _("running"));
        if (p.EnabledRoles)
            facts.push(plural(p.EnabledRoles.length, _("$0 role enabled"), _("$0 roles enabled")));
        const policy = this.state.counters && this.state.counters.policy;
        if (policy)
            facts.push(format(_("$0 packets dropped by the policy since $1"), formatCount(policy.packets),
                              formatTime(usecToDate(policy.since))));
        replaceChildren(this.header,
                        h("div", { class: "rw-header-text" },
                          h("h1", { class: "pf-c-title pf-m-xl" }, _("Firewall roles")),
                          h("p", { class: "rw-subtle", id: "rw-facts" }, facts.join(" · "))),
                        this.state.connected && h("div", { class: "rw-header-actions" },
                                                  button(_("Reload configuration"), () => this.reload(),
                                                         { id: "rw-reload" })));
    }

    renderNotices() {
        const s = this.state.status;
        const out = [];
        if (this.state.loadError && this.state.connected)
            out.push(errorAlert(_("rolewalld did not answer"), this.state.loadError));
        if (s && s.state === "degraded") {
            out.push(alert("danger", format(_("rolewalld is degraded: it keeps the $0 ruleset"), s.ruleset || "last-good"),
                           { body: h("pre", { class: "rw-error-details" }, s.error || ""),
                             actions: [button(_("Reload configuration"), () => this.reload(), { variant: "link", inline: true })] }));
        }
        if (s && s.kernel === "differs") {
            out.push(alert("warning", _("The kernel's table differs from what rolewalld applied"),
                           { body: h("ul", {}, (s.kernel_differences || []).map(d => h("li", {}, d))) }));
        }
        replaceChildren(this.notices, out);
    }

    offline() {
        const ex = this.state.loadError;
        return emptyState(_("rolewalld is not running"),
                          [h("p", {}, _("This page talks to rolewalld over the system bus (org.rolewall1).")),
                              ex && h("p", { class: "rw-error-message" }, ex.message),
                              h("p", {}, _("Start it with: systemctl enable --now rolewalld"))],
                          { id: "rw-offline", actions: [button(_("Try again"), () => this.connect(), { variant: "primary" })] });
    }

    async reload() {
        try {
            const notices = await this.client.reload();
            toast("success", _("Configuration reloaded"),
                  notices.length ? h("ul", {}, notices.map(n => h("li", {}, n))) : null);
        } catch (ex) {
            toast("danger", _("The configuration was not reloaded"), h("p", { class: "rw-error-message" }, ex.message));
        }
        this.refresh();
    }
}
