// render and check: the ruleset a config makes, without the daemon.
#include "ctl.hpp"
#include "kernel/nft_backend.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdio>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

struct Loaded {
    Catalog catalog;
    Config config;
};

Result<Loaded> load_all(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return catalog.error();
    auto config = Config::load(config_path(o), *catalog);
    if (!config) return config.error();
    return Loaded{std::move(*catalog), std::move(*config)};
}

// Whether this process may change the ruleset of its network namespace.
bool has_net_admin() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

} // namespace

int verb_render(const Options &o) {
    auto all = load_all(o);
    if (!all) return report(all.error());
    Layout layout =
        build_layout(all->catalog, all->config.policy, all->config.ranges, all->config.roles);
    layout.log_drops = all->config.log_drops;
    // One comment line: the default config's ruleset fits on a screen of 60 lines.
    std::string text = "#!/usr/sbin/nft -f\n"
                       "# rolewalld's ruleset for " +
                       all->config.path +
                       ": nft -f replaces table inet rolewall in one transaction "
                       "(not while rolewalld runs: it owns the table)\n"
                       "table inet rolewall\n"
                       "delete table inet rolewall\n" +
                       render_nft(layout, nft_fingerprint(layout));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return exit_ok;
}

// Validates config and catalog; with CAP_NET_ADMIN also has the kernel validate the whole
// batch without committing it (as nft -c does). Nothing in the kernel changes either way.
int verb_check(const Options &o) {
    auto all = load_all(o);
    if (!all) return report(all.error());
    std::size_t n = all->config.roles.size();
    std::printf("%s: config and catalog are valid (%zu role%s enabled)\n", all->config.path.c_str(),
                n, n == 1 ? "" : "s");
    warn_samba_disagreements(o, all->catalog, all->config, all->config.roles);
    Layout layout =
        build_layout(all->catalog, all->config.policy, all->config.ranges, all->config.roles);
    layout.log_drops = all->config.log_drops;
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
