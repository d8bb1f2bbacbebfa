// render and check: the ruleset of the config and the saved state (what rolewalld applies at
// boot), or of the config alone with --config-only, without the daemon; render --live asks the
// running daemon for what it applied.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "kernel/nft_backend.hpp"
#include "rolewall/manager.hpp"
#include "rolewall/paths.hpp"
#include "rolewall/ruleset.hpp"
#include "rolewall/state.hpp"

#include <cstdio>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

struct Loaded {
    Catalog catalog;
    Config config;
    std::map<std::string, Scope> roles; // enabled, with their scope
    std::string state;                  // the state file read ("" with --config-only)
    std::vector<std::string> changes;   // what the state file changes, one line per role
};

std::string decision(const std::optional<Scope> &scope) {
    return scope ? "enabled (" + scope_text(*scope) + ")" : "disabled";
}

// The roles of config + saved state, as rolewalld applies them at start (the same
// effective_roles()). Damaged entries are left out with a warning: rolewalld keeps those roles
// as the kernel holds them.
void add_state(const Options &o, Loaded &all) {
    StateFile file(o.state_dir.empty() ? std::string(paths::state_dir) : o.state_dir);
    all.state = file.path().string();
    StateRead read = file.read(all.config.limits);
    if (!read.clean())
        std::fprintf(stderr,
                     "rolewallctl: warning: %s\nits damaged entries are left out here; rolewalld "
                     "keeps those roles as the kernel holds them\n",
                     read.error(all.state).describe().c_str());
    all.roles.clear();
    for (const auto &[name, r] : effective_roles(all.catalog, all.config, read.good, {}))
        all.roles.emplace(name, r.scope);
    for (const auto &[name, entry] : read.good) {
        auto config = all.config.roles.find(name);
        bool listed = config != all.config.roles.end();
        std::optional<Scope> was, now;
        if (listed) was = config->second;
        if (entry.enabled) now = entry.scope;
        if (all.catalog.role(name) && was != now)
            all.changes.push_back(name + ": " + decision(now) + " (rolewall.toml: " +
                                  (listed ? decision(was) : "no entry") + ")");
    }
}

Result<Loaded> load_all(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return catalog.error();
    auto config = Config::load(config_path(o), *catalog);
    if (!config) return config.error();
    Loaded all{std::move(*catalog), std::move(*config), {}, {}, {}};
    all.roles = all.config.roles;
    if (!o.config_only) add_state(o, all);
    return all;
}

Layout layout_of(const Loaded &all) {
    Layout layout = config_layout(all.catalog, all.config, all.roles);
    return layout;
}

// "F alone" or "F and S", then one line per role the saved state changes.
std::string origin_text(const Loaded &all, const char *line_prefix) {
    if (all.state.empty()) return all.config.path + " alone";
    std::string out = all.config.path + " and " + all.state;
    if (all.changes.empty()) return out + " (the saved state changes no role)";
    out += "; the saved state changes:";
    for (const auto &c : all.changes)
        out += std::string("\n") + line_prefix + c;
    return out;
}

// Whether this process may change the ruleset of its network namespace.
bool has_net_admin() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

// The header says where the ruleset comes from; its first line is one line for the default
// config (the ruleset of the shipped config fits on a screen of 60 lines).
void print_script(const std::string &origin, const std::string &ruleset) {
    std::string text = "#!/usr/sbin/nft -f\n"
                       "# nft -f replaces table inet rolewall in one transaction (not while "
                       "rolewalld runs: it owns the table); rolewalld's ruleset for " +
                       origin +
                       "\n"
                       "table inet rolewall\n"
                       "delete table inet rolewall\n" +
                       ruleset;
    std::fwrite(text.data(), 1, text.size(), stdout);
}

int render_live() {
    return with_daemon([](Client &c) {
        print_script("the running rolewalld (what it gave the kernel)", c.RenderRuleset());
        return exit_ok;
    });
}

} // namespace

int verb_render(const Options &o) {
    if (o.live) return render_live();
    auto all = load_all(o);
    if (!all) return report(all.error());
    Layout layout = layout_of(*all);
    print_script(origin_text(*all, "#   "), render_nft(layout, nft_fingerprint(layout)));
    return exit_ok;
}

// Validates config, catalog and saved state; with CAP_NET_ADMIN also has the kernel validate
// the whole batch without committing it (as nft -c does). Nothing in the kernel changes.
int verb_check(const Options &o) {
    auto all = load_all(o);
    if (!all) return report(all.error());
    std::size_t n = all->roles.size();
    std::printf("%s: config and catalog are valid; %zu role%s enabled from %s\n",
                all->config.path.c_str(), n, n == 1 ? "" : "s", origin_text(*all, "  ").c_str());
    warn_samba_disagreements(o, all->catalog, all->config, all->roles);
    Layout layout = layout_of(*all);
    if (!has_net_admin()) {
        std::printf("kernel check skipped: it needs CAP_NET_ADMIN (run as root)\n");
        return exit_ok;
    }
    auto backend = make_nft_backend();
    if (!backend) return report(backend.error());
    if (auto st = (*backend)->check(layout); !st) return report(st.error());
    std::printf("the kernel accepts the ruleset (checked without committing)\n");
    return exit_ok;
}

} // namespace rolewall::ctl
