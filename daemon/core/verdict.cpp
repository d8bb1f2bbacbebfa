#include "rolewall/verdict.hpp"

#include <algorithm>
#include <cstring>
#include <set>

namespace rolewall {

namespace {

// NFPROTO_IPV4 and NFPROTO_IPV6 (<linux/netfilter.h>), the keys of the <role>_anyif sets.
constexpr std::uint8_t nfproto_ipv4 = 2, nfproto_ipv6 = 10;

// Whether the set holds the key: in an interval set an element is the range [lo, hi], in
// the others lo == hi; keys are compared as the kernel compares them, byte by byte.
bool in_set(const Layout &layout, const std::string &name, const Bytes &key) {
    const SetContent *set = layout.set(name);
    if (!set) return false;
    return std::any_of(set->elements.begin(), set->elements.end(), [&](const Element &e) {
        return e.lo.size() == key.size() && e.lo <= key && key <= e.hi;
    });
}

// The 16 bytes `iifname` loads: the name, zero padded (IFNAMSIZ).
Bytes ifname_key(const std::string &name) {
    Bytes key(16, 0);
    std::memcpy(key.data(), name.data(), std::min<std::size_t>(name.size(), 15));
    return key;
}

Bytes address_key(const Cidr &address) {
    return Bytes(address.addr.begin(), address.addr.begin() + (address.v6 ? 16 : 4));
}

Bytes port_key(std::uint16_t port) {
    return {std::uint8_t(port >> 8), std::uint8_t(port & 0xff)};
}

Verdict accept(std::string rule, std::string role = {}) {
    return {Verdict::Action::accept, std::move(role), std::move(rule)};
}

template <std::size_t N> bool one_of(const std::array<std::uint8_t, N> &list, std::uint16_t v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

// ip6 daddr fe80::/64: the first 8 bytes of the destination.
bool link_local_destination(const Packet &p) {
    static const std::uint8_t prefix[8] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0};
    return p.destination && p.destination->v6 &&
           std::memcmp(p.destination->addr.data(), prefix, sizeof prefix) == 0;
}

// The rules of chain input before `jump roles` that a new connection can meet.
std::optional<Verdict> skeleton(const Packet &p) {
    if (p.interface == "lo") return accept("loopback");
    bool v6 = p.source.v6;
    if (!v6 && p.protocol == ipproto_icmp) {
        if (one_of(essential_icmp_types, p.port)) return accept("essential ICMP");
        if (p.port == icmp_echo_request) return accept("ping, rate-limited");
    }
    if (v6 && p.protocol == ipproto_icmpv6) {
        if (one_of(essential_icmpv6_types, p.port))
            return accept("essential ICMPv6 and neighbour discovery");
        if (p.port == icmpv6_echo_request) return accept("ping6, rate-limited");
    }
    if (v6 && link_local_destination(p) && p.protocol == ipproto_udp &&
        p.port == dhcpv6_client_port)
        return accept("DHCPv6 client");
    return std::nullopt;
}

} // namespace

const char *action_name(Verdict::Action a) {
    switch (a) {
    case Verdict::Action::accept:
        return "accept";
    case Verdict::Action::drop:
        return "drop";
    case Verdict::Action::reject:
        return "reject";
    }
    return "?";
}

bool role_accepts(const Layout &layout, const std::string &role, const Packet &p) {
    bool v6 = p.source.v6;
    // iifname @<role>_if jump role-<role>; meta nfproto @<role>_anyif jump role-<role>
    bool dispatched = in_set(layout, role + "_if", ifname_key(p.interface)) ||
                      in_set(layout, role + "_anyif", {v6 ? nfproto_ipv6 : nfproto_ipv4});
    if (!dispatched) return false;
    // ip saddr @<role>_v4 ... / ip6 saddr @<role>_v6 ...
    if (!in_set(layout, role + (v6 ? "_v6" : "_v4"), address_key(p.source))) return false;
    if (p.protocol == ipproto_tcp && in_set(layout, role + "_tcp", port_key(p.port))) return true;
    if (p.protocol == ipproto_udp && in_set(layout, role + "_udp", port_key(p.port))) return true;
    return in_set(layout, role + "_proto", {p.protocol}); // meta l4proto @<role>_proto
}

Verdict evaluate(const Layout &layout, const Packet &packet) {
    if (auto v = skeleton(packet)) return *v;
    // The fail-safe table has `tcp dport 22 accept` where others have `jump roles`.
    if (layout.failsafe && packet.protocol == ipproto_tcp && packet.port == failsafe_ssh_port)
        return accept("fail-safe: SSH");
    for (const RoleChain &r : layout.roles)
        if (role_accepts(layout, r.role, packet)) return accept("role " + r.role, r.role);
    if (layout.policy == Policy::reject) return {Verdict::Action::reject, {}, "policy reject"};
    return {Verdict::Action::drop, {}, "policy drop"};
}

namespace {

bool set_empty(const Layout &layout, const std::string &name) {
    const SetContent *s = layout.set(name);
    return !s || s->elements.empty();
}

std::vector<std::string> keys_of(const Layout &layout, const std::string &name) {
    std::vector<std::string> out;
    if (const SetContent *s = layout.set(name))
        for (const auto &e : s->elements)
            out.push_back(element_key_str(s->spec.type, e));
    return out;
}

} // namespace

std::vector<std::string> roles_opening(const Layout &layout, std::uint8_t protocol,
                                       std::uint16_t port) {
    std::vector<std::string> out;
    for (const RoleChain &r : layout.roles) {
        const std::string &id = r.role;
        bool reachable = !(set_empty(layout, id + "_if") && set_empty(layout, id + "_anyif")) &&
                         !(set_empty(layout, id + "_v4") && set_empty(layout, id + "_v6"));
        bool opens = (protocol == ipproto_tcp && in_set(layout, id + "_tcp", port_key(port))) ||
                     (protocol == ipproto_udp && in_set(layout, id + "_udp", port_key(port))) ||
                     in_set(layout, id + "_proto", {protocol});
        if (reachable && opens) out.push_back(id);
    }
    return out;
}

SetScope set_scope(const Layout &layout, const std::string &role) {
    SetScope out;
    out.any_interface = !set_empty(layout, role + "_anyif");
    out.interfaces = keys_of(layout, role + "_if");
    for (auto &i : out.interfaces) // element_key_str quotes names as nft does
        i = i.substr(1, i.size() - 2);
    out.sources = keys_of(layout, role + "_v4");
    for (auto &v6 : keys_of(layout, role + "_v6"))
        out.sources.push_back(std::move(v6));
    out.any_source = out.sources == std::vector<std::string>{"0.0.0.0/0", "::/0"};
    if (out.any_source) out.sources.clear();
    return out;
}

std::string scope_str(const SetScope &s) {
    auto join = [](const std::vector<std::string> &v) {
        std::string o;
        for (const auto &x : v)
            o += (o.empty() ? "" : ", ") + x;
        return o;
    };
    std::string where = s.any_interface ? "" : "on " + join(s.interfaces);
    std::string from = s.any_source ? "" : "from " + join(s.sources);
    if (where.empty() && from.empty()) return "anywhere";
    return where + (where.empty() || from.empty() ? "" : "; ") + from;
}

Layout layout_from_sets(std::vector<SetContent> sets, Policy policy) {
    Layout layout;
    layout.policy = policy;
    std::set<std::string> roles;
    for (const auto &s : sets)
        if (!s.spec.role.empty()) roles.insert(s.spec.role);
    for (const auto &r : roles)
        layout.roles.push_back({r, r});
    std::sort(sets.begin(), sets.end(),
              [](const SetContent &a, const SetContent &b) { return a.spec.name < b.spec.name; });
    layout.sets = std::move(sets);
    return layout;
}

std::optional<std::uint8_t> parse_protocol(const std::string &name) {
    if (name == "tcp") return ipproto_tcp;
    if (name == "udp") return ipproto_udp;
    if (name == "icmp") return ipproto_icmp;
    if (name == "icmpv6" || name == "ipv6-icmp") return ipproto_icmpv6;
    if (auto n = ip_protocol_number(name)) return n;
    if (name.empty() || name.size() > 3 ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    int n = std::stoi(name);
    if (n > 255) return std::nullopt;
    return static_cast<std::uint8_t>(n);
}

std::string protocol_name(std::uint8_t number) {
    switch (number) {
    case ipproto_tcp:
        return "tcp";
    case ipproto_udp:
        return "udp";
    case ipproto_icmp:
        return "icmp";
    case ipproto_icmpv6:
        return "icmpv6";
    default:
        return ip_protocol_name(number);
    }
}

namespace {

// ::ffff:a.b.c.d is an IPv4 client as an IPv6 socket shows it; on the wire it is IPv4.
Cidr unmapped(const Cidr &a) {
    static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!a.v6 || std::memcmp(a.addr.data(), mapped, sizeof mapped) != 0) return a;
    Cidr v4;
    std::copy(a.addr.begin() + 12, a.addr.end(), v4.addr.begin());
    v4.prefix = 32;
    return v4;
}

Status check_port(const Packet &p, std::uint16_t port) {
    bool l4 = p.protocol == ipproto_tcp || p.protocol == ipproto_udp;
    bool icmp = p.protocol == ipproto_icmp || p.protocol == ipproto_icmpv6;
    if (l4 && port == 0)
        return make_error(Errc::invalid_argument,
                          "port: " + protocol_name(p.protocol) + " needs a port from 1 to 65535");
    if (icmp && port > 255)
        return make_error(Errc::invalid_argument,
                          "port: an ICMP type is 0-255, not " + std::to_string(port));
    if (!l4 && !icmp && port != 0)
        return make_error(Errc::invalid_argument, "port: protocol " + protocol_name(p.protocol) +
                                                      " has no ports (give 0 or no port)");
    if (icmp && p.source.v6 != (p.protocol == ipproto_icmpv6))
        return make_error(Errc::invalid_argument,
                          std::string("protocol: ") + (p.source.v6 ? "an IPv6 source sends icmpv6"
                                                                   : "an IPv4 source sends icmp"));
    return Ok{};
}

} // namespace

std::string address_str(const Cidr &address) {
    std::string s = address.str();
    return s.substr(0, s.rfind('/'));
}

Result<Packet> make_packet(const std::string &source, std::uint16_t port,
                           const std::string &protocol, const std::string &interface) {
    Packet p;
    auto proto = parse_protocol(protocol);
    if (!proto)
        return make_error(Errc::invalid_argument,
                          "protocol: '" + protocol +
                              "' is not tcp, udp, icmp, icmpv6, an IP protocol name or a number");
    p.protocol = *proto;
    auto address = Cidr::parse(source);
    if (!address) return make_error(Errc::invalid_argument, "source: " + address.error().message);
    if (address->prefix != (address->v6 ? 128 : 32) || source.find('/') != std::string::npos)
        return make_error(Errc::invalid_argument,
                          "source: '" + source + "' is a network; give one address");
    p.source = unmapped(*address);
    std::string why;
    if (!interface.empty() && (!valid_interface_name(interface, &why) || interface.back() == '*'))
        return make_error(Errc::invalid_argument,
                          "interface: '" + interface + "' " +
                              (why.empty() ? "is a pattern; give one interface name" : why));
    p.interface = interface;
    p.port = port;
    if (auto ok = check_port(p, port); !ok) return ok.error();
    return p;
}

std::string packet_str(const Packet &p) {
    std::string out;
    if (p.protocol == ipproto_tcp || p.protocol == ipproto_udp)
        out = std::to_string(p.port) + "/" + protocol_name(p.protocol);
    else if (p.protocol == ipproto_icmp || p.protocol == ipproto_icmpv6)
        out = protocol_name(p.protocol) + " type " + std::to_string(p.port);
    else
        out = protocol_name(p.protocol);
    out += " from " + address_str(p.source);
    if (!p.interface.empty()) out += " on " + p.interface;
    return out;
}

std::vector<std::string> services_for_packet(const Catalog &catalog, const RangeValues &ranges,
                                             const Packet &p) {
    std::set<std::string> services;
    if (p.protocol == ipproto_tcp || p.protocol == ipproto_udp) {
        L4 l4 = p.protocol == ipproto_tcp ? L4::tcp : L4::udp;
        for (const auto &use : catalog.which(p.port, l4, ranges))
            services.insert(use.service->id);
    } else {
        for (const auto &[id, service] : catalog.services())
            for (const auto &e : service.entries)
                if (e.kind == Entry::Kind::ip_protocol && e.ip_protocol == p.protocol)
                    services.insert(id);
    }
    return {services.begin(), services.end()};
}

std::vector<std::string> roles_for_packet(const Catalog &catalog, const RangeValues &ranges,
                                          const Packet &p) {
    std::set<std::string> roles;
    for (const auto &s : services_for_packet(catalog, ranges, p))
        for (auto &r : catalog.roles_using(s))
            roles.insert(std::move(r));
    return {roles.begin(), roles.end()};
}

std::vector<std::string> roles_accepting(const Catalog &catalog, const RangeValues &ranges,
                                         const std::map<std::string, Scope> &candidates,
                                         const Packet &packet) {
    std::vector<std::string> out;
    for (const auto &[role, scope] : candidates) {
        Layout alone = build_layout(catalog, Policy::drop, ranges, {{role, scope}});
        if (role_accepts(alone, role, packet)) out.push_back(role);
    }
    return out;
}

} // namespace rolewall
