// The packet evaluator agrees with the kernel: the same probes are evaluated on the layout and
// sent from client namespaces through the table the backend applied from that layout.
#include "kernel/nft_backend.hpp"
#include "rolewall/explain.hpp"
#include "rolewall/verdict.hpp"
#include "testns.hpp"
#include "traffic.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace rolewall;
using namespace testns;

namespace {

// Long enough for a SYN and its answer between namespaces.
constexpr int timeout_ms = 300;

constexpr std::uint16_t scoped_tcp = 8080, scoped_udp = 5353;   // role "wanif": wan* only
constexpr std::uint16_t sourced_tcp = 2222, sourced_udp = 6000; // role "lansrc": LAN networks
constexpr std::uint16_t open_tcp = 9090;                        // role "open": anywhere
constexpr std::uint16_t closed_tcp = 1234, closed_udp = 1235;   // listening, opened by no role
constexpr std::uint16_t ssh_tcp = 22;                           // the fail-safe table's
constexpr std::uint8_t open_proto = 253;                        // RFC 3692 experimentation

Layout layout_for(Policy policy) {
    RoleSpec wanif, lansrc, open;
    wanif.id = "wanif";
    wanif.tcp = {{scoped_tcp, scoped_tcp, "web"}};
    wanif.udp = {{scoped_udp, scoped_udp, "mdns"}};
    wanif.interfaces = {"wan*"};
    lansrc.id = "lansrc";
    lansrc.tcp = {{sourced_tcp, sourced_tcp + 10, "ssh"}};
    lansrc.udp = {{sourced_udp, sourced_udp, "syslog"}};
    lansrc.sources = {"192.0.2.0/25", "2001:db8:1::/64"};
    open.id = "open";
    open.tcp = {{open_tcp, open_tcp, "app"}};
    open.protos = {{open_proto, "experiment"}};
    return make_layout({wanif, lansrc, open}, policy);
}

// What a TCP connection attempt met: an answer (accept), a reset (reject) or silence (drop).
Verdict::Action tcp_outcome(const std::string &ns, const std::string &address, std::uint16_t port) {
    bool v6 = address.find(':') != std::string::npos;
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
        auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        inet_pton(AF_INET6, address.c_str(), &s6->sin6_addr);
        len = sizeof *s6;
    } else {
        auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        inet_pton(AF_INET, address.c_str(), &s4->sin_addr);
        len = sizeof *s4;
    }
    int fd = -1;
    {
        InNetns in(ns);
        fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
    REQUIRE(fd >= 0);
    Verdict::Action out = Verdict::Action::drop;
    if (connect(fd, reinterpret_cast<sockaddr *>(&ss), len) == 0) {
        out = Verdict::Action::accept;
    } else if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, timeout_ms) == 1) {
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
            out = err == 0              ? Verdict::Action::accept
                  : err == ECONNREFUSED ? Verdict::Action::reject
                                        : Verdict::Action::drop;
        }
    }
    close(fd);
    return out;
}

struct Client {
    std::string ns;
    std::string interface; // the gateway's interface it arrives on
    std::string v4, v6;
};

// Sends every probe of the matrix and compares it with the evaluator; returns how many
// probes were accepted and how many were not, so the caller can see the matrix is not one-sided.
std::pair<int, int> compare(const Layout &layout, const Hosts &hosts, const Servers &servers,
                            const Client &c) {
    int accepted = 0, refused = 0;
    for (bool v6 : {false, true}) {
        std::string gw = hosts.gw_address(c.ns, v6);
        std::string src = v6 ? c.v6 : c.v4;
        auto eval = [&](std::uint16_t port, const char *proto) {
            auto p = make_packet(src, port, proto, c.interface);
            REQUIRE(p);
            Verdict v = evaluate(layout, *p);
            (v.action == Verdict::Action::accept ? accepted : refused)++;
            return v;
        };
        for (std::uint16_t port : {scoped_tcp, sourced_tcp, std::uint16_t(sourced_tcp + 10),
                                   open_tcp, closed_tcp, ssh_tcp}) {
            Verdict v = eval(port, "tcp");
            INFO(src << " -> " << gw << " " << port << "/tcp: evaluated " << action_name(v.action)
                     << " (" << v.rule << ")");
            CHECK(tcp_outcome(c.ns, gw, port) == v.action);
        }
        for (std::uint16_t port : {scoped_udp, sourced_udp, closed_udp}) {
            Verdict v = eval(port, "udp");
            INFO(src << " -> " << gw << " " << port << "/udp: evaluated " << v.rule);
            CHECK(udp_echoes(c.ns, gw, port, timeout_ms) == (v.action == Verdict::Action::accept));
        }
        Verdict v = eval(0, "253");
        INFO(src << " -> " << gw << " proto 253: evaluated " << v.rule);
        CHECK(raw_arrives(c.ns, gw, open_proto, servers, timeout_ms) ==
              (v.action == Verdict::Action::accept));
    }
    return {accepted, refused};
}

} // namespace

TEST_CASE("The packet evaluator gives the kernel's verdict for every probe of the traffic matrix") {
    Hosts hosts;
    INFO(hosts.error());
    REQUIRE(hosts.ok());
    InNetns in_gw(hosts.gw);
    Servers servers(
        {scoped_tcp, sourced_tcp, std::uint16_t(sourced_tcp + 10), open_tcp, closed_tcp, ssh_tcp},
        {scoped_udp, sourced_udp, closed_udp}, {open_proto});
    auto backend = NftBackend::open();
    REQUIRE(backend.ok());
    // Addresses as tests/kernel/traffic.cpp gives them to the clients.
    Client lan{hosts.lan, "lan0", "192.0.2.2", "2001:db8:1::2"};
    Client wan{hosts.wan, "wan0", "198.51.100.2", "2001:db8:2::2"};
    // The input interface explain assumes when none is given: the route back to the source.
    for (const Client *c : {&lan, &wan}) {
        CHECK(route_interface(*Cidr::parse(c->v4)) == c->interface);
        CHECK(route_interface(*Cidr::parse(c->v6)) == c->interface);
    }
    CHECK(route_interface(*Cidr::parse("192.0.2.1")) == "lo");
    CHECK(route_interface(*Cidr::parse("203.0.113.1")).empty()); // no route there
    for (int i = 0; i < 3; ++i) {
        INFO("layout " << i << ": policy reject, policy drop, the fail-safe table");
        Layout layout =
            i == 2 ? failsafe_layout() : layout_for(i == 0 ? Policy::reject : Policy::drop);
        REQUIRE((*backend)->apply(layout, ApplyHint::everything()).ok());
        auto [lan_yes, lan_no] = compare(layout, hosts, servers, lan);
        auto [wan_yes, wan_no] = compare(layout, hosts, servers, wan);
        CHECK(lan_yes > 0);
        CHECK(lan_no > 0);
        CHECK(wan_yes > 0);
        CHECK(wan_no > 0);
    }
}
