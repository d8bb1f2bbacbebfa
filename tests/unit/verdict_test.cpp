// The packet evaluator against layouts built from the fixture catalog (dc includes remote:
// kerberos 88/tcp+udp, rpc 135/tcp and the dynamic range, ssh 22/tcp; vpn: pptp 1723/tcp and
// gre). The same verdicts are checked against real traffic in tests/kernel.
#include "rolewall/verdict.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;
using test::fixture;
using test::fixture_layout;
using test::scope;

namespace {

Packet packet(const std::string &source, std::uint16_t port, const std::string &proto = "tcp",
              const std::string &interface = "lan0") {
    auto p = make_packet(source, port, proto, interface);
    INFO((p ? "" : p.error().message));
    REQUIRE(p);
    return *p;
}

std::string said(const Layout &l, const Packet &p) {
    Verdict v = evaluate(l, p);
    return std::string(action_name(v.action)) + " " + v.rule;
}

} // namespace

TEST_CASE("With no role enabled, a new connection meets the policy") {
    CHECK(said(fixture_layout({}), packet("192.0.2.7", 22)) == "drop policy drop");
    CHECK(said(fixture_layout({}, Policy::reject), packet("192.0.2.7", 22)) ==
          "reject policy reject");
    CHECK(said(fixture_layout({}, Policy::reject), packet("192.0.2.7", 0, "gre")) ==
          "reject policy reject");
}

TEST_CASE("The skeleton accepts loopback, essential ICMP, ping and the DHCPv6 client") {
    Layout l = fixture_layout({});
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "lo")) == "accept loopback");
    CHECK(said(l, packet("192.0.2.7", 3, "icmp")) == "accept essential ICMP");
    CHECK(said(l, packet("192.0.2.7", 8, "icmp")) == "accept ping, rate-limited");
    CHECK(said(l, packet("192.0.2.7", 13, "icmp")) == "drop policy drop"); // timestamp
    CHECK(said(l, packet("2001:db8::7", 135, "icmpv6")) ==
          "accept essential ICMPv6 and neighbour discovery");
    CHECK(said(l, packet("2001:db8::7", 128, "icmpv6")) == "accept ping6, rate-limited");
    CHECK(said(l, packet("2001:db8::7", 129, "icmpv6")) == "drop policy drop");
    Packet dhcp = packet("fe80::1", 546, "udp");
    CHECK(said(l, dhcp) == "drop policy drop"); // to the host's global address
    dhcp.destination = *Cidr::parse("fe80::2");
    CHECK(said(l, dhcp) == "accept DHCPv6 client");
    dhcp.destination = *Cidr::parse("2001:db8::1");
    CHECK(said(l, dhcp) == "drop policy drop");
}

TEST_CASE("An unscoped role accepts its ports and protocols from anywhere, on any interface") {
    Layout l = fixture_layout({{"vpn", {}}});
    CHECK(said(l, packet("192.0.2.7", 1723)) == "accept role vpn");
    CHECK(evaluate(l, packet("192.0.2.7", 1723)).role == "vpn");
    CHECK(said(l, packet("2001:db8::7", 1723, "tcp", "")) == "accept role vpn");
    CHECK(said(l, packet("198.51.100.3", 0, "gre", "wan0")) == "accept role vpn");
    CHECK(said(l, packet("192.0.2.7", 1723, "udp")) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 1724)) == "drop policy drop");
    CHECK(evaluate(l, packet("192.0.2.7", 1724)).role.empty());
}

TEST_CASE("Included roles and named ranges count as the role's own ports") {
    Layout l = fixture_layout({{"dc", {}}});
    for (std::uint16_t port : {std::uint16_t(22), std::uint16_t(88), std::uint16_t(135),
                               std::uint16_t(49152), std::uint16_t(65535)})
        CHECK(said(l, packet("192.0.2.7", port)) == "accept role dc");
    CHECK(said(l, packet("192.0.2.7", 88, "udp")) == "accept role dc");
    CHECK(said(l, packet("192.0.2.7", 49151)) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 135, "udp")) == "drop policy drop");
}

TEST_CASE("An interface-scoped role accepts only on its interfaces and patterns") {
    Layout l = fixture_layout({{"remote", scope({"lan0", "vlan*"}, {})}});
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "lan0")) == "accept role remote");
    CHECK(said(l, packet("2001:db8::7", 22, "tcp", "vlan12")) == "accept role remote");
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "vlan")) == "accept role remote");
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "lan01")) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "wan0")) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "")) == "drop policy drop");
}

TEST_CASE("A source-scoped role accepts only from its networks, per address family") {
    Layout l = fixture_layout({{"remote", scope({}, {"198.51.100.0/24", "2001:db8:2::/64"})}});
    CHECK(said(l, packet("198.51.100.200", 22)) == "accept role remote");
    CHECK(said(l, packet("2001:db8:2::9", 22)) == "accept role remote");
    CHECK(said(l, packet("::ffff:198.51.100.200", 22)) == "accept role remote");
    CHECK(said(l, packet("198.51.101.1", 22)) == "drop policy drop");
    CHECK(said(l, packet("2001:db8:3::9", 22)) == "drop policy drop");
    Layout v4only = fixture_layout({{"remote", scope({}, {"198.51.100.0/24"})}});
    CHECK(said(v4only, packet("2001:db8:2::9", 22)) == "drop policy drop");
}

TEST_CASE("The first role in the dispatch order that accepts names the verdict") {
    Layout l = fixture_layout({{"dc", scope({"lan0"}, {})}, {"remote", {}}});
    CHECK(evaluate(l, packet("192.0.2.7", 22, "tcp", "lan0")).role == "dc");
    CHECK(evaluate(l, packet("192.0.2.7", 22, "tcp", "wan0")).role == "remote");
    CHECK(role_accepts(l, "remote", packet("192.0.2.7", 22, "tcp", "lan0")));
    CHECK_FALSE(role_accepts(l, "vpn", packet("192.0.2.7", 1723)));
}

TEST_CASE("Packets are refused with the field that is wrong") {
    auto error = [](const std::string &src, std::uint16_t port, const std::string &proto,
                    const std::string &ifname) {
        auto p = make_packet(src, port, proto, ifname);
        REQUIRE_FALSE(p);
        CHECK(p.error().code == Errc::invalid_argument);
        return p.error().message;
    };
    CHECK(error("192.0.2.0/24", 22, "tcp", "").rfind("source: ", 0) == 0);
    CHECK(error("example.org", 22, "tcp", "").rfind("source: ", 0) == 0);
    CHECK(error("192.0.2.7", 0, "tcp", "").rfind("port: ", 0) == 0);
    CHECK(error("192.0.2.7", 300, "icmp", "").rfind("port: ", 0) == 0);
    CHECK(error("192.0.2.7", 5, "gre", "").rfind("port: ", 0) == 0);
    CHECK(error("192.0.2.7", 22, "sctpx", "").rfind("protocol: ", 0) == 0);
    CHECK(error("192.0.2.7", 8, "icmpv6", "").rfind("protocol: ", 0) == 0);
    CHECK(error("192.0.2.7", 22, "tcp", "lan*").rfind("interface: ", 0) == 0);
    CHECK(error("192.0.2.7", 22, "tcp", "a/b").rfind("interface: ", 0) == 0);
}

TEST_CASE("Protocols are named as rolewallctl and D-Bus take them") {
    CHECK(parse_protocol("tcp") == ipproto_tcp);
    CHECK(parse_protocol("ipv6-icmp") == ipproto_icmpv6);
    CHECK(parse_protocol("gre") == 47);
    CHECK(parse_protocol("253") == 253);
    CHECK_FALSE(parse_protocol("256"));
    CHECK_FALSE(parse_protocol(""));
    CHECK(protocol_name(47) == "gre");
    CHECK(protocol_name(253) == "253");
    CHECK(packet_str(packet("2001:db8::7", 445, "tcp", "lan0")) ==
          "445/tcp from 2001:db8::7 on lan0");
    CHECK(packet_str(packet("192.0.2.7", 0, "gre", "")) == "gre from 192.0.2.7");
}

TEST_CASE("The roles that use a port, and those that would accept the packet with a scope") {
    RangeValues ranges = default_range_values();
    Packet ssh = packet("192.0.2.7", 22, "tcp", "lan0");
    CHECK(roles_for_packet(fixture(), ranges, ssh) == std::vector<std::string>{"dc", "remote"});
    CHECK(roles_for_packet(fixture(), ranges, packet("192.0.2.7", 0, "gre")) ==
          std::vector<std::string>{"vpn"});
    CHECK(roles_for_packet(fixture(), ranges, packet("192.0.2.7", 9)).empty());
    std::map<std::string, Scope> candidates = {{"dc", scope({"wan0"}, {})},
                                               {"remote", scope({}, {"192.0.2.0/24"})}};
    CHECK(roles_accepting(fixture(), ranges, candidates, ssh) ==
          std::vector<std::string>{"remote"});
    ranges["rpc_dynamic_ports"] = {1025, 5000};
    CHECK(roles_for_packet(fixture(), ranges, packet("192.0.2.7", 1030)) ==
          std::vector<std::string>{"dc"});
}

TEST_CASE("The fail-safe table accepts TCP 22 from anywhere and nothing of the roles") {
    Layout l = failsafe_layout();
    CHECK(said(l, packet("192.0.2.7", 22, "tcp", "wan0")) == "accept fail-safe: SSH");
    CHECK(said(l, packet("2001:db8::7", 22, "tcp", "")) == "accept fail-safe: SSH");
    CHECK(said(l, packet("192.0.2.7", 22, "udp")) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 80)) == "drop policy drop");
    CHECK(said(l, packet("192.0.2.7", 8, "icmp")) == "accept ping, rate-limited");
}

TEST_CASE("The roles that open a port, and their scope as the sets hold it") {
    Layout l = fixture_layout(
        {{"dc", scope({"lan0", "vlan*"}, {"192.0.2.0/24", "2001:db8::/32"})}, {"remote", {}}});
    CHECK(roles_opening(l, ipproto_tcp, 22) == std::vector<std::string>{"dc", "remote"});
    CHECK(roles_opening(l, ipproto_tcp, 88) == std::vector<std::string>{"dc"});
    CHECK(roles_opening(l, ipproto_udp, 22).empty());
    CHECK(roles_opening(l, 47, 0).empty()); // vpn's gre: vpn is not enabled
    SetScope dc = set_scope(l, "dc");
    CHECK_FALSE(dc.any_interface);
    CHECK(dc.interfaces == std::vector<std::string>{"lan0", "vlan*"});
    CHECK(scope_str(dc) == "on lan0, vlan*; from 192.0.2.0/24, 2001:db8::/32");
    CHECK(scope_str(set_scope(l, "remote")) == "anywhere");
    // Read back from a kernel: the same sets give the same answers.
    Layout read = layout_from_sets(l.sets, Policy::reject);
    CHECK(read.policy == Policy::reject);
    CHECK(read.roles.size() == l.roles.size());
    CHECK(roles_opening(read, ipproto_tcp, 22) == std::vector<std::string>{"dc", "remote"});
}
