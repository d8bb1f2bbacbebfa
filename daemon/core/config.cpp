#include "rolewall/config.hpp"

#include "toml_util.hpp"

#include <fstream>
#include <sstream>

namespace rolewall {

const char *policy_name(Policy p) {
    return p == Policy::drop ? "drop" : "reject";
}

namespace {

void load_limit(TableReader &r, const char *key, std::size_t highest, std::size_t &out) {
    auto v = r.integer(key, false);
    if (!v) return;
    if (*v < 1 || static_cast<std::uint64_t>(*v) > highest)
        r.error(key, std::to_string(*v) + " is not between 1 and " + std::to_string(highest));
    else
        out = static_cast<std::size_t>(*v);
}

void load_firewall(TableReader &r, Config &cfg) {
    if (auto p = r.string("policy", false)) {
        if (*p == "drop")
            cfg.policy = Policy::drop;
        else if (*p == "reject")
            cfg.policy = Policy::reject;
        else
            r.error("policy", "'" + *p + "' is not a policy (expected \"drop\" or \"reject\")");
    }
    load_limit(r, "max_sources_per_role", ScopeLimits::highest_max_sources, cfg.limits.max_sources);
    load_limit(r, "max_interfaces_per_role", ScopeLimits::highest_max_interfaces,
               cfg.limits.max_interfaces);
    for (const auto &nr : named_ranges()) {
        auto v = r.string(nr.key, false);
        if (!v) continue;
        std::string why;
        if (auto pr = parse_port_range(*v, &why))
            cfg.ranges[nr.key] = *pr;
        else
            r.error(nr.key, why);
    }
    if (auto b = r.boolean("log_drops")) cfg.log_drops = *b;
    r.finish();
}

// One dimension of a role's scope, read by the one scope model; absent: any.
template <typename T, typename Parse>
void load_dimension(TableReader &r, const char *field, std::vector<T> &out, Parse parse) {
    auto items = r.strings(field, false);
    if (!items) return;
    auto parsed = parse(*items);
    if (parsed)
        out = std::move(*parsed);
    else
        r.error(field, parsed.error().message);
}

} // namespace

Scope read_scope(TableReader &r, const ScopeLimits &limits) {
    Scope s;
    load_dimension(r, "interfaces", s.interfaces, [&](const std::vector<std::string> &items) {
        return parse_interfaces(items, limits, ScopeInput::file);
    });
    load_dimension(r, "sources", s.sources, [&](const std::vector<std::string> &items) {
        return parse_sources(items, limits, ScopeInput::file);
    });
    s.normalize();
    return s;
}

namespace {

void load_roles(const toml::node &node, TableReader &top, Config &cfg, const Catalog &catalog,
                Diagnostics &diags) {
    const toml::table *roles = node.as_table();
    if (!roles) {
        top.error("roles", "expected a table of roles ([roles.NAME])");
        return;
    }
    for (auto &&[k, v] : *roles) {
        std::string name(k.str());
        if (!catalog.role(name)) {
            diags.add(top.file(), k.source(),
                      "field 'roles." + name + "': unknown role '" + name +
                          "' (rolewallctl list shows the roles)");
            continue;
        }
        const toml::table *t = v.as_table();
        if (!t) {
            diags.add(top.file(), v.source(), "field 'roles." + name + "': expected a table");
            continue;
        }
        TableReader r(*t, top.file(), diags, "roles." + name);
        cfg.roles[name] = read_scope(r, cfg.limits);
        r.finish();
    }
}

} // namespace

Result<Config> Config::parse(const std::string &text, const std::string &name,
                             const Catalog &catalog) {
    std::vector<Diagnostic> out;
    Diagnostics diags(out);
    Config cfg;
    cfg.path = name;
    if (auto table = parse_toml_text(text, name, diags)) {
        TableReader top(*table, name, diags);
        if (const toml::node *fw = top.node("firewall")) {
            if (const toml::table *t = fw->as_table()) {
                TableReader r(*t, name, diags, "firewall");
                load_firewall(r, cfg);
            } else {
                top.error("firewall", "expected a table ([firewall])");
            }
        }
        if (const toml::node *roles = top.node("roles"))
            load_roles(*roles, top, cfg, catalog, diags);
        top.finish();
    }
    if (!out.empty()) {
        Error e = make_error(Errc::invalid_config,
                             "the config " + name + " has " + std::to_string(out.size()) +
                                 (out.size() == 1 ? " problem" : " problems"));
        e.diagnostics = std::move(out);
        return e;
    }
    return cfg;
}

Result<Config> Config::load(const std::filesystem::path &file, const Catalog &catalog) {
    std::vector<Diagnostic> out;
    Diagnostics diags(out);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return make_error(Errc::invalid_config, "the config " + file.string() + " cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), file.string(), catalog);
}

} // namespace rolewall
