#include "rolewall/catalog.hpp"

#include <algorithm>
#include <set>

namespace rolewall {

const std::vector<IpProtocolName> &known_ip_protocols() {
    // IANA protocol numbers for the bare IP protocols a catalog entry may name.
    static const std::vector<IpProtocolName> list = {
        {"igmp", 2},  {"gre", 47},  {"esp", 50},   {"ah", 51},    {"rsvp", 46},
        {"ospf", 89}, {"pim", 103}, {"vrrp", 112}, {"l2tp", 115},
    };
    return list;
}

std::optional<std::uint8_t> ip_protocol_number(const std::string &name) {
    for (const auto &p : known_ip_protocols())
        if (name == p.name) return p.number;
    return std::nullopt;
}

std::string ip_protocol_name(std::uint8_t number) {
    for (const auto &p : known_ip_protocols())
        if (p.number == number) return p.name;
    return std::to_string(number);
}

const char *l4_name(L4 l4) {
    return l4 == L4::tcp ? "tcp" : "udp";
}

std::string port_range_str(PortRange r) {
    if (r.first == r.last) return std::to_string(r.first);
    return std::to_string(r.first) + "-" + std::to_string(r.last);
}

const std::vector<NamedRange> &named_ranges() {
    static const std::vector<NamedRange> list = {
        {"rpc_dynamic_ports",
         {49152, 65535},
         "ports RPC and DCOM hand out dynamically (Windows Server 2008 and later, Samba; "
         "older Windows used 1025-5000)"},
        {"ftp_passive_ports",
         {50000, 50999},
         "ports an FTP server offers for passive-mode data connections; set the FTP daemon "
         "to the same range"},
        {"wireguard_ports",
         {51820, 51820},
         "UDP ports WireGuard interfaces listen on (ListenPort); 51820 is the convention of "
         "the WireGuard docs, not an IANA assignment"},
    };
    return list;
}

RangeValues default_range_values() {
    RangeValues v;
    for (const auto &r : named_ranges())
        v[r.key] = r.default_range;
    return v;
}

PortRange resolve_ports(const Entry &e, const RangeValues &ranges) {
    if (e.kind != Entry::Kind::named_range) return e.ports;
    auto it = ranges.find(e.range);
    if (it != ranges.end()) return it->second;
    for (const auto &r : named_ranges())
        if (e.range == r.key) return r.default_range;
    return e.ports;
}

const Service *Catalog::service(const std::string &id) const {
    auto it = services_.find(id);
    return it == services_.end() ? nullptr : &it->second;
}

const Role *Catalog::role(const std::string &id) const {
    auto it = roles_.find(id);
    return it == roles_.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalog::role_services(const std::string &role_id) const {
    std::set<std::string> services;
    std::set<std::string> seen;
    std::vector<std::string> todo{role_id};
    while (!todo.empty()) {
        std::string id = todo.back();
        todo.pop_back();
        const Role *r = role(id);
        if (!r || !seen.insert(id).second) continue;
        services.insert(r->services.begin(), r->services.end());
        todo.insert(todo.end(), r->includes.begin(), r->includes.end());
    }
    return {services.begin(), services.end()};
}

std::vector<std::string> Catalog::roles_using(const std::string &service_id) const {
    std::vector<std::string> out;
    for (const auto &[id, r] : roles_) {
        auto s = role_services(id);
        if (std::binary_search(s.begin(), s.end(), service_id)) out.push_back(id);
    }
    return out;
}

std::vector<EffectivePort> Catalog::role_ports(const std::string &role_id,
                                               const RangeValues &ranges) const {
    std::vector<EffectivePort> out;
    for (const auto &sid : role_services(role_id)) {
        const Service *s = service(sid);
        if (!s) continue;
        for (const auto &e : s->entries) {
            if (e.kind == Entry::Kind::ip_protocol) continue;
            out.push_back({e.l4, resolve_ports(e, ranges), sid, e.application});
        }
    }
    std::sort(out.begin(), out.end(), [](const EffectivePort &a, const EffectivePort &b) {
        return std::tie(a.l4, a.ports, a.service, a.application) <
               std::tie(b.l4, b.ports, b.service, b.application);
    });
    return out;
}

std::vector<EffectiveIpProtocol> Catalog::role_ip_protocols(const std::string &role_id) const {
    std::vector<EffectiveIpProtocol> out;
    for (const auto &sid : role_services(role_id)) {
        const Service *s = service(sid);
        if (!s) continue;
        for (const auto &e : s->entries)
            if (e.kind == Entry::Kind::ip_protocol)
                out.push_back({e.ip_protocol, sid, e.application});
    }
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
        return std::tie(a.number, a.service, a.application) <
               std::tie(b.number, b.service, b.application);
    });
    return out;
}

std::vector<Catalog::PortUse> Catalog::which(std::uint16_t port, std::optional<L4> l4,
                                             const RangeValues &ranges) const {
    std::vector<PortUse> out;
    for (const auto &[id, s] : services_) {
        for (const auto &e : s.entries) {
            if (e.kind == Entry::Kind::ip_protocol) continue;
            if (l4 && e.l4 != *l4) continue;
            PortRange r = resolve_ports(e, ranges);
            if (port >= r.first && port <= r.last) out.push_back({&s, &e, r});
        }
    }
    return out;
}

EntryDetails entry_details(const Entry &e, const RangeValues &ranges) {
    EntryDetails d{e.application, "", std::nullopt, {}, e.range, e.note};
    if (e.kind == Entry::Kind::ip_protocol) {
        d.protocol = ip_protocol_name(e.ip_protocol);
        d.ip_protocol = e.ip_protocol;
        return d;
    }
    d.protocol = l4_name(e.l4);
    d.ports = resolve_ports(e, ranges);
    return d;
}

std::optional<ServiceDetails> service_details(const Catalog &catalog, const std::string &id,
                                              const RangeValues &ranges) {
    const Service *s = catalog.service(id);
    if (!s) return std::nullopt;
    ServiceDetails d{s, catalog.roles_using(id), {}};
    for (const auto &e : s->entries)
        d.entries.push_back(entry_details(e, ranges));
    return d;
}

} // namespace rolewall
