// Catalog verbs: they read the catalog files and work without the daemon.
#include "ctl.hpp"
#include "output.hpp"
#include "rolewall/paths.hpp"

#include <charconv>
#include <cstdio>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

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
    paths::DefaultFiles files = paths::default_files();
    return Catalog::load(o.catalog.empty() ? files.catalog : o.catalog,
                         o.local_catalog.empty() ? files.local_catalog : o.local_catalog);
}

std::string config_path(const Options &o) {
    return o.config.empty() ? paths::default_files().config : o.config;
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

static int show_service(const Options &o, const ServiceDetails &d);

static std::string role_text(const Catalog &c, const Role &r, const RangeValues &ranges) {
    std::string out = r.id + ": " + r.title + "\n  " + r.description + "\n";
    if (!r.includes.empty()) out += "Includes: " + join(r.includes) + "\n";
    out += "Services: " + join(c.role_services(r.id)) + "\n\n";
    TextTable t({"PROTO", "PORTS", "SERVICE", "APPLICATION"});
    for (const auto &p : c.role_ports(r.id, ranges))
        t.row({l4_name(p.l4), port_range_str(p.ports), p.service, p.application});
    for (const auto &p : c.role_ip_protocols(r.id))
        t.row({ip_protocol_name(p.number), "-", p.service, p.application});
    out += t.str();
    if (!r.note.empty()) out += "\nNote: " + r.note + "\n";
    if (!r.sources.empty()) out += "Sources: " + join(r.sources, "; ") + "\n";
    if (c.service(r.id))
        out += "\nThere is also a service '" + r.id + "': rolewallctl show service:" + r.id + "\n";
    return out;
}

// show NAME: the role NAME, else the service NAME; "service:NAME" asks for the service when a
// role has the same name.
int verb_show(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    std::string name = o.args[0];
    bool service_asked = name.starts_with("service:");
    if (service_asked) name.erase(0, std::string_view("service:").size());
    const Role *r = service_asked ? nullptr : catalog->role(name);
    const Service *s = r ? nullptr : catalog->service(name);
    if (!r && !s) {
        std::fprintf(stderr,
                     "rolewallctl: unknown %s '%s'%s; 'rolewallctl list' shows the roles, "
                     "'rolewallctl services' the services, 'rolewallctl search WORD' finds both\n",
                     service_asked ? "service" : "role", name.c_str(),
                     service_asked ? "" : " (and no service of that name)");
        return exit_failed;
    }
    RangeValues ranges = ranges_for(o, *catalog);
    if (s) return show_service(o, *service_details(*catalog, s->id, ranges));
    if (o.json)
        show_json(*catalog, *r, ranges);
    else
        print(role_text(*catalog, *r, ranges));
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

static std::string entry_str(const EntryDetails &e) {
    if (e.ip_protocol) return e.protocol;
    return port_range_str(e.ports) + "/" + e.protocol;
}

static Json entry_json(const EntryDetails &e) {
    Json j = {{"application", e.application}, {"protocol", e.protocol}};
    if (e.ip_protocol) {
        j["number"] = *e.ip_protocol;
        return j;
    }
    j["first"] = e.ports.first;
    j["last"] = e.ports.last;
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
            EntryDetails d = entry_details(e, ranges);
            ports.push_back(entry_str(d));
            entries.push_back(entry_json(d));
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

// --- Finding things: show SERVICE, search WORD ----------------------------------------------

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Where WORD occurs (case-insensitively) among the named texts: "id", "title", ...; a text
// named twice (two applications) counts once.
struct Matcher {
    std::string word;
    std::vector<std::string> where;
    void look(const char *field, const std::string &text) {
        if (lower(text).find(word) == std::string::npos) return;
        if (std::find(where.begin(), where.end(), field) == where.end()) where.push_back(field);
    }
};

std::vector<std::string> role_matches(const Role &r, const std::string &word) {
    Matcher m{word, {}};
    m.look("id", r.id);
    m.look("title", r.title);
    m.look("description", r.description);
    return m.where;
}

std::vector<std::string> service_matches(const Service &s, const std::string &word) {
    Matcher m{word, {}};
    m.look("id", s.id);
    m.look("title", s.title);
    m.look("description", s.description);
    for (const auto &a : s.aliases)
        m.look("alias", a);
    m.look("windows service", s.windows_service);
    for (const auto &e : s.entries)
        m.look("application", e.application);
    return m.where;
}

std::string entry_ports(const EntryDetails &e) {
    if (e.ip_protocol) return "-";
    std::string ports = port_range_str(e.ports);
    return e.range.empty() ? ports : ports + " (" + e.range + ")";
}

void show_service_json(const ServiceDetails &d) {
    const Service &s = *d.service;
    Json entries = Json::array();
    for (const auto &e : d.entries) {
        Json j = entry_json(e);
        j["note"] = e.note;
        entries.push_back(std::move(j));
    }
    print_json({{"kind", "service"},
                {"name", s.id},
                {"title", s.title},
                {"description", s.description},
                {"windows_service", s.windows_service},
                {"aliases", s.aliases},
                {"roles", d.roles},
                {"entries", std::move(entries)},
                {"sources", s.sources},
                {"note", s.note}});
}

} // namespace

static int show_service(const Options &o, const ServiceDetails &d) {
    if (o.json) {
        show_service_json(d);
        return exit_ok;
    }
    const Service &s = *d.service;
    std::string out = s.id + ": " + s.title + " (service)\n  " + s.description + "\n";
    out += "Roles: " + (d.roles.empty() ? std::string("none") : join(d.roles)) + "\n";
    if (!s.windows_service.empty()) out += "Windows service: " + s.windows_service + "\n";
    if (!s.aliases.empty()) out += "Also known as: " + join(s.aliases) + "\n";
    TextTable t({"PROTO", "PORTS", "APPLICATION"});
    std::string notes;
    for (const auto &e : d.entries) {
        t.row({e.protocol, entry_ports(e), e.application});
        if (!e.note.empty())
            notes += "  " + e.protocol + " " + entry_ports(e) + ": " + e.note + "\n";
    }
    out += "\n" + t.str();
    if (!notes.empty()) out += "\nEntry notes:\n" + notes;
    if (!s.note.empty()) out += "\nNote: " + s.note + "\n";
    out += "Sources: " + join(s.sources, "; ") + "\n";
    print(out);
    return exit_ok;
}

int verb_search(const Options &o) {
    std::string word = lower(o.args[0]);
    if (word.empty()) throw UsageError{"search needs a word that is not empty"};
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    Json matches = Json::array();
    TextTable t({"TYPE", "NAME", "TITLE", "MATCHED", "ROLES"});
    for (const auto &[id, r] : catalog->roles()) {
        auto where = role_matches(r, word);
        if (where.empty()) continue;
        matches.push_back({{"type", "role"},
                           {"name", id},
                           {"title", r.title},
                           {"matched", where},
                           {"roles", std::vector<std::string>{id}}});
        t.row({"role", id, r.title, join(where), id});
    }
    for (const auto &[id, s] : catalog->services()) {
        auto where = service_matches(s, word);
        if (where.empty()) continue;
        auto roles = catalog->roles_using(id);
        matches.push_back({{"type", "service"},
                           {"name", id},
                           {"title", s.title},
                           {"matched", where},
                           {"roles", roles}});
        t.row({"service", id, s.title, join(where), join(roles)});
    }
    if (t.empty()) {
        std::fprintf(stderr, "rolewallctl: no role or service matches '%s'\n", o.args[0].c_str());
        return exit_failed;
    }
    if (o.json)
        print_json({{"word", o.args[0]}, {"matches", std::move(matches)}});
    else
        print(t.str());
    return exit_ok;
}

} // namespace rolewall::ctl
