// rolewallctl: browse the catalog, render and check configs, and drive rolewalld.
#include "ctl.hpp"
#include "rolewall/paths.hpp"

#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <string_view>

using namespace rolewall::ctl;

namespace {

struct Verb {
    const char *name;
    int min_args;
    int max_args;
    int (*run)(const Options &);
    const char *usage;
    bool json = true; // takes --json (docs/JSON.md); false: --json is a usage error
};

const Verb verbs[] = {
    {"list", 0, 0, verb_list, "list                     roles of the catalog"},
    {"show", 1, 1, verb_show,
     "show ROLE|SERVICE        a role's services and ports, or a service's ports"},
    {"search", 1, 1, verb_search,
     "search WORD              roles and services whose name, title, description or "
     "applications contain WORD"},
    {"which", 1, 1, verb_which, "which PORT[/tcp|/udp]    services and roles using a port"},
    {"services", 0, 0, verb_services, "services                 services of the catalog"},
    {"render", 0, 0, verb_render,
     "render [--config-only|--live]  the ruleset of config + saved state (what rolewalld "
     "applies at boot), as nft -f text",
     false},
    {"check", 0, 0, verb_check,
     "check [--config-only]    validate config, catalog and saved state (and the kernel batch)",
     false},
    {"status", 0, 0, verb_status,
     "status                   enabled roles with their scope and origin (daemon)"},
    {"enable", 1, 1, verb_enable,
     "enable ROLE [SCOPE OPTIONS] [--runtime|--timeout DURATION|--confirm DURATION] [--dry-run] "
     "[--force]"},
    {"disable", 1, 1, verb_disable,
     "disable ROLE [--runtime|--timeout DURATION|--confirm DURATION] [--dry-run] [--force]"},
    {"revert", 0, 4096, verb_revert,
     "revert ROLE...|--all [--dry-run] [--force]  roles follow rolewall.toml again (drops "
     "saved and "
     "runtime changes)"},
    {"reload", 0, 0, verb_reload,
     "reload [--confirm DURATION] [--force]  make the daemon re-read config, catalog and "
     "state"},
    {"confirm", 0, 0, verb_confirm,
     "confirm [--abort]        make the change made with --confirm final, or undo it now", false},
    {"suggest", 0, 0, verb_suggest,
     "suggest [--samba-config FILE]  rolewall.toml roles for this host's Samba server", false},
    {"audit", 0, 0, verb_audit,
     "audit                    listening sockets, the verdict for each, ports open for nothing"},
    {"explain", 2, 2, verb_explain,
     "explain SOURCE PORT[/PROTO] [--interface IF]  would a new connection be accepted (daemon)"},
    {"drops", 0, 0, verb_drops,
     "drops [--follow] [--since DURATION]  what the policy dropped lately, and what would open it"},
};

void help() {
    auto files = rolewall::paths::default_files();
    if (files.local_catalog.empty()) files.local_catalog = "none";
    std::printf("Usage: rolewallctl [OPTIONS] VERB [ARGS]\n\nVerbs:\n");
    for (const auto &v : verbs)
        std::printf("  %s\n", v.usage);
    std::printf(
        "\nOptions:\n"
        "  --catalog DIR        shipped catalog (default: %s)\n"
        "  --local-catalog DIR  local roles and services (default: %s)\n"
        "  --config FILE        config file (default: %s)\n"
        "  --json               machine-readable output\n"
        "  --runtime            enable/disable: not saved across restarts\n"
        "  --timeout DURATION   enable/disable: a runtime change rolewalld undoes after\n"
        "                       DURATION (90s, 10m, 2h)\n"
        "  --confirm DURATION   enable/disable/revert/reload: applied now, undone by\n"
        "                       rolewalld unless 'rolewallctl confirm' comes within DURATION\n"
        "  --abort              confirm: undo the change now\n"
        "  --force              enable/disable/revert/reload: make the change even if it would\n"
        "                       drop a new SSH connection like yours (the lock-out guard)\n"
        "  --samba-config FILE  suggest, check, reload: Samba's smb.conf\n"
        "                       (default: /etc/samba/smb.conf)\n"
        "  --dry-run            enable/disable/revert: show what would change, change nothing\n"
        "  --all                revert: every role with a saved or runtime change\n"
        "  --state-dir DIR      render, check: where state.toml is (default: %s)\n"
        "  --config-only        render, check: the config alone, without the saved state\n"
        "  --live               render: what the running daemon applied (daemon)\n"
        "\nScope options of enable (each dimension not given keeps what the role has\n"
        "now, or its config scope, or any):\n"
        "  --interface IF       exactly these input interfaces (repeatable; \"vlan*\");\n"
        "                       explain: the input interface (default: the route's)\n"
        "  --source CIDR        exactly these networks (repeatable)\n"
        "  --any-interface      any interface\n"
        "  --any-source         any source\n"
        "  --add-interface IF, --remove-interface IF   (repeatable)\n"
        "  --add-source CIDR,  --remove-source CIDR    (repeatable)\n"
        "  --follow             drops: print new drops as they come, until interrupted\n"
        "  --since DURATION     drops: only those of the last DURATION (90s, 15m, 2h)\n"
        "  -h, --help           this text\n"
        "  --version            the version\n\n"
        "Environment:\n"
        "  DBUS_SYSTEM_BUS_ADDRESS  the bus of the daemon (default: the system bus)\n"
        "  ROLEWALL_SOURCE_TREE     source tree to take the default files from\n"
        "  SSH_CONNECTION           sent with every change for the lock-out guard (also looked\n"
        "                           up in the parent processes, as under sudo)\n\n"
        "Exit status: 0 ok, 1 failed, 2 bad usage, 3 daemon not reachable, 4 denied,\n"
        "5 daemon degraded; explain: 0 accepted, 1 dropped or rejected.\n",
        files.catalog.c_str(), files.local_catalog.c_str(), files.config.c_str(),
        rolewall::paths::state_dir);
}

// For the generated bash and zsh completion (ctl/completion): "verb NAME" per verb and
// "option --NAME" or "option --NAME=" (takes a value) per option, this one excepted.
void print_completion_words(const option *longopts) {
    for (const auto &v : verbs)
        std::printf("verb %s\n", v.name);
    for (const option *o = longopts; o->name; ++o)
        if (std::string_view(o->name) != "completion-words")
            std::printf("option --%s%s\n", o->name, o->has_arg == no_argument ? "" : "=");
}

enum {
    opt_catalog = 256,
    opt_local,
    opt_config,
    opt_json,
    opt_interface,
    opt_source,
    opt_runtime,
    opt_samba_config,
    opt_follow,
    opt_since,
    opt_version,
    opt_completion_words, // hidden: the words shell completion offers
    opt_dry_run,
    opt_any_interface,
    opt_any_source,
    opt_add_interface,
    opt_remove_interface,
    opt_add_source,
    opt_remove_source,
    opt_all,
    opt_state_dir,
    opt_config_only,
    opt_live,
    opt_timeout,
    opt_confirm,
    opt_abort,
    opt_force,
};

Options parse(int argc, char **argv) {
    static const option longopts[] = {
        {"catalog", required_argument, nullptr, opt_catalog},
        {"local-catalog", required_argument, nullptr, opt_local},
        {"config", required_argument, nullptr, opt_config},
        {"json", no_argument, nullptr, opt_json},
        {"interface", required_argument, nullptr, opt_interface},
        {"source", required_argument, nullptr, opt_source},
        {"runtime", no_argument, nullptr, opt_runtime},
        {"samba-config", required_argument, nullptr, opt_samba_config},
        {"dry-run", no_argument, nullptr, opt_dry_run},
        {"any-interface", no_argument, nullptr, opt_any_interface},
        {"any-source", no_argument, nullptr, opt_any_source},
        {"add-interface", required_argument, nullptr, opt_add_interface},
        {"remove-interface", required_argument, nullptr, opt_remove_interface},
        {"add-source", required_argument, nullptr, opt_add_source},
        {"remove-source", required_argument, nullptr, opt_remove_source},
        {"all", no_argument, nullptr, opt_all},
        {"state-dir", required_argument, nullptr, opt_state_dir},
        {"config-only", no_argument, nullptr, opt_config_only},
        {"live", no_argument, nullptr, opt_live},
        {"timeout", required_argument, nullptr, opt_timeout},
        {"confirm", required_argument, nullptr, opt_confirm},
        {"abort", no_argument, nullptr, opt_abort},
        {"force", no_argument, nullptr, opt_force},
        {"follow", no_argument, nullptr, opt_follow},
        {"since", required_argument, nullptr, opt_since},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, opt_version},
        {"completion-words", no_argument, nullptr, opt_completion_words},
        {},
    };
    Options o;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:h", longopts, nullptr)) != -1 || optind < argc) {
        if (c == -1) { // a verb or argument: keep it and go on parsing options after it
            o.args.emplace_back(argv[optind++]);
            continue;
        }
        switch (c) {
        case opt_catalog:
            o.catalog = optarg;
            break;
        case opt_local:
            o.local_catalog = optarg;
            break;
        case opt_config:
            o.config = optarg;
            break;
        case opt_json:
            o.json = true;
            break;
        case opt_interface:
            o.interfaces.emplace_back(optarg);
            break;
        case opt_source:
            o.sources.emplace_back(optarg);
            break;
        case opt_runtime:
            o.runtime = true;
            break;
        case opt_samba_config:
            o.samba_config = optarg;
            break;
        case opt_dry_run:
            o.dry_run = true;
            break;
        case opt_any_interface:
            o.any_interface = true;
            break;
        case opt_any_source:
            o.any_source = true;
            break;
        case opt_add_interface:
            o.add_interfaces.emplace_back(optarg);
            break;
        case opt_remove_interface:
            o.remove_interfaces.emplace_back(optarg);
            break;
        case opt_add_source:
            o.add_sources.emplace_back(optarg);
            break;
        case opt_remove_source:
            o.remove_sources.emplace_back(optarg);
            break;
        case opt_all:
            o.all = true;
            break;
        case opt_state_dir:
            o.state_dir = optarg;
            break;
        case opt_config_only:
            o.config_only = true;
            break;
        case opt_live:
            o.live = true;
            break;
        case opt_timeout:
            o.timeout = optarg;
            break;
        case opt_confirm:
            o.confirm = optarg;
            break;
        case opt_abort:
            o.abort = true;
            break;
        case opt_force:
            o.force = true;
            break;
        case opt_follow:
            o.follow = true;
            break;
        case opt_since:
            o.since = optarg;
            break;
        case 'h':
            help();
            std::exit(exit_ok);
        case opt_completion_words:
            print_completion_words(longopts);
            std::exit(exit_ok);
        case opt_version:
            std::printf("rolewallctl %s\n", rolewall::paths::version);
            std::exit(exit_ok);
        case ':':
            throw UsageError{"option '" + std::string(argv[optind - 1]) + "' needs a value"};
        default:
            throw UsageError{"unknown option '" + std::string(argv[optind - 1]) + "'"};
        }
    }
    return o;
}

// The scope options of one dimension: the whole list, any, or increments.
void check_dimension(const char *whole, bool given, const char *any, bool any_given,
                     const char *increments, bool increments_given) {
    auto both = [](const char *a, const char *b) {
        throw UsageError{std::string(a) + " cannot go with " + b +
                         ": give either the whole list, any, or additions and removals"};
    };
    if (any_given && given) both(any, whole);
    if (any_given && increments_given) both(any, increments);
    if (given && increments_given) both(whole, increments);
}

// Options that do not go with the verb, or not with each other, are usage errors (exit 2).
void check_combination(const std::string &verb, const Options &o) {
    bool enable = verb == "enable";
    bool ifs = !o.add_interfaces.empty() || !o.remove_interfaces.empty();
    bool srcs = !o.add_sources.empty() || !o.remove_sources.empty();
    bool scope = !o.interfaces.empty() || !o.sources.empty() || o.any_interface || o.any_source ||
                 ifs || srcs;
    // explain takes one --interface: the packet's input interface.
    bool explain_interface = verb == "explain" && o.sources.empty() && !o.any_interface &&
                             !o.any_source && !ifs && !srcs;
    if (!enable && scope && !explain_interface)
        throw UsageError{"--source, --any-*, --add-* and --remove-* go with 'enable' only, "
                         "--interface with 'enable' and 'explain'"};
    if (o.runtime && !enable && verb != "disable")
        throw UsageError{"--runtime goes with 'enable' and 'disable' only"};
    if (o.dry_run && !enable && verb != "disable" && verb != "revert")
        throw UsageError{"--dry-run goes with 'enable', 'disable' and 'revert' only"};
    if (o.all && verb != "revert") throw UsageError{"--all goes with 'revert' only"};
    if (!o.timeout.empty() && !enable && verb != "disable")
        throw UsageError{"--timeout goes with 'enable' and 'disable' only"};
    if (!o.timeout.empty() && o.runtime)
        throw UsageError{"--timeout makes a runtime change already: leave out --runtime"};
    if (!o.confirm.empty() && !enable && verb != "disable" && verb != "revert" && verb != "reload")
        throw UsageError{"--confirm goes with 'enable', 'disable', 'revert' and 'reload' only"};
    if (!o.confirm.empty() && !o.timeout.empty())
        throw UsageError{"--confirm and --timeout do not go together: a timed change is undone "
                         "anyway"};
    if (o.abort && verb != "confirm") throw UsageError{"--abort goes with 'confirm' only"};
    if (o.force && !enable && verb != "disable" && verb != "revert" && verb != "reload")
        throw UsageError{"--force goes with 'enable', 'disable', 'revert' and 'reload' only"};
    bool offline = verb == "render" || verb == "check";
    if ((o.config_only || !o.state_dir.empty()) && !offline)
        throw UsageError{"--config-only and --state-dir go with 'render' and 'check' only"};
    if (o.live && verb != "render") throw UsageError{"--live goes with 'render' only"};
    if (o.live && (o.config_only || !o.state_dir.empty()))
        throw UsageError{"render --live asks the daemon: it takes no --config-only or --state-dir"};
    if (o.config_only && !o.state_dir.empty())
        throw UsageError{"--config-only reads no state: it cannot go with --state-dir"};
    check_dimension("--interface", !o.interfaces.empty(), "--any-interface", o.any_interface,
                    "--add-interface/--remove-interface", ifs);
    check_dimension("--source", !o.sources.empty(), "--any-source", o.any_source,
                    "--add-source/--remove-source", srcs);
}

int run(int argc, char **argv) {
    Options o = parse(argc, argv);
    if (o.args.empty()) throw UsageError{"no verb given"};
    std::string name = o.args.front();
    o.args.erase(o.args.begin());
    for (const auto &v : verbs) {
        if (name != v.name) continue;
        int n = static_cast<int>(o.args.size());
        if (n < v.min_args || n > v.max_args)
            throw UsageError{std::string("usage: rolewallctl ") + v.usage};
        bool enable = name == "enable";
        if (!enable && !o.sources.empty()) throw UsageError{"--source goes with 'enable' only"};
        if (!enable && name != "explain" && !o.interfaces.empty())
            throw UsageError{"--interface goes with 'enable' and 'explain' only"};
        if (!o.samba_config.empty() && name != "suggest" && name != "check" && name != "reload")
            throw UsageError{"--samba-config goes with 'suggest', 'check' and 'reload' only"};
        if (o.runtime && !enable && name != "disable")
            throw UsageError{"--runtime goes with 'enable' and 'disable' only"};
        if (o.json && !v.json) throw UsageError{"'" + name + "' has no --json output"};
        check_combination(name, o);
        if ((o.follow || !o.since.empty()) && name != "drops")
            throw UsageError{"--follow and --since go with 'drops' only"};
        return v.run(o);
    }
    throw UsageError{"unknown verb '" + name + "'"};
}

} // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError &e) {
        std::fprintf(stderr, "rolewallctl: %s\nTry 'rolewallctl --help'.\n", e.message.c_str());
        return exit_usage;
    }
}
