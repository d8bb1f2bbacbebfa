// audit: every listening TCP and UDP socket of the host with the firewall's verdict for it
// (accepted by which role and scope, or what drops it) and the catalog roles that would open
// it; then the ports enabled roles open where nothing listens. It looks at the daemon's network
// namespace and the layout the daemon applies; without the daemon, at the kernel's table.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "kernel/nft_backend.hpp"
#include "listeners.hpp"
#include "output.hpp"
#include "rolewall/verdict.hpp"

#include <cstdio>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

struct View {
    Layout layout;
    std::string from; // what the layout was read from, for the reader
    bool table = true;
};

// Enters the network namespace of process `pid` when it is not ours: the daemon's sockets
// and routes are there. Says why when it cannot.
void enter_netns_of(std::uint32_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    struct stat theirs {
    }, ours{};
    if (stat(path.c_str(), &theirs) != 0 || stat("/proc/self/ns/net", &ours) != 0) return;
    if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) return;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
        std::fprintf(stderr, "rolewallctl: warning: cannot enter rolewalld's network namespace "
                             "(run as root); auditing this one\n");
    if (fd >= 0) close(fd);
}

// The layout the daemon applies, rebuilt from its enabled roles with this host's catalog and
// config; nullopt when the daemon is not on the bus.
std::optional<View> from_daemon(const Catalog &catalog, const Config &config) {
    try {
        auto connection = sdbus::createSystemBusConnection();
        Client c(*connection);
        std::map<std::string, Scope> enabled;
        for (const auto &r : c.ListEnabled()) {
            Scope &s = enabled[r.get<0>()];
            s.interfaces = r.get<2>();
            for (const auto &src : r.get<3>())
                if (auto cidr = Cidr::parse(src)) s.sources.push_back(*cidr);
        }
        std::uint32_t pid = 0;
        sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")
            ->callMethod("GetConnectionUnixProcessID")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(bus::service_name))
            .storeResultsTo(pid);
        enter_netns_of(pid);
        return View{config_layout(catalog, config, enabled),
                    "rolewalld (pid " + std::to_string(pid) + ")"};
    } catch (const sdbus::Error &) {
        return std::nullopt;
    }
}

Result<View> from_kernel(const Config &config) {
    auto backend = make_nft_backend();
    if (!backend) return backend.error();
    auto sets = (*backend)->read();
    if (!sets) return sets.error();
    View v{layout_from_sets(std::move(*sets), config.policy),
           "the kernel's table inet rolewall (rolewalld is not running)"};
    v.table = !v.layout.sets.empty();
    if (!v.table)
        v.from = "the kernel, which has no table inet rolewall (rolewalld is not running): "
                 "rolewall filters nothing";
    return v;
}

struct Row {
    const Listener *socket;
    Verdict verdict;
    std::vector<std::string> accepted_by; // "ssh (anywhere)"
    std::vector<std::string> roles;       // catalog roles that would open it
};

Row judge(const View &v, const Catalog &catalog, const RangeValues &ranges, const Listener &l) {
    Row row{&l, {}, {}, {}};
    Packet p;
    p.protocol = l.protocol;
    p.port = l.port;
    p.source = *Cidr::parse(l.v6 ? "2001:db8::1" : "192.0.2.1"); // any source will do
    if (l.v6) p.destination = *Cidr::parse("fe80::1"); // so the DHCPv6 client rule can match
    row.roles = roles_for_packet(catalog, ranges, p);
    if (l.loopback_only()) {
        row.verdict = {Verdict::Action::accept, {}, "bound to loopback: local only"};
        return row;
    }
    if (!v.table) {
        row.verdict = {Verdict::Action::accept, {}, "no rolewall table"};
        return row;
    }
    for (const auto &r : roles_opening(v.layout, l.protocol, l.port))
        row.accepted_by.push_back(r + " (" + scope_str(set_scope(v.layout, r)) + ")");
    if (!row.accepted_by.empty())
        row.verdict = {Verdict::Action::accept, row.accepted_by.front(), "role"};
    else
        row.verdict = evaluate(v.layout, p); // the skeleton or the policy
    return row;
}

// Ports an enabled role opens (single ports, not ranges) where nothing listens from outside.
std::vector<std::pair<std::string, std::string>> unused(const View &v,
                                                        const std::vector<Listener> &ls) {
    std::vector<std::pair<std::string, std::string>> out; // role, "389/tcp"
    for (const RoleChain &r : v.layout.roles) {
        for (auto [suffix, protocol] :
             {std::pair{"_tcp", ipproto_tcp}, std::pair{"_udp", ipproto_udp}}) {
            const SetContent *s = v.layout.set(r.role + suffix);
            if (!s) continue;
            const std::uint8_t proto = protocol; // a lambda may not capture a structured binding
            for (const auto &e : s->elements) {
                if (e.lo != e.hi) continue;
                std::uint16_t port = std::uint16_t(e.lo[0] << 8 | e.lo[1]);
                bool heard = std::any_of(ls.begin(), ls.end(), [&](const Listener &l) {
                    return l.protocol == proto && l.port == port && !l.loopback_only();
                });
                if (!heard)
                    out.emplace_back(r.role, std::to_string(port) + "/" + protocol_name(proto));
            }
        }
    }
    return out;
}

std::string join(const std::vector<std::string> &v, const char *none = "") {
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? none : out;
}

void print_text(const View &v, const std::vector<Row> &rows,
                const std::vector<std::pair<std::string, std::string>> &idle) {
    std::printf("Ruleset: %s\n\n", v.from.c_str());
    TextTable t({"PROTO", "PORT", "ADDRESS", "PROCESS", "VERDICT", "ROLES THAT OPEN IT"});
    for (const auto &r : rows) {
        const Listener &l = *r.socket;
        std::string verdict = r.accepted_by.empty() ? std::string(action_name(r.verdict.action)) +
                                                          " (" + r.verdict.rule + ")"
                                                    : "accept: " + join(r.accepted_by);
        std::string proc = l.process.empty() ? "?" : l.process + " (" + std::to_string(l.pid) + ")";
        t.row({protocol_name(l.protocol), std::to_string(l.port), l.address, proc, verdict,
               join(r.roles, "-")});
    }
    print(t.str());
    std::printf("\nOpened by an enabled role, nothing listening:%s\n", idle.empty() ? " none" : "");
    for (const auto &[role, port] : idle)
        std::printf("  %s %s\n", role.c_str(), port.c_str());
}

void print_json_audit(const View &v, const std::vector<Row> &rows,
                      const std::vector<std::pair<std::string, std::string>> &idle) {
    Json sockets = Json::array(), unused_ports = Json::array();
    for (const auto &r : rows) {
        const Listener &l = *r.socket;
        sockets.push_back({{"protocol", protocol_name(l.protocol)},
                           {"port", l.port},
                           {"address", l.address},
                           {"process", l.process},
                           {"pid", l.pid},
                           {"verdict", action_name(r.verdict.action)},
                           {"rule", r.verdict.rule},
                           {"accepted_by", r.accepted_by},
                           {"roles", r.roles}});
    }
    for (const auto &[role, port] : idle)
        unused_ports.push_back({{"role", role}, {"port", port}});
    print_json({{"ruleset", v.from}, {"sockets", sockets}, {"unused", unused_ports}});
}

} // namespace

int verb_audit(const Options &o) {
    auto catalog = load_catalog(o);
    if (!catalog) return report(catalog.error());
    auto loaded = Config::load(config_path(o), *catalog);
    Config config = loaded ? *loaded : Config{}; // the ranges and policy, when readable
    std::optional<View> view = from_daemon(*catalog, config);
    if (!view) {
        auto k = from_kernel(config);
        if (!k) return report(k.error());
        view = std::move(*k);
    }
    auto listeners = listening_sockets();
    if (!listeners) return report(listeners.error());
    std::vector<Row> rows;
    for (const auto &l : *listeners)
        rows.push_back(judge(*view, *catalog, config.ranges, l));
    auto idle = unused(*view, *listeners);
    if (o.json)
        print_json_audit(*view, rows, idle);
    else
        print_text(*view, rows, idle);
    return exit_ok;
}

} // namespace rolewall::ctl
