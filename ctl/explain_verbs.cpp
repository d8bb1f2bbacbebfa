// explain: would a new connection be accepted, by which role, and what would open it. The
// daemon evaluates it (Explain) on the layout it has applied.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "output.hpp"
#include "rolewall/verdict.hpp"

#include <charconv>
#include <cstdio>

namespace rolewall::ctl {

namespace {

struct Target {
    std::uint16_t port = 0;
    std::string protocol = "tcp";
};

// "445", "445/tcp", "53/udp", "8/icmp", "gre", "0/gre".
Target parse_target(const std::string &text) {
    Target t;
    auto slash = text.find('/');
    std::string port = text.substr(0, slash);
    if (slash != std::string::npos) t.protocol = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec == std::errc() && end == port.data() + port.size() && value <= 65535) {
        t.port = static_cast<std::uint16_t>(value);
        return t;
    }
    if (slash == std::string::npos && parse_protocol(port)) { // a bare protocol: "gre"
        t.protocol = port;
        return t;
    }
    throw UsageError{"'" + text + "' is not PORT[/PROTO] (445/tcp, 53/udp, 8/icmp) or a protocol"};
}

// "445/tcp", "icmp type 8", "gre".
std::string target_str(const Target &t) {
    if (t.protocol == "tcp" || t.protocol == "udp")
        return std::to_string(t.port) + "/" + t.protocol;
    if (t.protocol == "icmp" || t.protocol == "icmpv6")
        return t.protocol + " type " + std::to_string(t.port);
    return t.protocol;
}

template <typename T>
T get(const std::map<std::string, sdbus::Variant> &m, const char *key, T fallback = {}) {
    auto it = m.find(key);
    return it != m.end() ? it->second.get<T>() : fallback;
}

std::string list(const std::vector<std::string> &v) {
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

void print_explanation(const std::string &what, const std::map<std::string, sdbus::Variant> &v,
                       bool json) {
    auto verdict = get<std::string>(v, "verdict");
    auto role = get<std::string>(v, "role");
    auto roles = get<std::vector<std::string>>(v, "roles");
    auto would = get<std::vector<std::string>>(v, "would_accept");
    auto commands = get<std::vector<std::string>>(v, "commands");
    if (json) {
        print_json({{"packet", what},
                    {"interface", get<std::string>(v, "interface")},
                    {"verdict", verdict},
                    {"role", role},
                    {"rule", get<std::string>(v, "rule")},
                    {"roles", roles},
                    {"would_accept", would},
                    {"commands", commands}});
        return;
    }
    std::string on = get<std::string>(v, "interface");
    std::printf("%s%s: %s (%s)\n", what.c_str(), on.empty() ? "" : (" on " + on).c_str(),
                verdict == "accept" ? "accepted"
                : verdict == "drop" ? "dropped"
                                    : "rejected",
                get<std::string>(v, "rule").c_str());
    std::printf("Roles that use it: %s\n", list(roles).c_str());
    if (verdict == "accept") return;
    std::printf("Would accept it when enabled: %s\n", list(would).c_str());
    if (commands.empty()) return;
    std::printf("To open it:\n");
    for (const auto &c : commands)
        std::printf("  %s\n", c.c_str());
}

} // namespace

int verb_explain(const Options &o) {
    const std::string &source = o.args[0];
    Target t = parse_target(o.args[1]);
    if (o.interfaces.size() > 1) throw UsageError{"explain takes one --interface"};
    std::string interface = o.interfaces.empty() ? "" : o.interfaces.front();
    return with_daemon([&](Client &c) {
        auto v = c.Explain(source, t.port, t.protocol, interface);
        print_explanation(target_str(t) + " from " + source, v, o.json);
        return get<std::string>(v, "verdict") == "accept" ? exit_ok : exit_failed;
    });
}

} // namespace rolewall::ctl
