#include "rolewall/explain.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rolewall {

Scope enable_scope(const Manager &manager, const std::string &role) {
    return manager.enable_base(role);
}

std::string enable_command(const std::string &role, const Scope &scope) {
    std::string out = "rolewallctl enable " + role;
    for (const auto &i : scope.interfaces)
        out += " --interface " + i;
    for (const auto &s : scope.sources)
        out += " --source " + s.str();
    return out;
}

namespace {

bool accepts_with(const Catalog &catalog, const RangeValues &ranges, const std::string &role,
                  const Scope &scope, const Packet &p) {
    return !roles_accepting(catalog, ranges, {{role, scope}}, p).empty();
}

// The smallest widening of `scope` (the packet's interface, its source, or both) that makes
// `role` accept the packet, as a rolewallctl command; "" when none does.
std::string widening(const Catalog &catalog, const RangeValues &ranges, const std::string &role,
                     const Scope &scope, const Packet &p) {
    std::string add_if = " --add-interface " + p.interface;
    std::string add_src = " --add-source " + address_str(p.source);
    Scope with_if = scope, with_src = scope, with_both = scope;
    bool can_if = !scope.interfaces.empty() && !p.interface.empty();
    bool can_src = !scope.sources.empty();
    with_if.interfaces.push_back(p.interface);
    with_src.sources.push_back(p.source);
    with_both.interfaces.push_back(p.interface);
    with_both.sources.push_back(p.source);
    std::string base = "rolewallctl enable " + role;
    if (can_if && accepts_with(catalog, ranges, role, with_if, p)) return base + add_if;
    if (can_src && accepts_with(catalog, ranges, role, with_src, p)) return base + add_src;
    if (can_if && can_src && accepts_with(catalog, ranges, role, with_both, p))
        return base + add_if + add_src;
    return {};
}

} // namespace

Explanation explain(const Layout &layout, const Catalog &catalog, const RangeValues &ranges,
                    const Packet &packet, const ScopeOf &enable_scope_of) {
    Explanation e;
    e.packet = packet;
    e.verdict = evaluate(layout, packet);
    e.roles = roles_for_packet(catalog, ranges, packet);
    std::map<std::string, Scope> scopes;
    for (const auto &r : e.roles)
        scopes[r] = enable_scope_of(r);
    e.would_accept = roles_accepting(catalog, ranges, scopes, packet);
    if (e.verdict.action == Verdict::Action::accept) return e;
    for (const auto &r : e.would_accept)
        e.commands.push_back(enable_command(r, scopes[r]));
    for (const auto &r : e.roles) {
        if (std::binary_search(e.would_accept.begin(), e.would_accept.end(), r)) continue;
        if (auto c = widening(catalog, ranges, r, scopes[r], packet); !c.empty())
            e.commands.push_back(std::move(c));
    }
    return e;
}

namespace {

// The local address the kernel picks for replies to `source`: the route lookup of a connected
// UDP socket (nothing is sent).
std::optional<sockaddr_storage> local_address_towards(const Cidr &source) {
    sockaddr_storage to{};
    socklen_t len = 0;
    if (source.v6) {
        auto *s6 = reinterpret_cast<sockaddr_in6 *>(&to);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(9); // discard; never used
        std::memcpy(&s6->sin6_addr, source.addr.data(), 16);
        len = sizeof *s6;
    } else {
        auto *s4 = reinterpret_cast<sockaddr_in *>(&to);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(9);
        std::memcpy(&s4->sin_addr, source.addr.data(), 4);
        len = sizeof *s4;
    }
    int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    bool ok = connect(fd, reinterpret_cast<sockaddr *>(&to), len) == 0 &&
              getsockname(fd, reinterpret_cast<sockaddr *>(&local), &local_len) == 0;
    close(fd);
    if (!ok) return std::nullopt;
    return local;
}

const void *address_bytes(const sockaddr *sa) {
    if (sa->sa_family == AF_INET6) return &reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr;
    return &reinterpret_cast<const sockaddr_in *>(sa)->sin_addr;
}

} // namespace

std::string route_interface(const Cidr &source) {
    auto local = local_address_towards(source);
    if (!local) return {};
    const auto *l = reinterpret_cast<const sockaddr *>(&*local);
    std::size_t n = source.v6 ? 16 : 4;
    if (std::memcmp(address_bytes(l), source.addr.data(), n) == 0) return "lo"; // our own
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    std::string out;
    for (ifaddrs *i = list; i && out.empty(); i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == l->sa_family &&
            std::memcmp(address_bytes(i->ifa_addr), address_bytes(l), n) == 0)
            out = i->ifa_name;
    freeifaddrs(list);
    return out;
}

} // namespace rolewall
