// A table changed while no process owns it (the daemon stopped or killed, the table left in
// place) is read back by the next backend's first apply, the change named, the table replaced
// in one transaction; real packets prove the port is closed again.
#include "backend_util.hpp"
#include "kernel/nft_backend.hpp"
#include "kernel_util.hpp"
#include "traffic.hpp"

#include <catch2/catch.hpp>
#include <optional>

using namespace rolewall;
using namespace testns;

namespace {

constexpr int timeout_ms = 300;
constexpr std::uint16_t web_tcp = 8080;   // role "web": anywhere
constexpr std::uint16_t admin_tcp = 2222; // role "admin": from the WAN network only
constexpr std::uint16_t closed_tcp = 80;  // listening, opened by no role

Layout layout() {
    RoleSpec admin, web;
    admin.id = "admin";
    admin.tcp = {{admin_tcp, admin_tcp, "ssh"}};
    admin.sources = {"198.51.100.0/24", "2001:db8:2::/64"};
    web.id = "web";
    web.tcp = {{web_tcp, web_tcp, "http"}};
    return make_layout({admin, web});
}

struct Tamper {
    const char *what;
    std::vector<std::string> script; // nft arguments, or one nft -f script
    bool script_is_file;
    const char *difference; // the start of a difference the backend must name
    bool opens_closed;      // the change opens closed_tcp (or admin_tcp from the LAN)
};

// The nft -f script that declares web_anyif with the interval flag: the set and the rule that
// looks it up go and come back in one transaction.
std::string anyif_with_interval_flag() {
    long long rule =
        handles().at("rule roles: meta nfproto @web_anyif jump role-web comment \"web\"");
    return "delete rule inet rolewall roles handle " + std::to_string(rule) +
           "\n"
           "delete set inet rolewall web_anyif\n"
           "add set inet rolewall web_anyif { type nf_proto; flags interval; "
           "elements = { ipv4, ipv6 }; }\n"
           "add rule inet rolewall roles meta nfproto @web_anyif jump role-web comment \"web\"\n";
}

void apply_tamper(const Tamper &t) {
    Run r = t.script_is_file
                ? nft_script(t.script.empty() ? anyif_with_interval_flag() : t.script.front())
                : nft(t.script);
    INFO(r.out);
    REQUIRE(r.status == 0);
}

// LAN client: web only; WAN client: web and admin; nobody: closed_tcp.
void check_traffic(const Hosts &h) {
    for (bool v6 : {false, true}) {
        std::string lan = h.gw_address(h.lan, v6), wan = h.gw_address(h.wan, v6);
        INFO((v6 ? "IPv6" : "IPv4"));
        CHECK(tcp_connects(h.lan, lan, web_tcp, timeout_ms));
        CHECK_FALSE(tcp_connects(h.lan, lan, admin_tcp, timeout_ms));
        CHECK_FALSE(tcp_connects(h.lan, lan, closed_tcp, timeout_ms));
        CHECK(tcp_connects(h.wan, wan, web_tcp, timeout_ms));
        CHECK(tcp_connects(h.wan, wan, admin_tcp, timeout_ms));
        CHECK_FALSE(tcp_connects(h.wan, wan, closed_tcp, timeout_ms));
    }
}

// The gateway with its servers, and the layout applied by a backend that is gone again: the
// table stays, owned by nobody (persist() false when the kernel has no persist flag).
struct Orphaned {
    Hosts hosts;
    std::optional<InNetns> in_gw;
    std::optional<Servers> servers;
    bool persist = false;
    Orphaned() {
        INFO(hosts.error());
        REQUIRE(hosts.ok());
        in_gw.emplace(hosts.gw);
        servers.emplace(std::vector<std::uint16_t>{web_tcp, admin_tcp, closed_tcp},
                        std::vector<std::uint16_t>{}, std::vector<std::uint8_t>{});
        auto first = open_backend();
        persist = first->table_flags() != 0;
        if (persist) apply_ok(*first, layout());
    }
};

} // namespace

TEST_CASE("A table changed while no process owned it is repaired by the next backend") {
    const Tamper tamper = GENERATE(
        Tamper{"an extra accept rule",
               {"insert", "rule", "inet", "rolewall", "input", "tcp", "dport", "80", "accept"},
               false,
               "chain input: extra rule",
               true},
        Tamper{"policy accept",
               {"chain inet rolewall input { policy accept; }"},
               true,
               "chain input: policy accept, expected drop",
               false},
        Tamper{"an added element",
               {"add", "element", "inet", "rolewall", "admin_v4", "{ 192.0.2.0/24 }"},
               false,
               "set admin_v4: extra element 192.0.2.0/24",
               true},
        Tamper{
            "a changed set flag", {}, true, "set web_anyif: flags interval, expected none", false},
        Tamper{"an extra chain",
               {"add", "chain", "inet", "rolewall", "sneaky"},
               false,
               "extra chain sneaky",
               false},
        Tamper{"an extra set",
               {"add", "set", "inet", "rolewall", "sneaky", "{ type ipv4_addr; }"},
               false,
               "extra set sneaky",
               false});
    INFO("tamper: " << tamper.what);
    Orphaned o;
    if (!o.persist) return; // without persist, no table outlives its process
    const Hosts &hosts = o.hosts;
    apply_tamper(tamper);
    if (tamper.opens_closed)
        CHECK(
            (tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, false), closed_tcp, timeout_ms) ||
             tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, false), admin_tcp, timeout_ms)));

    auto next = open_backend();
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*next, layout());
    CHECK(r.kind == ApplyReport::Kind::replaced);
    CHECK(generation() == gen + 1); // one transaction: never open or closed in between
    INFO(Catch::Detail::stringify(r.differences));
    CHECK(std::any_of(r.differences.begin(), r.differences.end(),
                      [&](const std::string &d) { return d.rfind(tamper.difference, 0) == 0; }));
    CHECK(next->verify(layout()).value().matches);
    CHECK(table_text() == rendered(layout()));
    check_traffic(hosts);
}

TEST_CASE("A table left as the backend made it is taken over without a change") {
    Orphaned o;
    if (!o.persist) return;
    auto before = handles();
    auto next = open_backend();
    ApplyReport r = apply_ok(*next, layout());
    CHECK(r.kind == ApplyReport::Kind::unchanged);
    CHECK(r.messages == 1); // the table taken over
    CHECK(r.differences.empty());
    CHECK(handles() == before);
    check_traffic(o.hosts);
}
