#include "options.hpp"

#include "rolewall/paths.hpp"

#include <cstdio>
#include <getopt.h>
#include <string>

namespace rolewall {

namespace {

constexpr int exit_usage = 2;

void help(const Sources &d) {
    std::printf("Usage: rolewalld [OPTIONS]\n\n"
                "The rolewall host firewall daemon: applies the roles of the config and the saved\n"
                "state to table inet rolewall, then serves org.rolewall1 on the system bus.\n\n"
                "Options:\n"
                "  --config FILE        config file (default: %s)\n"
                "  --catalog DIR        shipped catalog (default: %s)\n"
                "  --local-catalog DIR  local roles and services (default: %s)\n"
                "  --state-dir DIR      where state.toml is kept (default: %s)\n"
                "  --apply-only         apply once and exit; no D-Bus\n"
                "  -h, --help           this text\n"
                "  --version            the version\n\n"
                "Environment:\n"
                "  DBUS_SYSTEM_BUS_ADDRESS  the bus to serve on (default: the system bus)\n"
                "  NOTIFY_SOCKET            where READY=1 and STATUS= go (set by systemd)\n"
                "  JOURNAL_STREAM           when it names stderr, messages go to the journal\n"
                "  ROLEWALL_LOG_LEVEL=debug adds debug messages\n"
                "  ROLEWALL_SOURCE_TREE     source tree to take the default files from\n",
                d.config.c_str(), d.catalog.c_str(),
                d.local_catalog.empty() ? "none" : d.local_catalog.c_str(), d.state_dir.c_str());
}

int usage_error(const std::string &message) {
    std::fprintf(stderr, "rolewalld: %s\nTry 'rolewalld --help'.\n", message.c_str());
    return exit_usage;
}

} // namespace

std::optional<int> parse_command_line(int argc, char **argv, CommandLine &out) {
    paths::DefaultFiles files = paths::default_files();
    out.sources = {files.catalog, files.local_catalog, files.config, paths::state_dir};
    enum { opt_config = 256, opt_catalog, opt_local, opt_state, opt_apply, opt_version };
    static const option longopts[] = {
        {"config", required_argument, nullptr, opt_config},
        {"catalog", required_argument, nullptr, opt_catalog},
        {"local-catalog", required_argument, nullptr, opt_local},
        {"state-dir", required_argument, nullptr, opt_state},
        {"apply-only", no_argument, nullptr, opt_apply},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, opt_version},
        {},
    };
    opterr = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, nullptr)) != -1;) {
        switch (c) {
        case opt_config:
            out.sources.config = optarg;
            break;
        case opt_catalog:
            out.sources.catalog = optarg;
            break;
        case opt_local:
            out.sources.local_catalog = optarg;
            break;
        case opt_state:
            out.sources.state_dir = optarg;
            break;
        case opt_apply:
            out.apply_only = true;
            break;
        case 'h':
            help(out.sources);
            return 0;
        case opt_version:
            std::printf("rolewalld %s\n", paths::version);
            return 0;
        case ':':
            return usage_error("option '" + std::string(argv[optind - 1]) + "' needs a value");
        default:
            return usage_error("unknown option '" + std::string(argv[optind - 1]) + "'");
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '" + std::string(argv[optind]) + "'");
    return std::nullopt;
}

} // namespace rolewall
