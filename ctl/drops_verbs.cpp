// drops: what the policy dropped lately (ListDrops), busiest first, with the roles that would
// open each; --follow prints new and renewed drops as they come; --since DURATION looks back.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "output.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

namespace rolewall::ctl {

namespace {

using Drop = std::map<std::string, sdbus::Variant>;

template <typename T> T value(const Drop &d, const char *key) {
    auto it = d.find(key);
    return it != d.end() && it->second.containsValueOfType<T>() ? it->second.get<T>() : T{};
}

std::uint64_t now_usec() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

std::string joined(const std::vector<std::string> &v, const char *empty) {
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? empty : out;
}

std::string port_str(const Drop &d) {
    auto proto = value<std::string>(d, "protocol");
    auto port = value<std::uint16_t>(d, "port");
    if (proto == "icmp" || proto == "icmpv6") return proto + " type " + std::to_string(port);
    return port ? std::to_string(port) + "/" + proto : proto;
}

Json drop_json(const Drop &d) {
    return {{"interface", value<std::string>(d, "interface")},
            {"protocol", value<std::string>(d, "protocol")},
            {"port", value<std::uint16_t>(d, "port")},
            {"source", value<std::string>(d, "source")},
            {"packets", value<std::uint64_t>(d, "packets")},
            {"first_seen", value<std::uint64_t>(d, "first_seen")},
            {"last_seen", value<std::uint64_t>(d, "last_seen")},
            {"services", value<std::vector<std::string>>(d, "services")},
            {"roles", value<std::vector<std::string>>(d, "roles")},
            {"would_accept", value<std::vector<std::string>>(d, "would_accept")}};
}

void print_table(const std::vector<Drop> &drops) {
    if (drops.empty()) {
        print("Nothing dropped lately.\n");
        return;
    }
    TextTable t({"PORT", "SOURCE", "INTERFACE", "PACKETS", "LAST", "WOULD OPEN IT"});
    for (const auto &d : drops) {
        auto roles = value<std::vector<std::string>>(d, "roles");
        auto would = value<std::vector<std::string>>(d, "would_accept");
        std::string open = joined(would, roles.empty() ? "-" : "");
        if (would.empty() && !roles.empty())
            open = "(" + joined(roles, "") + ": not with their scope)";
        t.row(
            {port_str(d), value<std::string>(d, "source"),
             value<std::string>(d, "interface").empty() ? "-" : value<std::string>(d, "interface"),
             std::to_string(value<std::uint64_t>(d, "packets")),
             local_time(value<std::uint64_t>(d, "last_seen")), open});
    }
    print(t.str());
    print("\n`rolewallctl explain SOURCE PORT/PROTO` tells the command that would open one.\n");
}

// One line per drop seen again or anew: JSON Lines with --json.
void print_follow(const Drop &d, bool json) {
    if (json) {
        std::printf("%s\n", drop_json(d).dump().c_str());
    } else {
        auto would = value<std::vector<std::string>>(d, "would_accept");
        std::printf("%s  %s from %s%s  %llu packets%s\n",
                    local_time(value<std::uint64_t>(d, "last_seen")).c_str(), port_str(d).c_str(),
                    value<std::string>(d, "source").c_str(),
                    value<std::string>(d, "interface").empty()
                        ? ""
                        : (" on " + value<std::string>(d, "interface")).c_str(),
                    static_cast<unsigned long long>(value<std::uint64_t>(d, "packets")),
                    would.empty() ? "" : ("  " + joined(would, "") + " would open it").c_str());
    }
    std::fflush(stdout);
}

int follow(Client &c, std::uint64_t since, bool json) {
    std::map<std::string, std::uint64_t> shown; // key -> last_seen printed
    for (;;) {
        std::map<std::string, sdbus::Variant> options{{"since", sdbus::Variant(since)}};
        auto drops = c.ListDrops(options);
        for (auto it = drops.rbegin(); it != drops.rend(); ++it) { // quietest first
            auto key = port_str(*it) + " " + value<std::string>(*it, "source") + " " +
                       value<std::string>(*it, "interface");
            auto last = value<std::uint64_t>(*it, "last_seen");
            if (shown[key] == last) continue;
            shown[key] = last;
            print_follow(*it, json);
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

} // namespace

// "90", "90s", "15m", "2h", "1d" -> microseconds.
std::uint64_t parse_duration(const std::string &text) {
    std::size_t end = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(text, &end);
    } catch (const std::exception &) {
        end = 0;
    }
    std::string unit = text.substr(end);
    static const std::map<std::string, std::uint64_t> units = {
        {"", 1}, {"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400}};
    auto u = units.find(unit);
    if (end == 0 || text[0] == '-' || u == units.end() || n > 100ull * 365 * 86400)
        throw UsageError{"'" + text + "' is not a duration (90s, 15m, 2h, 1d)"};
    return n * u->second * 1000000u;
}

int verb_drops(const Options &o) {
    std::uint64_t since = 0;
    if (!o.since.empty()) {
        std::uint64_t back = parse_duration(o.since), now = now_usec();
        since = back < now ? now - back : 0;
    }
    return with_daemon([&](Client &c) -> int {
        if (o.follow) return follow(c, since ? since : now_usec(), o.json);
        std::map<std::string, sdbus::Variant> options;
        if (since) options["since"] = sdbus::Variant(since);
        auto drops = c.ListDrops(options);
        if (o.json) {
            Json list = Json::array();
            for (const auto &d : drops)
                list.push_back(drop_json(d));
            print_json({{"drops", list}});
        } else {
            print_table(drops);
        }
        return exit_ok;
    });
}

} // namespace rolewall::ctl
