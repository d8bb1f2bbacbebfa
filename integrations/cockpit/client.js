// rolewalld's D-Bus API (org.rolewall1.Manager, docs/DBUS.md) through cockpit.dbus: the only way
// this page reads or changes anything. The members this daemon has are read from its live
// introspection (features()), so the page works with an older rolewalld and offers more as
// the daemon grows.
//
// Calls go to the system bus with superuser "try": with Cockpit's administrative access they
// run as root, otherwise as the logged-in user, and rolewalld asks polkit (action
// org.rolewall1.manage) as it does for every client. The page never decides who may do what.
import { parseFeatures } from "./features.js";

export const BUS_NAME = "org.rolewall1";
export const PATH = "/org/rolewall1";
export const IFACE = "org.rolewall1.Manager";

// A failed call: `name` is the D-Bus error name (org.rolewall1.Error.UnknownRole), `message`
// the daemon's sentence, shown to the admin as it is.
export class DaemonError extends Error {
    constructor(ex) {
        super((ex && ex.message) || String(ex));
        this.name = (ex && ex.name) || (ex && ex.problem) || "error";
        this.problem = ex && ex.problem;
    }

    get short() {
        return this.name.replace(/^org\.rolewall1\.Error\./, "");
    }
}

// a{sv} as cockpit.dbus returns it ({ key: { t, v } }) -> { key: value }.
export function unwrap(dict) {
    const out = {};
    for (const [key, value] of Object.entries(dict || {}))
        out[key] = value && typeof value === "object" && "v" in value ? value.v : value;
    return out;
}

export class Rolewall {
    constructor(cockpit) {
        this.dbus = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        this.features = parseFeatures(null);
        this.owner = undefined;
    }

    async call(method, args = [], iface = IFACE) {
        try {
            return await this.dbus.call(PATH, iface, method, args);
        } catch (ex) {
            throw new DaemonError(ex);
        }
    }

    // Reads the introspection of /org/rolewall1 and remembers which members exist.
    async introspect() {
        const [xml] = await this.call("Introspect", [], "org.freedesktop.DBus.Introspectable");
        this.features = parseFeatures(xml, globalThis.DOMParser);
        return this.features;
    }

    // callbacks: roleChanged(name, enabled), properties(changed), owner(ownerOrNull)
    subscribe(callbacks) {
        this.dbus.subscribe({ path: PATH, interface: IFACE, member: "RoleChanged" },
                            (path, iface, signal, args) => callbacks.roleChanged(args[0], args[1]));
        this.dbus.subscribe({ path: PATH, interface: "org.freedesktop.DBus.Properties",
                              member: "PropertiesChanged" },
                            (path, iface, signal, args) => {
                                if (args[0] === IFACE)
                                    callbacks.properties(unwrap(args[1]), args[2] || []);
                            });
        this.dbus.addEventListener("owner", (event, owner) => {
            this.owner = owner;
            callbacks.owner(owner);
        });
    }

    async properties() {
        const [all] = await this.call("GetAll", [IFACE], "org.freedesktop.DBus.Properties");
        return unwrap(all);
    }

    async listRoles() {
        const [roles] = await this.call("ListRoles");
        return roles.map(([name, title, enabled]) => ({ name, title, enabled }));
    }

    // name -> { origin, interfaces, sources, expires?, saved_at?, saved_by?, config_differs? }
    async enabledDetails() {
        const out = new Map();
        if (this.features.has("DescribeEnabled")) {
            const [roles] = await this.call("DescribeEnabled");
            for (const [name, details] of Object.entries(roles))
                out.set(name, { interfaces: [], sources: [], ...unwrap(details) });
        } else {
            const [roles] = await this.call("ListEnabled");
            for (const [name, origin, interfaces, sources] of roles)
                out.set(name, { origin, interfaces, sources });
        }
        return out;
    }

    async getRole(name) {
        const [title, description, services, ports, ipProtocols, enabled, interfaces, sources, origin] =
            await this.call("GetRole", [name]);
        return {
            name, title, description, services, enabled, interfaces, sources, origin,
            ports: ports.map(([protocol, first, last, service, application]) =>
                ({ protocol, first, last, service, application })),
            ipProtocols: ipProtocols.map(([number, protoName, service, application]) =>
                ({ number, name: protoName, service, application })),
        };
    }

    // GetService: { id, title, description, windows_service, sources, aliases, note, roles,
    // entries: [{ application, protocol, first, last, range, note }] }
    async getService(id) {
        const [service] = await this.call("GetService", [id]);
        const out = unwrap(service);
        out.entries = (out.entries || []).map(unwrap);
        return out;
    }

    async whichPort(port, protocol) {
        const [uses] = await this.call("WhichPort", [port, protocol]);
        return uses.map(([service, application, proto, first, last, roles]) =>
            ({ service, application, protocol: proto, first, last, roles }));
    }

    // EnableRole/DisableRole: the daemon's result (empty for a daemon without results).
    async change(action, name, options) {
        const method = action === "enable" ? "EnableRole" : "DisableRole";
        const reply = await this.call(method, [name, options]);
        return reply.length ? unwrap(reply[0]) : {};
    }

    async revert(names, options) {
        const [results] = await this.call("RevertRoles", [names, options]);
        const out = {};
        for (const [name, result] of Object.entries(results))
            out[name] = unwrap(result);
        return out;
    }

    async confirmPending() {
        await this.call("ConfirmPending");
    }

    async revertPending() {
        await this.call("RevertPending");
    }

    async reload() {
        const reply = await this.call("Reload");
        return reply.length ? reply[0] : [];
    }

    async status() {
        const [status] = await this.call("GetStatus");
        return unwrap(status);
    }

    // { roles: Map name -> { packets, bytes, since }, policy: { packets, bytes, since } }
    async counters() {
        const [roles, policy] = await this.call("GetCounters");
        const map = new Map();
        for (const [name, packets, bytes, since] of roles)
            map.set(name, { packets, bytes, since });
        return { roles: map, policy: { packets: policy[0], bytes: policy[1], since: policy[2] } };
    }

    async drops(options = {}) {
        const [drops] = await this.call("ListDrops", [options]);
        return drops.map(unwrap);
    }
}
