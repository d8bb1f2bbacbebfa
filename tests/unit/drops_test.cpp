// The table of recent drops and the parsing of dropped packets' headers (drops.hpp), with the
// fixture catalog (dc includes remote: kerberos 88, rpc 135, ssh 22; vpn: pptp 1723 and gre).
// The whole path with real packets is in tests/bus/drops_test.cpp.
#include "rolewall/drops.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;
using test::fixture;
using test::fixture_layout;
using test::scope;

namespace {

DropKey key(const std::string &source, std::uint16_t port, std::uint8_t proto = ipproto_tcp,
            const std::string &interface = "lan0") {
    auto c = Cidr::parse(source);
    REQUIRE(c);
    return DropKey{interface, proto, port, *c};
}

// An IPv4 header (20 bytes, no options) and the first 4 bytes of the transport header.
std::vector<std::uint8_t> ipv4(std::uint8_t proto, std::uint16_t port, std::uint16_t frag = 0) {
    std::vector<std::uint8_t> p(24, 0);
    p[0] = 0x45;
    p[6] = static_cast<std::uint8_t>(frag >> 8);
    p[7] = static_cast<std::uint8_t>(frag);
    p[9] = proto;
    std::uint8_t src[4] = {192, 0, 2, 7};
    std::copy(src, src + 4, p.begin() + 12);
    p[22] = static_cast<std::uint8_t>(port >> 8);
    p[23] = static_cast<std::uint8_t>(port);
    if (proto == ipproto_icmp) p[20] = static_cast<std::uint8_t>(port);
    return p;
}

} // namespace

TEST_CASE("The drop table counts per key and keeps the busiest first") {
    DropTable t(8);
    CHECK(t.record(key("192.0.2.7", 445), 100));
    CHECK_FALSE(t.record(key("192.0.2.7", 445), 200));
    CHECK(t.record(key("192.0.2.8", 445), 150));
    CHECK(t.record(key("192.0.2.7", 445, ipproto_udp), 160));
    CHECK(t.record(key("192.0.2.7", 445, ipproto_tcp, "lan1"), 170));
    auto all = t.list();
    REQUIRE(all.size() == 4);
    CHECK(all[0].key == key("192.0.2.7", 445));
    CHECK(all[0].packets == 2);
    CHECK(all[0].first_seen == 100);
    CHECK(all[0].last_seen == 200);
    // Equal counts: the most recent first.
    CHECK(all[1].key.interface == "lan1");
    CHECK(t.list(165).size() == 2);
    CHECK(t.list(0, 1).size() == 1);
}

TEST_CASE("A full drop table lets the key seen longest ago go") {
    DropTable t(3);
    t.record(key("192.0.2.1", 1), 10);
    t.record(key("192.0.2.2", 2), 20);
    t.record(key("192.0.2.3", 3), 30);
    t.record(key("192.0.2.1", 1), 40); // seen again: now the newest
    CHECK(t.record(key("192.0.2.4", 4), 50));
    CHECK(t.size() == 3);
    std::vector<std::uint16_t> ports;
    for (const auto &e : t.list())
        ports.push_back(e.key.port);
    std::sort(ports.begin(), ports.end());
    CHECK(ports == std::vector<std::uint16_t>{1, 3, 4}); // 2 went
    CHECK(DropTable().capacity() == drop_table_size);
}

TEST_CASE("Dropped IPv4 packets give their protocol, port and source") {
    auto k = drop_key("lan0", ipv4(ipproto_tcp, 445));
    REQUIRE(k);
    CHECK(*k == key("192.0.2.7", 445));
    CHECK(drop_key("lan0", ipv4(ipproto_udp, 137))->port == 137);
    CHECK(drop_key("lan0", ipv4(ipproto_icmp, 13))->port == 13);
    CHECK(drop_key("lan0", ipv4(47, 0))->protocol == 47);               // gre: no port
    CHECK(drop_key("lan0", ipv4(ipproto_tcp, 445, 0x0010))->port == 0); // not the first fragment
    auto cut = ipv4(ipproto_tcp, 445);
    cut.resize(21); // the transport header was not copied
    CHECK(drop_key("lan0", cut)->port == 0);
    CHECK_FALSE(drop_key("lan0", std::vector<std::uint8_t>(10, 0x45)));
    CHECK_FALSE(drop_key("lan0", std::vector<std::uint8_t>(40, 0x00)));
}

TEST_CASE("Dropped IPv6 packets skip extension headers to the port") {
    std::vector<std::uint8_t> p(40 + 8 + 4, 0);
    p[0] = 0x60;
    p[6] = 0; // hop-by-hop options, 8 bytes
    auto src = Cidr::parse("2001:db8::7");
    std::copy(src->addr.begin(), src->addr.end(), p.begin() + 8);
    p[40] = ipproto_udp; // next header
    p[41] = 0;           // (0 + 1) * 8 bytes
    p[50] = 0x01;        // port 445 = 0x01bd
    p[51] = 0xbd;
    auto k = drop_key("lan0", p);
    REQUIRE(k);
    CHECK(k->protocol == ipproto_udp);
    CHECK(k->port == 445);
    CHECK(k->source == *src);
}

TEST_CASE("A drop is explained with the services and roles that would open it") {
    Layout none = fixture_layout({});
    auto any = [](const std::string &) { return Scope{}; };
    DropInsight i =
        explain_drop(none, fixture(), default_range_values(), key("192.0.2.7", 88), any);
    CHECK(i.services == std::vector<std::string>{"kerberos"});
    CHECK(i.roles == std::vector<std::string>{"dc"});
    CHECK(i.would_accept == std::vector<std::string>{"dc"});
    CHECK(drop_line(key("192.0.2.7", 88), i) == "dropped 88/tcp from 192.0.2.7 on lan0: dc would "
                                                "open it");
    // dc kept to lan1 would not accept it on lan0.
    auto lan1 = [](const std::string &) { return scope({"lan1"}, {}); };
    i = explain_drop(none, fixture(), default_range_values(), key("192.0.2.7", 88), lan1);
    CHECK(i.would_accept.empty());
    CHECK(drop_line(key("192.0.2.7", 88), i).find("dc use the port, but not") != std::string::npos);
    i = explain_drop(none, fixture(), default_range_values(), key("192.0.2.7", 9), any);
    CHECK(drop_line(key("192.0.2.7", 9), i) ==
          "dropped 9/tcp from 192.0.2.7 on lan0: no catalog role uses it");
}

TEST_CASE("One explainer for many drops says what explain() says of each") {
    Layout none = fixture_layout({});
    // dc kept to lan0, every other role as enabling gives it (any)
    auto scope_of = [](const std::string &role) {
        return role == "dc" ? scope({"lan0"}, {}) : Scope{};
    };
    const RangeValues ranges = default_range_values();
    DropExplainer many(fixture(), ranges, scope_of);
    for (const char *source : {"192.0.2.7", "2001:db8::7"}) {
        for (std::uint16_t port : {std::uint16_t{88}, std::uint16_t{9}, std::uint16_t{88},
                                   std::uint16_t{3389}, std::uint16_t{1194}}) {
            for (const char *interface : {"lan0", "lan1"}) {
                DropKey k = key(source, port);
                k.interface = interface;
                Packet p;
                p.interface = k.interface;
                p.source = k.source;
                p.protocol = k.protocol;
                p.port = k.port;
                Explanation e = explain(none, fixture(), default_range_values(), p, scope_of);
                DropInsight i = many.explain(k);
                INFO(source << " " << port << " " << interface);
                CHECK(i.roles == e.roles);
                CHECK(i.would_accept == e.would_accept);
                CHECK(i.services == services_for_packet(fixture(), default_range_values(), p));
            }
        }
    }
}
