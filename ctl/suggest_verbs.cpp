// suggest: a rolewall.toml snippet for the Samba server of this host, from Samba's effective
// configuration (testparm) and the sockets listening now; and the warnings `check` and
// `reload` print when the rolewall config disagrees with smb.conf.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "listeners.hpp"
#include "samba.hpp"

#include <cstdio>
#include <filesystem>
#include <set>
#include <tuple>

namespace rolewall::ctl {

namespace {

std::string quoted_list(const std::vector<std::string> &v) {
    std::string out = "[";
    for (const auto &s : v)
        out += (out.size() > 1 ? ", \"" : "\"") + s + "\"";
    return out + "]";
}

// "key = value" and its origin as a comment, the comments aligned.
void line(const std::string &text, const std::string &from) {
    std::printf("%-40s # smb.conf: %s\n", text.c_str(), from.c_str());
}

// Which of the role's single ports something listens on (from outside), and which not.
void listener_comments(const Catalog &catalog, const RangeValues &ranges, const std::string &role,
                       const Result<std::vector<Listener>> &listeners) {
    if (!listeners) {
        std::printf("# listeners unknown: %s\n", listeners.error().message.c_str());
        return;
    }
    std::set<std::tuple<std::uint16_t, std::string, std::string>> heard, silent;
    for (const auto &p : catalog.role_ports(role, ranges)) {
        if (p.ports.first != p.ports.last) continue; // ranges are handed out on demand
        std::uint8_t proto = p.l4 == L4::tcp ? 6 : 17;
        std::string who;
        for (const auto &l : *listeners)
            if (l.protocol == proto && l.port == p.ports.first && !l.loopback_only())
                who = l.process.empty() ? "?" : l.process;
        (who.empty() ? silent : heard).insert({p.ports.first, l4_name(p.l4), who});
    }
    auto join = [](const auto &s) {
        std::string out;
        for (const auto &[port, l4, who] : s)
            out += (out.empty() ? "" : ", ") + std::to_string(port) + "/" + l4 +
                   (who.empty() ? "" : " " + who);
        return out;
    };
    if (!heard.empty()) std::printf("# listening now: %s\n", join(heard).c_str());
    if (!silent.empty()) std::printf("# nothing listens on: %s\n", join(silent).c_str());
}

// Whether a role of the plan opens the named range.
bool uses_range(const Catalog &catalog, const SambaPlan &plan, const std::string &range) {
    for (const auto &r : plan.roles)
        for (const auto &id : catalog.role_services(r.value))
            for (const auto &e : catalog.service(id)->entries)
                if (e.kind == Entry::Kind::named_range && e.range == range) return true;
    return false;
}

std::string smb_conf(const Options &o) {
    return o.samba_config.empty() ? default_smb_conf : o.samba_config;
}

} // namespace

int verb_suggest(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    auto samba = read_samba_config(smb_conf(o));
    if (!samba) return report(samba.error());
    SambaPlan plan = plan_for(*samba, *catalog);
    RangeValues ranges = default_range_values();
    std::printf("# rolewall.toml for the Samba server of %s, from `testparm -s -v` and the\n"
                "# sockets listening now. Review it, then merge it into %s.\n",
                samba->file.c_str(), config_path(o).c_str());
    if (plan.rpc_ports && uses_range(*catalog, plan, "rpc_dynamic_ports")) {
        ranges["rpc_dynamic_ports"] = plan.rpc_ports->value;
        std::printf("\n[firewall]\n");
        line("rpc_dynamic_ports = \"" + port_range_str(plan.rpc_ports->value) + "\"",
             plan.rpc_ports->from);
    }
    auto listeners = listening_sockets();
    for (const auto &r : plan.roles) {
        std::printf("\n");
        line("[roles." + r.value + "]", r.from);
        if (plan.interfaces)
            line("interfaces = " + quoted_list(plan.interfaces->value), plan.interfaces->from);
        if (plan.interfaces && !plan.interfaces->left_out.empty())
            std::printf("# left out: %s\n", plan.interfaces->left_out.c_str());
        if (plan.sources) line("sources = " + quoted_list(plan.sources->value), plan.sources->from);
        if (plan.sources && !plan.sources->left_out.empty())
            std::printf("# left out: %s\n", plan.sources->left_out.c_str());
        listener_comments(*catalog, ranges, r.value, listeners);
    }
    if (plan.roles.empty()) std::printf("# no catalog role matches this Samba server\n");
    for (const auto &n : plan.notes)
        std::printf("# note: %s\n", n.c_str());
    return exit_ok;
}

void warn_samba_disagreements(const Options &o, const Catalog &catalog, const Config &config,
                              const std::map<std::string, Scope> &enabled) {
    std::string file = smb_conf(o);
    if (o.samba_config.empty() && !std::filesystem::exists(file)) return; // no Samba here
    auto samba = read_samba_config(file);
    if (!samba) {
        std::fprintf(stderr, "rolewallctl: warning: %s\n", samba.error().message.c_str());
        return;
    }
    for (const auto &w : samba_disagreements(*samba, catalog, config, enabled))
        std::fprintf(stderr, "rolewallctl: warning: %s\n", w.c_str());
}

void warn_samba_disagreements(const Options &o, Client &daemon) {
    std::string file = smb_conf(o);
    if (o.samba_config.empty() && !std::filesystem::exists(file)) return;
    auto catalog = load_catalog(o);
    if (!catalog) return; // the daemon's reload already said what is wrong
    auto config = Config::load(config_path(o), *catalog);
    if (!config) return;
    std::map<std::string, Scope> enabled;
    for (const auto &r : daemon.ListEnabled())
        enabled[r.get<0>()].interfaces = r.get<2>();
    warn_samba_disagreements(o, *catalog, *config, enabled);
}

} // namespace rolewall::ctl
