// render and check: the ruleset a config makes, without the daemon.
#include "ctl.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdio>

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

} // namespace

int verb_render(const Options &o) {
    auto all = load_all(o);
    if (!all) return report(all.error());
    Layout layout = build_layout(all->catalog, all->config.policy, all->config.ranges,
                                 all->config.roles);
    std::string text = "#!/usr/sbin/nft -f\n"
                       "# The ruleset rolewalld makes from " + all->config.path + ".\n"
                       "# Loading it with nft -f replaces table inet rolewall in one transaction\n"
                       "# (while rolewalld runs, the table is owned by it and nft cannot change it).\n"
                       "table inet rolewall\n"
                       "delete table inet rolewall\n" +
                       render_nft(layout);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return exit_ok;
}

int verb_check(const Options &o) {
    auto all = load_all(o);
    if (!all) return report(all.error());
    std::printf("%s: config and catalog are valid (%zu roles enabled)\n", all->config.path.c_str(),
                all->config.roles.size());
    return exit_ok;
}

} // namespace rolewall::ctl
