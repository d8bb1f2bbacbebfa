#include "rolewall/ruleset.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace rolewall {

std::size_t key_length(KeyType t) {
    switch (t) {
    case KeyType::ipv4_addr:
        return 4;
    case KeyType::ipv6_addr:
        return 16;
    case KeyType::inet_proto:
        return 1;
    case KeyType::inet_service:
        return 2;
    case KeyType::nf_proto:
        return 1;
    case KeyType::ifname:
        return 16; // IFNAMSIZ
    }
    return 0;
}

const char *key_type_name(KeyType t) {
    switch (t) {
    case KeyType::ipv4_addr:
        return "ipv4_addr";
    case KeyType::ipv6_addr:
        return "ipv6_addr";
    case KeyType::inet_proto:
        return "inet_proto";
    case KeyType::inet_service:
        return "inet_service";
    case KeyType::nf_proto:
        return "nf_proto";
    case KeyType::ifname:
        return "ifname";
    }
    return "?";
}

// nft refuses comments longer than this (NFTNL_UDATA_COMMENT_MAXLEN).
constexpr std::size_t max_comment = 128;

Key::Key(const std::uint8_t *bytes, std::size_t n) : size_(static_cast<std::uint8_t>(n)) {
    if (n > capacity) throw std::length_error("a set key of " + std::to_string(n) + " bytes");
    std::copy_n(bytes, n, bytes_.begin());
}

Comment::Comment(std::string text) {
    if (!text.empty()) text_ = std::make_shared<const std::string>(std::move(text));
}

const std::string &Comment::none() {
    static const std::string empty;
    return empty;
}

static Comment clip(Comment c) {
    if (c.size() < max_comment) return c;
    std::string s = c.str();
    s.resize(max_comment - 4);
    return s + "...";
}

Element port_element(PortRange r, Comment comment) {
    return {{std::uint8_t(r.first >> 8), std::uint8_t(r.first & 0xff)},
            {std::uint8_t(r.last >> 8), std::uint8_t(r.last & 0xff)},
            clip(std::move(comment))};
}

Element proto_element(std::uint8_t proto, Comment comment) {
    return {{proto}, {proto}, clip(std::move(comment))};
}

Element nfproto_element(std::uint8_t nfproto, Comment comment) {
    return {{nfproto}, {nfproto}, clip(std::move(comment))};
}

Element ifname_element(const std::string &name, Comment comment) {
    bool wildcard = !name.empty() && name.back() == '*';
    std::string base = wildcard ? name.substr(0, name.size() - 1) : name;
    Key lo(Bytes(16, 0));
    std::memcpy(lo.data(), base.data(), std::min<std::size_t>(base.size(), 16));
    Key hi = lo;
    if (wildcard) std::fill(hi.begin() + base.size(), hi.end(), 0xff);
    return {lo, hi, clip(std::move(comment))};
}

Element cidr_element(const Cidr &c, Comment comment) {
    std::size_t n = c.v6 ? 16 : 4;
    Key lo(c.addr.data(), n);
    Key hi = lo;
    for (std::size_t i = 0; i < n; ++i) {
        int keep = std::clamp(c.prefix - 8 * static_cast<int>(i), 0, 8);
        hi[i] |= static_cast<std::uint8_t>(0xff >> keep);
    }
    return {lo, hi, clip(std::move(comment))};
}

// Length of the common prefix in bits if [lo, hi] is exactly one prefix, else -1.
static int prefix_of(const Bytes &lo, const Bytes &hi) {
    int bits = 0;
    std::size_t i = 0;
    for (; i < lo.size() && lo[i] == hi[i]; ++i)
        bits += 8;
    if (i == lo.size()) return bits;
    std::uint8_t diff = lo[i] ^ hi[i];
    int b = 0;
    while (b < 8 && !(diff & (0x80 >> b)))
        ++b;
    std::uint8_t mask = static_cast<std::uint8_t>(0xff >> b);
    if ((lo[i] & mask) != 0 || (hi[i] & mask) != mask) return -1;
    for (std::size_t j = i + 1; j < lo.size(); ++j)
        if (lo[j] != 0 || hi[j] != 0xff) return -1;
    return bits + b;
}

static std::string addr_str(const Bytes &b) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(b.size() == 16 ? AF_INET6 : AF_INET, b.data(), buf, sizeof buf);
    return buf;
}

std::string element_key_str(KeyType t, const Element &e) {
    switch (t) {
    case KeyType::inet_service: {
        PortRange r{std::uint16_t(e.lo[0] << 8 | e.lo[1]), std::uint16_t(e.hi[0] << 8 | e.hi[1])};
        return port_range_str(r);
    }
    case KeyType::inet_proto:
        return ip_protocol_name(e.lo[0]);
    case KeyType::nf_proto:
        return e.lo[0] == 2 ? "ipv4" : e.lo[0] == 10 ? "ipv6" : std::to_string(e.lo[0]);
    case KeyType::ifname: {
        std::string name(reinterpret_cast<const char *>(e.lo.data()), e.lo.size());
        name.resize(std::strlen(name.c_str()));
        return "\"" + name + (e.lo == e.hi ? "" : "*") + "\"";
    }
    case KeyType::ipv4_addr:
    case KeyType::ipv6_addr: {
        int p = prefix_of(e.lo, e.hi);
        int full = static_cast<int>(e.lo.size()) * 8;
        if (p == full) return addr_str(e.lo);
        if (p >= 0) return addr_str(e.lo) + "/" + std::to_string(p);
        return addr_str(e.lo) + "-" + addr_str(e.hi);
    }
    }
    return "?";
}

namespace {

// A range with the services that need it, merged where services overlap.
struct Span {
    PortRange ports;
    std::set<std::string> services;
};

std::vector<Span> merge_spans(std::vector<Span> spans) {
    std::sort(spans.begin(), spans.end(),
              [](const Span &a, const Span &b) { return a.ports < b.ports; });
    std::vector<Span> out;
    for (auto &s : spans) {
        if (!out.empty() && s.ports.first <= out.back().ports.last) {
            out.back().ports.last = std::max(out.back().ports.last, s.ports.last);
            out.back().services.insert(s.services.begin(), s.services.end());
        } else {
            out.push_back(std::move(s));
        }
    }
    return out;
}

std::string services_comment(const std::string &role, const std::set<std::string> &services) {
    std::string c = role + ":";
    const char *sep = " ";
    for (const auto &s : services) {
        c += sep + s;
        sep = ", ";
    }
    return c;
}

// Networks that lie inside another one of the list are dropped: the kernel refuses
// overlapping intervals and the larger network already covers them. Family by family: an
// IPv4 network sorted between two IPv6 ones must not hide that one lies in the other.
std::vector<Cidr> outermost(std::vector<Cidr> nets) {
    auto less = [](const Cidr &a, const Cidr &b) {
        return std::tie(a.v6, a.addr, a.prefix) < std::tie(b.v6, b.addr, b.prefix);
    };
    if (!std::is_sorted(nets.begin(), nets.end(), less)) // a normalized scope is
        std::sort(nets.begin(), nets.end(), less);
    std::vector<Cidr> out;
    for (const auto &n : nets) {
        if (!out.empty() && out.back().v6 == n.v6) {
            Element outer = cidr_element(out.back(), {});
            Element inner = cidr_element(n, {});
            if (inner.lo >= outer.lo && inner.hi <= outer.hi) continue;
        }
        out.push_back(n);
    }
    return out;
}

} // namespace

// A name or pattern whose base starts with a pattern's base lies inside that pattern's range
// of keys: "lan0" and "lan*" inside "lan*" or "la*". Sorted by base (a pattern before the name
// equal to its base), each pattern's covered items follow it.
std::vector<std::string> outermost_interfaces(std::vector<std::string> names) {
    auto base = [](const std::string &n) {
        return !n.empty() && n.back() == '*' ? std::string_view(n).substr(0, n.size() - 1)
                                             : std::string_view(n);
    };
    auto wild = [](const std::string &n) { return !n.empty() && n.back() == '*'; };
    std::sort(names.begin(), names.end(), [&](const std::string &a, const std::string &b) {
        return std::pair(base(a), !wild(a)) < std::pair(base(b), !wild(b));
    });
    std::vector<std::string> out;
    std::optional<std::string> cover; // base of the last pattern kept
    for (std::string &n : names) {
        if (cover && base(n).substr(0, cover->size()) == *cover) continue;
        if (!out.empty() && out.back() == n) continue;
        if (wild(n)) cover = std::string(base(n));
        out.push_back(std::move(n));
    }
    return out;
}

namespace {

struct RoleSets {
    SetContent tcp, udp, proto, ifs, anyif, v4, v6;
};

SetContent make_set(const std::string &role, const char *suffix, KeyType type, bool interval) {
    SetContent s;
    s.spec.name = role + "_" + suffix;
    s.spec.type = type;
    s.spec.interval = interval;
    s.spec.role = role;
    return s;
}

RoleSets empty_role_sets(const std::string &role) {
    return {make_set(role, "tcp", KeyType::inet_service, true),
            make_set(role, "udp", KeyType::inet_service, true),
            make_set(role, "proto", KeyType::inet_proto, false),
            make_set(role, "if", KeyType::ifname, true),
            make_set(role, "anyif", KeyType::nf_proto, false),
            make_set(role, "v4", KeyType::ipv4_addr, true),
            make_set(role, "v6", KeyType::ipv6_addr, true)};
}

void fill_ports(const Catalog &catalog, const std::string &role, const RangeValues &ranges,
                RoleSets &sets) {
    std::vector<Span> tcp, udp;
    for (const auto &p : catalog.role_ports(role, ranges))
        (p.l4 == L4::tcp ? tcp : udp).push_back({p.ports, {p.service}});
    for (const auto &s : merge_spans(std::move(tcp)))
        sets.tcp.elements.push_back(port_element(s.ports, services_comment(role, s.services)));
    for (const auto &s : merge_spans(std::move(udp)))
        sets.udp.elements.push_back(port_element(s.ports, services_comment(role, s.services)));
    std::map<std::uint8_t, std::set<std::string>> protos;
    for (const auto &p : catalog.role_ip_protocols(role))
        protos[p.number].insert(p.service);
    for (const auto &[n, services] : protos)
        sets.proto.elements.push_back(proto_element(n, services_comment(role, services)));
}

void fill_scope(const std::string &role, const Scope &scope, RoleSets &sets) {
    // NFPROTO_IPV4 and NFPROTO_IPV6 from <linux/netfilter.h>.
    constexpr std::uint8_t nfproto_ipv4 = 2, nfproto_ipv6 = 10;
    if (scope.interfaces.empty()) {
        sets.anyif.elements.push_back(nfproto_element(nfproto_ipv4, role + ": any interface"));
        sets.anyif.elements.push_back(nfproto_element(nfproto_ipv6, role + ": any interface"));
    }
    for (const auto &i : outermost_interfaces(scope.interfaces))
        sets.ifs.elements.push_back(ifname_element(i, role + ": interface scope"));
    if (scope.sources.empty()) {
        sets.v4.elements.push_back(cidr_element(*Cidr::parse("0.0.0.0/0"), role + ": any source"));
        sets.v6.elements.push_back(cidr_element(*Cidr::parse("::/0"), role + ": any source"));
    }
    const Comment source = role + ": source scope"; // shared by all of them
    std::vector<Cidr> sources = outermost(scope.sources);
    std::size_t v6 = static_cast<std::size_t>(
        std::count_if(sources.begin(), sources.end(), [](const Cidr &c) { return c.v6; }));
    sets.v4.elements.reserve(sets.v4.elements.size() + sources.size() - v6);
    sets.v6.elements.reserve(sets.v6.elements.size() + v6);
    for (const auto &c : sources)
        (c.v6 ? sets.v6 : sets.v4).elements.push_back(cidr_element(c, source));
    auto by_key = [](const Element &a, const Element &b) { return a.lo < b.lo; };
    std::sort(sets.ifs.elements.begin(), sets.ifs.elements.end(), by_key);
}

// The sets of an enabled role: its scope sets always (so that re-scoping it changes only
// elements), its port and protocol sets when it has such ports; in name order.
std::vector<SetContent> role_sets(const Catalog &catalog, const RangeValues &ranges,
                                  const std::string &id, const Scope &scope) {
    RoleSets sets = empty_role_sets(id);
    fill_ports(catalog, id, ranges, sets);
    fill_scope(id, scope, sets);
    std::vector<SetContent> out;
    for (SetContent *s :
         {&sets.anyif, &sets.ifs, &sets.proto, &sets.tcp, &sets.udp, &sets.v4, &sets.v6}) {
        bool ports = s == &sets.proto || s == &sets.tcp || s == &sets.udp;
        if (!ports || !s->elements.empty()) out.push_back(std::move(*s));
    }
    return out;
}

bool by_name(const SetContent &a, const SetContent &b) {
    return a.spec.name < b.spec.name;
}

// Where the sets of role `id` are in sets sorted by name: the names that start with "<id>_",
// one run (a role id has no '_', so no other role's set falls in it).
template <typename Sets> auto role_range(Sets &sets, const std::string &id) {
    const std::string prefix = id + "_";
    auto from =
        std::lower_bound(sets.begin(), sets.end(), prefix,
                         [](const SetContent &s, const std::string &p) { return s.spec.name < p; });
    auto to = std::find_if(from, sets.end(), [&](const SetContent &s) {
        return s.spec.name.compare(0, prefix.size(), prefix) != 0;
    });
    return std::pair(from, to);
}

bool by_id(const RoleChain &a, const RoleChain &b) {
    return a.role < b.role;
}

// Takes one role's chain entry and sets out of the layout, into `parts`.
void take_role(Layout &layout, const std::string &id, RoleParts &parts) {
    parts.ids.push_back(id);
    auto r = std::lower_bound(layout.roles.begin(), layout.roles.end(), RoleChain{id, {}}, by_id);
    if (r == layout.roles.end() || r->role != id) return;
    parts.roles.push_back(std::move(*r));
    layout.roles.erase(r);
    auto [from, to] = role_range(layout.sets, id);
    std::move(from, to, std::back_inserter(parts.sets));
    layout.sets.erase(from, to);
}

// Puts a role's chain entry and sets (in name order) into the layout, at their place.
void insert_role(Layout &layout, RoleChain role, std::vector<SetContent> sets) {
    auto at = role_range(layout.sets, role.role).first;
    layout.sets.insert(at, std::make_move_iterator(sets.begin()),
                       std::make_move_iterator(sets.end()));
    auto r = std::lower_bound(layout.roles.begin(), layout.roles.end(), role, by_id);
    layout.roles.insert(r, std::move(role));
}

} // namespace

Layout build_layout(const Catalog &catalog, Policy policy, const RangeValues &ranges,
                    const std::map<std::string, Scope> &enabled) {
    Layout layout;
    layout.policy = policy;
    for (const auto &[id, scope] : enabled) {
        const Role *role = catalog.role(id);
        if (!role) continue;
        layout.roles.push_back({id, role->title});
        for (SetContent &s : role_sets(catalog, ranges, id, scope))
            layout.sets.push_back(std::move(s));
    }
    std::sort(layout.sets.begin(), layout.sets.end(), by_name);
    return layout;
}

Layout config_layout(const Catalog &catalog, const Config &config,
                     const std::map<std::string, Scope> &enabled) {
    Layout layout = build_layout(catalog, config.policy, config.ranges, enabled);
    layout.log_drops = config.log_drops;
    return layout;
}

RoleParts update_role_sets(Layout &layout, const Catalog &catalog, const RangeValues &ranges,
                           const std::map<std::string, Scope> &enabled,
                           const std::vector<std::string> &roles) {
    RoleParts before;
    for (const std::string &id : roles) {
        std::size_t had = before.roles.size(), sets = before.sets.size();
        take_role(layout, id, before);
        auto it = enabled.find(id);
        const Role *role = catalog.role(id);
        if (!role) continue;
        if (it != enabled.end()) {
            insert_role(layout, {id, role->title}, role_sets(catalog, ranges, id, it->second));
        } else if (before.roles.size() != had) { // it was in the layout: its shell stays
            std::vector<SetContent> shell;
            for (std::size_t i = sets; i < before.sets.size(); ++i)
                shell.push_back({before.sets[i].spec, {}});
            insert_role(layout, before.roles.back(), std::move(shell));
        }
    }
    return before;
}

void copy_role_parts(Layout &to, const Layout &from, const std::vector<std::string> &ids) {
    RoleParts old;
    for (const std::string &id : ids) {
        take_role(to, id, old);
        const RoleChain *role = from.role(id);
        if (!role) continue;
        std::vector<SetContent> sets;
        for (const SetContent *s : from.role_sets(id))
            sets.push_back(*s);
        insert_role(to, *role, std::move(sets));
    }
}

void put_back_sets(Layout &layout, RoleParts parts) {
    RoleParts now;
    for (const std::string &id : parts.ids)
        take_role(layout, id, now);
    for (RoleChain &r : parts.roles) {
        std::vector<SetContent> sets;
        for (SetContent &s : parts.sets)
            if (s.spec.role == r.role) sets.push_back(std::move(s));
        insert_role(layout, std::move(r), std::move(sets));
    }
}

Layout without_shells(Layout layout) {
    std::vector<std::string> shells;
    for (const RoleChain &r : layout.roles)
        if (layout.shell(r.role)) shells.push_back(r.role);
    RoleParts gone;
    for (const std::string &id : shells)
        take_role(layout, id, gone);
    return layout;
}

Layout failsafe_layout() {
    Layout layout;
    layout.policy = Policy::drop;
    layout.failsafe = true;
    return layout;
}

namespace {
constexpr const char *comment_prefix = "managed by rolewalld; ";
constexpr const char *failsafe_note = "fail-safe table (the configuration did not load); ";
constexpr const char *layout_word = "layout ";
} // namespace

std::string table_comment(const Layout &layout, const std::string &fingerprint) {
    return std::string(comment_prefix) + (layout.failsafe ? failsafe_note : "") + layout_word +
           fingerprint;
}

std::string fingerprint_in(const std::string &table_comment) {
    std::string prefix = comment_prefix;
    if (table_comment.compare(0, prefix.size(), prefix) != 0) return {};
    std::string rest = table_comment.substr(prefix.size());
    if (rest.compare(0, std::strlen(failsafe_note), failsafe_note) == 0)
        rest.erase(0, std::strlen(failsafe_note));
    if (rest.compare(0, std::strlen(layout_word), layout_word) != 0) return {};
    return rest.substr(std::strlen(layout_word));
}

const SetContent *Layout::set(const std::string &name) const {
    auto it =
        std::lower_bound(sets.begin(), sets.end(), name,
                         [](const SetContent &s, const std::string &n) { return s.spec.name < n; });
    return it != sets.end() && it->spec.name == name ? &*it : nullptr;
}

const RoleChain *Layout::role(const std::string &id) const {
    auto it = std::lower_bound(roles.begin(), roles.end(), id,
                               [](const RoleChain &r, const std::string &i) { return r.role < i; });
    return it != roles.end() && it->role == id ? &*it : nullptr;
}

std::vector<const SetContent *> Layout::role_sets(const std::string &id) const {
    std::vector<const SetContent *> out;
    auto [from, to] = role_range(sets, id);
    for (auto s = from; s != to; ++s)
        out.push_back(&*s);
    return out;
}

bool Layout::shell(const std::string &id) const {
    if (!role(id)) return false;
    auto mine = role_sets(id);
    return std::all_of(mine.begin(), mine.end(),
                       [](const SetContent *s) { return s->elements.empty(); });
}

static bool element_less(const Element &a, const Element &b) {
    return std::tie(a.lo, a.hi, a.comment) < std::tie(b.lo, b.hi, b.comment);
}

// `elements` in element_less order: themselves when they are (a layout's sets are kept sorted
// by key, without overlaps), else a sorted copy kept in `copy`.
static const std::vector<Element> &in_order(const std::vector<Element> &elements,
                                            std::vector<Element> &copy) {
    if (std::is_sorted(elements.begin(), elements.end(), element_less)) return elements;
    copy = elements;
    std::sort(copy.begin(), copy.end(), element_less);
    return copy;
}

SetChange diff_set(const std::vector<Element> &present, const SetContent &desired) {
    std::vector<Element> now_copy, next_copy;
    const std::vector<Element> &now = in_order(present, now_copy);
    const std::vector<Element> &next = in_order(desired.elements, next_copy);
    SetChange c{
        desired.spec.name, desired.spec.role, desired.spec.type, desired.spec.interval, {}, {}};
    std::set_difference(now.begin(), now.end(), next.begin(), next.end(),
                        std::back_inserter(c.remove), element_less);
    std::set_difference(next.begin(), next.end(), now.begin(), now.end(), std::back_inserter(c.add),
                        element_less);
    return c;
}

std::vector<SetChange> diff(const std::vector<SetContent> &present,
                            const std::vector<SetContent> &desired) {
    std::map<std::string, const SetContent *> have;
    for (const auto &s : present)
        have[s.spec.name] = &s;
    std::vector<SetChange> out;
    static const std::vector<Element> none;
    for (const auto &want : desired) {
        auto it = have.find(want.spec.name);
        SetChange c = diff_set(it != have.end() ? it->second->elements : none, want);
        if (!c.remove.empty() || !c.add.empty()) out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(),
              [](const SetChange &a, const SetChange &b) { return a.set < b.set; });
    return out;
}

} // namespace rolewall
