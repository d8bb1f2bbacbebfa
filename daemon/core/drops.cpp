// The table of recent drops and the parsing of the dropped packets' headers (drops.hpp).
#include "rolewall/drops.hpp"

#include <algorithm>

namespace rolewall {

bool DropTable::record(const DropKey &key, std::uint64_t now) {
    if (auto it = index_.find(key); it != index_.end()) {
        DropEntry &e = *it->second;
        ++e.packets;
        e.last_seen = std::max(e.last_seen, now);
        order_.splice(order_.end(), order_, it->second); // now the most recently seen
        return false;
    }
    if (capacity_ == 0) return false;
    if (index_.size() >= capacity_) { // the key seen longest ago goes
        index_.erase(order_.front().key);
        order_.pop_front();
    }
    order_.push_back(DropEntry{key, 1, now, now});
    index_.emplace(key, std::prev(order_.end()));
    return true;
}

std::vector<DropEntry> DropTable::list(std::uint64_t since, std::size_t limit) const {
    std::vector<DropEntry> out;
    for (const auto &e : order_)
        if (e.last_seen >= since) out.push_back(e);
    std::stable_sort(out.begin(), out.end(), [](const DropEntry &a, const DropEntry &b) {
        return a.packets != b.packets ? a.packets > b.packets : a.last_seen > b.last_seen;
    });
    if (limit != 0 && out.size() > limit) out.resize(limit);
    return out;
}

void DropTable::clear() {
    index_.clear();
    order_.clear();
}

namespace {

constexpr std::uint8_t ipproto_hopopts = 0, ipproto_routing = 43, ipproto_fragment = 44,
                       ipproto_ah = 51, ipproto_dstopts = 60, ipproto_dccp = 33, ipproto_sctp = 132,
                       ipproto_udplite = 136;

bool has_ports(std::uint8_t proto) {
    return proto == ipproto_tcp || proto == ipproto_udp || proto == ipproto_udplite ||
           proto == ipproto_sctp || proto == ipproto_dccp;
}

// The destination port (ICMP type) from the transport header at `offset`; 0 when absent.
std::uint16_t port_at(std::span<const std::uint8_t> p, std::size_t offset, std::uint8_t proto) {
    if (has_ports(proto) && p.size() >= offset + 4)
        return static_cast<std::uint16_t>(p[offset + 2] << 8 | p[offset + 3]);
    if ((proto == ipproto_icmp || proto == ipproto_icmpv6) && p.size() > offset) return p[offset];
    return 0;
}

std::optional<DropKey> ipv4_key(DropKey k, std::span<const std::uint8_t> p) {
    std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    if (p.size() < 20 || ihl < 20) return std::nullopt;
    k.protocol = p[9];
    k.source.v6 = false;
    k.source.prefix = 32;
    std::copy_n(p.begin() + 12, 4, k.source.addr.begin());
    bool first_fragment = ((p[6] & 0x1f) << 8 | p[7]) == 0;
    k.port = first_fragment ? port_at(p, ihl, k.protocol) : 0;
    return k;
}

std::optional<DropKey> ipv6_key(DropKey k, std::span<const std::uint8_t> p) {
    if (p.size() < 40) return std::nullopt;
    k.source.v6 = true;
    k.source.prefix = 128;
    std::copy_n(p.begin() + 8, 16, k.source.addr.begin());
    std::uint8_t next = p[6];
    std::size_t offset = 40;
    bool first_fragment = true;
    // Extension headers, as far as the copy reaches.
    for (int hops = 0; hops < 8 && p.size() >= offset + 8; ++hops) {
        if (next == ipproto_hopopts || next == ipproto_routing || next == ipproto_dstopts) {
            std::uint8_t n = p[offset];
            offset += (static_cast<std::size_t>(p[offset + 1]) + 1) * 8;
            next = n;
        } else if (next == ipproto_fragment) {
            first_fragment = ((p[offset + 2] << 8 | p[offset + 3]) & 0xfff8) == 0;
            next = p[offset];
            offset += 8;
        } else if (next == ipproto_ah) {
            std::uint8_t n = p[offset];
            offset += (static_cast<std::size_t>(p[offset + 1]) + 2) * 4;
            next = n;
        } else {
            break;
        }
    }
    k.protocol = next;
    k.port = first_fragment ? port_at(p, offset, next) : 0;
    return k;
}

} // namespace

std::optional<DropKey> drop_key(std::string interface, std::span<const std::uint8_t> network) {
    if (network.empty()) return std::nullopt;
    DropKey k;
    k.interface = std::move(interface);
    switch (network[0] >> 4) {
    case 4:
        return ipv4_key(std::move(k), network);
    case 6:
        return ipv6_key(std::move(k), network);
    default:
        return std::nullopt;
    }
}

namespace {

Packet packet_of(const DropKey &key) {
    Packet p;
    p.interface = key.interface;
    p.source = key.source;
    p.protocol = key.protocol;
    p.port = key.port;
    return p;
}

} // namespace

DropInsight explain_drop(const Layout &, const Catalog &catalog, const RangeValues &ranges,
                         const DropKey &key, const ScopeOf &enable_scope_of) {
    return DropExplainer(catalog, ranges, enable_scope_of).explain(key);
}

// What explain() says of roles and would_accept (roles_for_packet(), roles_accepting()), with
// the parts that do not depend on the source and interface kept for the next key.
DropInsight DropExplainer::explain(const DropKey &key) {
    Packet p = packet_of(key);
    auto [use, fresh] = ports_.try_emplace({key.protocol, key.port});
    if (fresh) {
        use->second.services = services_for_packet(catalog_, ranges_, p);
        use->second.roles = roles_for_packet(catalog_, ranges_, p);
    }
    DropInsight out{use->second.services, use->second.roles, {}};
    for (const std::string &role : out.roles) {
        auto it = enabled_alone_.find(role);
        if (it == enabled_alone_.end())
            it = enabled_alone_
                     .emplace(role, build_layout(catalog_, Policy::drop, ranges_,
                                                 {{role, scope_of_(role)}}))
                     .first;
        if (role_accepts(it->second, role, p)) out.would_accept.push_back(role);
    }
    return out;
}

namespace {

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

} // namespace

std::string drop_line(const DropKey &key, const DropInsight &insight) {
    std::string out = "dropped " + packet_str(packet_of(key));
    if (!insight.would_accept.empty())
        return out + ": " + join(insight.would_accept) + " would open it";
    if (!insight.roles.empty())
        return out + ": " + join(insight.roles) + " use the port, but not for this source or " +
               "interface as they would be enabled";
    return out + ": no catalog role uses it";
}

} // namespace rolewall
