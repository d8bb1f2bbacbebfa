// The packet evaluator: what table inet rolewall does with the first packet of a new
// connection, computed from the Layout the daemon applies (no netlink, no kernel).
//
// It follows chain input rule by rule, as the kernel does:
//   iif "lo" accept                          rule "loopback"
//   ct state established,related accept     (never: the packet opens a new connection)
//   ct state invalid drop                    (never: a well-formed first packet)
//   icmp type { essential } accept           rule "essential ICMP"
//   icmp type echo-request limit ... accept  rule "ping, rate-limited" (within the rate)
//   icmpv6 type { essential } accept         rule "essential ICMPv6"
//   icmpv6 type echo-request limit accept    rule "ping6, rate-limited" (within the rate)
//   ip6 daddr fe80::/64 udp dport 546 accept rule "DHCPv6 client"
//   (the fail-safe table: tcp dport 22 accept  rule "fail-safe: SSH", and no roles)
//   jump roles: per role in layout order, `iifname @<role>_if` or `meta nfproto @<role>_anyif`
//     dispatch to its chain, which accepts when the source is in <role>_v4/_v6 and the
//     destination port in <role>_tcp/_udp, or the IP protocol in <role>_proto
//                                            rule "role <id>"
//   the policy: drop, or reject (TCP reset, else ICMP admin-prohibited)
//                                            rule "policy drop" / "policy reject"
// This is the one home of that rule outside the kernel: the lock-out guard, explain, the drop
// table and the audit all ask it.
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"
#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall {

// IP protocol numbers the evaluator and its callers name (IANA).
inline constexpr std::uint8_t ipproto_icmp = 1, ipproto_tcp = 6, ipproto_udp = 17,
                              ipproto_icmpv6 = 58;

// The first packet of a new connection, as chain input sees it.
struct Packet {
    std::string interface; // input interface name; "" = one that no interface scope names
    Cidr source;           // a host address: prefix 32 or 128
    // Only the DHCPv6 client rule looks at it; nullopt = an address of the host that is not
    // link-local (what a connection to the host's configured address has).
    std::optional<Cidr> destination;
    std::uint8_t protocol = ipproto_tcp; // IP protocol number
    std::uint16_t port = 0;              // TCP/UDP destination port; ICMP/ICMPv6 type
    bool operator==(const Packet &) const = default;
};

struct Verdict {
    enum class Action { accept, drop, reject };
    Action action = Action::drop;
    std::string role; // the role whose chain accepted it, or ""
    std::string rule; // what matched: "loopback", "role ad-dc", "policy drop", ...
    bool operator==(const Verdict &) const = default;
};
const char *action_name(Verdict::Action a); // "accept", "drop", "reject"

Verdict evaluate(const Layout &layout, const Packet &packet);

// Whether the chain of `role` in `layout` (its dispatch rules included) accepts the packet.
bool role_accepts(const Layout &layout, const std::string &role, const Packet &packet);

// The roles of `layout` whose chain accepts `protocol`/`port` from some source on some
// interface (their dispatch and source sets are not empty), in dispatch order.
std::vector<std::string> roles_opening(const Layout &layout, std::uint8_t protocol,
                                       std::uint16_t port);

// A role's scope as its sets in `layout` hold it, as nft prints the keys.
struct SetScope {
    bool any_interface = false;          // <role>_anyif is not empty
    std::vector<std::string> interfaces; // <role>_if: "lan0", "vlan*"
    bool any_source = false;             // 0.0.0.0/0 and ::/0
    std::vector<std::string> sources;    // <role>_v4, <role>_v6 otherwise
};
SetScope set_scope(const Layout &layout, const std::string &role);
std::string scope_str(const SetScope &scope); // "on lan0, vlan*; from 10.0.0.0/8" / "anywhere"

// A layout as read back from the kernel (Backend::read()): its sets, the roles they belong
// to (in name order, the dispatch order), the policy given.
Layout layout_from_sets(std::vector<SetContent> sets, Policy policy);

// Protocol names as rolewallctl and D-Bus take them: "tcp", "udp", "icmp", "icmpv6" (also
// "ipv6-icmp"), a bare IP protocol of the catalog ("gre"), or a number 0-255.
std::optional<std::uint8_t> parse_protocol(const std::string &name);
std::string protocol_name(std::uint8_t number); // "tcp", "udp", "icmp", "icmpv6", "gre", "253"

// Builds a packet from text: a host address ("192.0.2.7", "2001:db8::7", an IPv4-mapped
// "::ffff:192.0.2.7" taken as the IPv4 address it is on the wire; a network is refused), a port
// (0-65535: ICMP type for icmp/icmpv6, ignored for others, required for TCP and UDP), a protocol
// name. Errc::invalid_argument naming the bad field.
Result<Packet> make_packet(const std::string &source, std::uint16_t port,
                           const std::string &protocol, const std::string &interface);
// A host address without its prefix: "192.0.2.7".
std::string address_str(const Cidr &address);
// "445/tcp from 192.0.2.7 on lan0" (for messages and logs).
std::string packet_str(const Packet &packet);

// The catalog services that use the packet's port (TCP/UDP) or IP protocol, sorted.
std::vector<std::string> services_for_packet(const Catalog &catalog, const RangeValues &ranges,
                                             const Packet &packet);
// The catalog roles whose services use the packet's port (TCP/UDP) or IP protocol, sorted.
std::vector<std::string> roles_for_packet(const Catalog &catalog, const RangeValues &ranges,
                                          const Packet &packet);

// Which of `candidates` (role -> the scope it would have when enabled) would accept the
// packet if it were enabled with that scope: each is evaluated in a layout of its own, with
// the same catalog and ranges as the daemon's. Sorted.
std::vector<std::string> roles_accepting(const Catalog &catalog, const RangeValues &ranges,
                                         const std::map<std::string, Scope> &candidates,
                                         const Packet &packet);

} // namespace rolewall
