#include "rolewall/config.hpp"

#include "toml_util.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <fstream>
#include <sstream>

namespace rolewall {

const char *policy_name(Policy p) {
    return p == Policy::drop ? "drop" : "reject";
}

Result<Cidr> Cidr::parse(const std::string &text) {
    Cidr c;
    auto slash = text.find('/');
    std::string addr = text.substr(0, slash);
    c.v6 = addr.find(':') != std::string::npos;
    int max = c.v6 ? 128 : 32;
    if (inet_pton(c.v6 ? AF_INET6 : AF_INET, addr.c_str(), c.addr.data()) != 1)
        return make_error(Errc::invalid_argument,
                          "'" + text + "' is not an IPv4 or IPv6 address or network");
    c.prefix = max;
    if (slash != std::string::npos) {
        std::string_view p(text.data() + slash + 1, text.size() - slash - 1);
        int v = -1;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc() || end != p.data() + p.size() || v < 0 || v > max)
            return make_error(Errc::invalid_argument, "'" + text + "' has a bad prefix length (0-" +
                                                          std::to_string(max) + ")");
        c.prefix = v;
    }
    int bytes = c.v6 ? 16 : 4;
    for (int i = 0; i < bytes; ++i) {
        int keep = std::clamp(c.prefix - 8 * i, 0, 8);
        c.addr[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(0xff00 >> keep);
    }
    return c;
}

std::string Cidr::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, addr.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix);
}

void Scope::normalize() {
    std::sort(interfaces.begin(), interfaces.end());
    interfaces.erase(std::unique(interfaces.begin(), interfaces.end()), interfaces.end());
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
}

bool valid_interface_name(const std::string &name, std::string *why) {
    auto fail = [&](std::string w) {
        if (why) *why = std::move(w);
        return false;
    };
    std::string base = name;
    if (!base.empty() && base.back() == '*') base.pop_back();
    if (base.empty()) return fail("an interface name cannot be empty or only '*'");
    if (name.size() > 15) return fail("'" + name + "' is longer than 15 characters");
    if (base == "." || base == "..") return fail("'" + name + "' is not an interface name");
    for (char c : base) {
        if (c == '/' || c == ':' || c == '*' || c == '"' || c == '\\' ||
            static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return fail("'" + name + "' contains a character interface names cannot have");
    }
    return true;
}

namespace {

void load_firewall(TableReader &r, Config &cfg) {
    if (auto p = r.string("policy", false)) {
        if (*p == "drop")
            cfg.policy = Policy::drop;
        else if (*p == "reject")
            cfg.policy = Policy::reject;
        else
            r.error("policy", "'" + *p + "' is not a policy (expected \"drop\" or \"reject\")");
    }
    for (const auto &nr : named_ranges()) {
        auto v = r.string(nr.key, false);
        if (!v) continue;
        std::string why;
        if (auto pr = parse_port_range(*v, &why))
            cfg.ranges[nr.key] = *pr;
        else
            r.error(nr.key, why);
    }
    r.finish();
}

Scope load_scope(TableReader &r) {
    Scope s;
    if (auto ifs = r.strings("interfaces", false)) {
        for (const auto &i : *ifs) {
            std::string why;
            if (!valid_interface_name(i, &why))
                r.error("interfaces", why);
            else
                s.interfaces.push_back(i);
        }
        if (ifs->empty())
            r.error("interfaces", "an empty list would match nothing; leave the "
                                  "field out to allow any interface");
    }
    if (auto srcs = r.strings("sources", false)) {
        for (const auto &t : *srcs) {
            auto c = Cidr::parse(t);
            if (!c)
                r.error("sources", c.error().message);
            else
                s.sources.push_back(*c);
        }
        if (srcs->empty())
            r.error("sources", "an empty list would match nothing; leave the "
                               "field out to allow any source");
    }
    r.finish();
    s.normalize();
    return s;
}

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
        cfg.roles[name] = load_scope(r);
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
