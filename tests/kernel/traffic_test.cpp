// Real packets through the firewall: a gateway namespace runs the backend, clients on its LAN
// and WAN sides try TCP, UDP and a bare IP protocol, IPv4 and IPv6, after each change.
#include "kernel/nft_backend.hpp"
#include "kernel_util.hpp"
#include "traffic.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;
using namespace testns;

namespace {

// Long enough for a SYN and its answer between namespaces, short enough for a matrix of
// blocked probes.
constexpr int timeout_ms = 300;

constexpr std::uint16_t lanweb_tcp = 8080, lanweb_udp = 5353;
constexpr std::uint16_t sourced_tcp = 2222, sourced_udp = 6000;
constexpr std::uint16_t open_tcp = 9090, open_udp = 7000;
constexpr std::uint16_t closed_tcp = 1234, closed_udp = 1235; // listening, opened by no role
constexpr std::uint8_t open_proto = 253;                      // RFC 3692 experimentation

struct Roles {
    std::vector<std::string> lanweb_interfaces{"lan0"};
    std::vector<std::string> sourced_sources{"198.51.100.0/24", "2001:db8:2::/64"};
    bool open_enabled = true;
};

Layout layout_for(const Roles &r) {
    RoleSpec lanweb, sourced, open;
    lanweb.id = "lanweb";
    lanweb.tcp = {{lanweb_tcp, lanweb_tcp, "web"}};
    lanweb.udp = {{lanweb_udp, lanweb_udp, "mdns"}};
    lanweb.interfaces = r.lanweb_interfaces;
    sourced.id = "sourced";
    sourced.tcp = {{sourced_tcp, sourced_tcp, "ssh"}};
    sourced.udp = {{sourced_udp, sourced_udp, "syslog"}};
    sourced.sources = r.sourced_sources;
    open.id = "open";
    open.tcp = {{open_tcp, open_tcp, "app"}};
    open.udp = {{open_udp, open_udp, "app"}};
    open.protos = {{open_proto, "experiment"}};
    open.enabled = r.open_enabled;
    return make_layout({lanweb, sourced, open});
}

// What each client may reach: port -> accepted.
struct Expect {
    bool lanweb, sourced, open;
};

void check_matrix(const Hosts &h, const Servers &servers, const std::string &client,
                  const Expect &e) {
    for (bool v6 : {false, true}) {
        std::string gw = h.gw_address(client, v6);
        auto probe = [&](const char *what, bool got, bool want) {
            INFO(client << " -> " << gw << " " << what);
            CHECK(got == want);
        };
        probe("tcp lanweb", tcp_connects(client, gw, lanweb_tcp, timeout_ms), e.lanweb);
        probe("udp lanweb", udp_echoes(client, gw, lanweb_udp, timeout_ms), e.lanweb);
        probe("tcp sourced", tcp_connects(client, gw, sourced_tcp, timeout_ms), e.sourced);
        probe("udp sourced", udp_echoes(client, gw, sourced_udp, timeout_ms), e.sourced);
        probe("tcp open", tcp_connects(client, gw, open_tcp, timeout_ms), e.open);
        probe("udp open", udp_echoes(client, gw, open_udp, timeout_ms), e.open);
        probe("proto 253 open", raw_arrives(client, gw, open_proto, servers, timeout_ms), e.open);
        probe("tcp closed", tcp_connects(client, gw, closed_tcp, timeout_ms), false);
        probe("udp closed", udp_echoes(client, gw, closed_udp, timeout_ms), false);
    }
}

} // namespace

TEST_CASE("Traffic reaches exactly the ports of enabled roles, within their scope") {
    Hosts hosts;
    INFO(hosts.error());
    REQUIRE(hosts.ok());
    InNetns in_gw(hosts.gw); // the backend's socket and the servers live in the gateway
    Servers servers({lanweb_tcp, sourced_tcp, open_tcp, closed_tcp},
                    {lanweb_udp, sourced_udp, open_udp, closed_udp}, {open_proto});
    auto backend = NftBackend::open();
    REQUIRE(backend.ok());

    Roles roles;
    REQUIRE((*backend)->apply(layout_for(roles), ApplyHint::everything()).ok());
    SECTION("as applied: lanweb on lan0, sourced from the WAN networks, open to all") {
        check_matrix(hosts, servers, hosts.lan, {true, false, true});
        check_matrix(hosts, servers, hosts.wan, {false, true, true});
    }
    SECTION("after disabling the open role") {
        roles.open_enabled = false;
        auto r = (*backend)->apply(layout_for(roles), ApplyHint::everything());
        REQUIRE(r.ok());
        CHECK(r->kind == ApplyReport::Kind::elements);
        check_matrix(hosts, servers, hosts.lan, {true, false, false});
        check_matrix(hosts, servers, hosts.wan, {false, true, false});
    }
    SECTION("after re-scoping: lanweb to wan0, sourced to the LAN networks") {
        roles.lanweb_interfaces = {"wan*"};
        roles.sourced_sources = {"192.0.2.0/24", "2001:db8:1::/64"};
        auto r = (*backend)->apply(layout_for(roles), ApplyHint::everything());
        REQUIRE(r.ok());
        CHECK(r->kind == ApplyReport::Kind::elements);
        check_matrix(hosts, servers, hosts.lan, {false, true, true});
        check_matrix(hosts, servers, hosts.wan, {true, false, true});
    }
    SECTION("with lanweb unscoped and sourced from one host only") {
        roles.lanweb_interfaces = {};
        roles.sourced_sources = {"198.51.100.2", "2001:db8:2::2"};
        REQUIRE((*backend)->apply(layout_for(roles), ApplyHint::everything()).ok());
        check_matrix(hosts, servers, hosts.lan, {true, false, true});
        check_matrix(hosts, servers, hosts.wan, {true, true, true});
    }
}

TEST_CASE("With the fail-safe table, SSH connects and nothing else does") {
    Hosts hosts;
    INFO(hosts.error());
    REQUIRE(hosts.ok());
    InNetns in_gw(hosts.gw);
    constexpr std::uint16_t ssh = 22, web = 80, dns = 53;
    Servers servers({ssh, web}, {dns}, {open_proto});
    auto backend = NftBackend::open();
    REQUIRE(backend.ok());
    REQUIRE((*backend)->apply(failsafe_layout(), ApplyHint::everything()).ok());
    for (const std::string &client : {hosts.lan, hosts.wan}) {
        for (bool v6 : {false, true}) {
            std::string gw = hosts.gw_address(client, v6);
            INFO(client << " -> " << gw);
            CHECK(tcp_connects(client, gw, ssh, timeout_ms));
            CHECK_FALSE(tcp_connects(client, gw, web, timeout_ms));
            CHECK_FALSE(udp_echoes(client, gw, dns, timeout_ms));
            CHECK_FALSE(raw_arrives(client, gw, open_proto, servers, timeout_ms));
        }
    }
}
