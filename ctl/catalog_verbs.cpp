// Catalog verbs: they read the catalog files and work without the daemon.
#include "ctl.hpp"
#include "output.hpp"
#include "rolewall/paths.hpp"

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
        Json roles = Json::array();
        for (const auto &[id, r] : catalog->roles())
            roles.push_back({{"name", id}, {"title", r.title}, {"local", r.local}});
        print_json({{"roles", std::move(roles)}});
        return exit_ok;
    }
    TextTable t({"ROLE", "TITLE"});
    for (const auto &[id, r] : catalog->roles())
        t.row({id, r.title});
    print(t.str());
    return exit_ok;
}

static void show_json(const Catalog &c, const Role &r, const RangeValues &ranges) {
    Json ports = Json::array(), ip_protocols = Json::array();
    for (const auto &p : c.role_ports(r.id, ranges))
        ports.push_back({{"protocol", l4_name(p.l4)},
                         {"first", p.ports.first},
                         {"last", p.ports.last},
                         {"service", p.service},
                         {"application", p.application}});
    for (const auto &p : c.role_ip_protocols(r.id))
        ip_protocols.push_back({{"protocol", ip_protocol_name(p.number)},
                                {"number", p.number},
                                {"service", p.service},
                                {"application", p.application}});
    print_json({{"name", r.id},
                {"title", r.title},
                {"description", r.description},
                {"services", c.role_services(r.id)},
                {"includes", r.includes},
                {"ports", std::move(ports)},
                {"ip_protocols", std::move(ip_protocols)},
                {"sources", r.sources},
                {"note", r.note}});
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
    Json json_uses = Json::array();
    TextTable t({"SERVICE", "APPLICATION", "PROTO", "PORTS", "ROLES"});
    for (const auto &u : uses) {
        auto roles = catalog->roles_using(u.service->id);
        json_uses.push_back({{"service", u.service->id},
                             {"application", u.entry->application},
                             {"protocol", l4_name(u.entry->l4)},
                             {"first", u.ports.first},
                             {"last", u.ports.last},
                             {"roles", roles}});
        t.row({u.service->id, u.entry->application, l4_name(u.entry->l4), port_range_str(u.ports),
               join(roles)});
    }
    if (o.json)
        print_json({{"port", port->first}, {"uses", std::move(json_uses)}});
    else
        print(t.str());
    return exit_ok;
}

static std::string entry_str(const Entry &e, const RangeValues &ranges) {
    if (e.kind == Entry::Kind::ip_protocol) return ip_protocol_name(e.ip_protocol);
    return port_range_str(resolve_ports(e, ranges)) + "/" + l4_name(e.l4);
}

static Json entry_json(const Entry &e, const RangeValues &ranges) {
    Json j = {{"application", e.application}};
    if (e.kind == Entry::Kind::ip_protocol) {
        j["protocol"] = ip_protocol_name(e.ip_protocol);
        j["number"] = e.ip_protocol;
        return j;
    }
    PortRange r = resolve_ports(e, ranges);
    j["protocol"] = l4_name(e.l4);
    j["first"] = r.first;
    j["last"] = r.last;
    if (!e.range.empty()) j["range"] = e.range;
    return j;
}

int verb_services(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    RangeValues ranges = ranges_for(o, *catalog);
    Json services = Json::array();
    TextTable t({"SERVICE", "TITLE", "PORTS"});
    for (const auto &[id, s] : catalog->services()) {
        std::vector<std::string> ports;
        Json entries = Json::array();
        for (const auto &e : s.entries) {
            ports.push_back(entry_str(e, ranges));
            entries.push_back(entry_json(e, ranges));
        }
        services.push_back({{"name", id},
                            {"title", s.title},
                            {"windows_service", s.windows_service},
                            {"sources", s.sources},
                            {"entries", std::move(entries)}});
        t.row({id, s.title, join(ports, " ")});
    }
    if (o.json)
        print_json({{"services", std::move(services)}});
    else
        print(t.str());
    return exit_ok;
}

} // namespace rolewall::ctl
