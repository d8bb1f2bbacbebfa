// Catalog verbs: they read the catalog files and work without the daemon.
#include "ctl.hpp"
#include "rolewall/json.hpp"
#include "rolewall/paths.hpp"
#include "rolewall/text_table.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rolewall::ctl {

namespace {

// True when this binary runs from the build tree: it then uses the source tree's files.
bool in_build_tree() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    std::string build = paths::build_dir;
    return !ec && exe.string().rfind(build + "/", 0) == 0;
}

std::string join(const std::vector<std::string> &v, const char *sep = ", ") {
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

// Named ranges from --config when given (so `show` tells the ports in force), else defaults.
RangeValues ranges_for(const Options &o, const Catalog &catalog) {
    if (o.config.empty()) return default_range_values();
    auto cfg = Config::load(o.config, catalog);
    return cfg ? cfg->ranges : default_range_values();
}

void print(const std::string &s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
}

} // namespace

Result<Catalog> load_catalog(const Options &o) {
    bool dev = in_build_tree();
    std::string dir = !o.catalog.empty() ? o.catalog
                      : dev              ? paths::source_catalog
                                         : paths::installed_catalog;
    std::string local = !o.local_catalog.empty() ? o.local_catalog
                        : dev                    ? ""
                                                 : paths::local_catalog;
    return Catalog::load(dir, local);
}

std::string config_path(const Options &o) {
    if (!o.config.empty()) return o.config;
    return in_build_tree() ? paths::source_config : paths::config_file;
}

int report(const Error &e) {
    std::fprintf(stderr, "rolewallctl: %s\n", e.describe().c_str());
    switch (e.code) {
    case Errc::access_denied:
        return exit_denied;
    default:
        return exit_failed;
    }
}

int verb_list(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    if (o.json) {
        JsonWriter j;
        j.begin_array();
        for (const auto &[id, r] : catalog->roles())
            j.begin_object()
                .field("name", id)
                .field("title", r.title)
                .field("local", r.local)
                .end_object();
        print(j.end_array().str());
        return exit_ok;
    }
    TextTable t({"ROLE", "TITLE"});
    for (const auto &[id, r] : catalog->roles())
        t.row({id, r.title});
    print(t.str());
    return exit_ok;
}

static void show_json(const Catalog &c, const Role &r, const RangeValues &ranges) {
    JsonWriter j;
    j.begin_object()
        .field("name", r.id)
        .field("title", r.title)
        .field("description", r.description)
        .field("services", c.role_services(r.id))
        .field("includes", r.includes);
    j.key("ports").begin_array();
    for (const auto &p : c.role_ports(r.id, ranges))
        j.begin_object()
            .field("protocol", l4_name(p.l4))
            .field("first", int(p.ports.first))
            .field("last", int(p.ports.last))
            .field("service", p.service)
            .field("application", p.application)
            .end_object();
    j.end_array().key("ip_protocols").begin_array();
    for (const auto &p : c.role_ip_protocols(r.id))
        j.begin_object()
            .field("protocol", ip_protocol_name(p.number))
            .field("number", int(p.number))
            .field("service", p.service)
            .field("application", p.application)
            .end_object();
    j.end_array().field("sources", r.sources).field("note", r.note).end_object();
    print(j.str());
}

int verb_show(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    const Role *r = catalog->role(o.args[0]);
    if (!r) {
        std::fprintf(stderr, "rolewallctl: unknown role '%s'; 'rolewallctl list' shows the roles\n",
                     o.args[0].c_str());
        return exit_failed;
    }
    RangeValues ranges = ranges_for(o, *catalog);
    if (o.json) {
        show_json(*catalog, *r, ranges);
        return exit_ok;
    }
    std::string out = r->id + ": " + r->title + "\n  " + r->description + "\n";
    if (!r->includes.empty()) out += "Includes: " + join(r->includes) + "\n";
    out += "Services: " + join(catalog->role_services(r->id)) + "\n\n";
    TextTable t({"PROTO", "PORTS", "SERVICE", "APPLICATION"});
    for (const auto &p : catalog->role_ports(r->id, ranges))
        t.row({l4_name(p.l4), port_range_str(p.ports), p.service, p.application});
    for (const auto &p : catalog->role_ip_protocols(r->id))
        t.row({ip_protocol_name(p.number), "-", p.service, p.application});
    out += t.str();
    if (!r->note.empty()) out += "\nNote: " + r->note + "\n";
    if (!r->sources.empty()) out += "Sources: " + join(r->sources, "; ") + "\n";
    print(out);
    return exit_ok;
}

int verb_which(const Options &o) {
    const std::string &arg = o.args[0];
    auto slash = arg.find('/');
    std::optional<L4> l4;
    if (slash != std::string::npos) {
        std::string p = arg.substr(slash + 1);
        if (p == "tcp")
            l4 = L4::tcp;
        else if (p == "udp")
            l4 = L4::udp;
        else
            throw UsageError{"'" + p + "' is not tcp or udp"};
    }
    std::string why;
    auto port = parse_port_range(arg.substr(0, slash), &why);
    if (!port || port->first != port->last)
        throw UsageError{"'" + arg + "' is not a port like 88 or 88/udp"};
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    auto uses = catalog->which(port->first, l4, ranges_for(o, *catalog));
    if (uses.empty()) {
        std::fprintf(stderr, "rolewallctl: no service in the catalog uses port %s\n", arg.c_str());
        return exit_failed;
    }
    JsonWriter j;
    j.begin_array();
    TextTable t({"SERVICE", "APPLICATION", "PROTO", "PORTS", "ROLES"});
    for (const auto &u : uses) {
        auto roles = catalog->roles_using(u.service->id);
        j.begin_object()
            .field("service", u.service->id)
            .field("application", u.entry->application)
            .field("protocol", l4_name(u.entry->l4))
            .field("first", int(u.ports.first))
            .field("last", int(u.ports.last))
            .field("roles", roles)
            .end_object();
        t.row({u.service->id, u.entry->application, l4_name(u.entry->l4), port_range_str(u.ports),
               join(roles)});
    }
    print(o.json ? j.end_array().str() : t.str());
    return exit_ok;
}

static std::string entry_str(const Entry &e, const RangeValues &ranges) {
    if (e.kind == Entry::Kind::ip_protocol) return ip_protocol_name(e.ip_protocol);
    return port_range_str(resolve_ports(e, ranges)) + "/" + l4_name(e.l4);
}

int verb_services(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    RangeValues ranges = ranges_for(o, *catalog);
    JsonWriter j;
    j.begin_array();
    TextTable t({"SERVICE", "TITLE", "PORTS"});
    for (const auto &[id, s] : catalog->services()) {
        std::vector<std::string> ports;
        j.begin_object()
            .field("name", id)
            .field("title", s.title)
            .field("windows_service", s.windows_service)
            .field("sources", s.sources);
        j.key("entries").begin_array();
        for (const auto &e : s.entries) {
            ports.push_back(entry_str(e, ranges));
            j.begin_object().field("application", e.application);
            if (e.kind == Entry::Kind::ip_protocol) {
                j.field("protocol", ip_protocol_name(e.ip_protocol))
                    .field("number", int(e.ip_protocol));
            } else {
                PortRange r = resolve_ports(e, ranges);
                j.field("protocol", l4_name(e.l4))
                    .field("first", int(r.first))
                    .field("last", int(r.last));
                if (!e.range.empty()) j.field("range", e.range);
            }
            j.end_object();
        }
        j.end_array().end_object();
        t.row({id, s.title, join(ports, " ")});
    }
    print(o.json ? j.end_array().str() : t.str());
    return exit_ok;
}

} // namespace rolewall::ctl
