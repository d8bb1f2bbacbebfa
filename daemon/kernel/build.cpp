#include "build.hpp"

namespace rolewall::kernel {

RoleObjects role_objects(const std::string &table, const Layout &layout, const RoleChain &role,
                         SetIdAllocator &ids) {
    RoleObjects o;
    o.role = role.role;
    o.chain = {chain_object(table, role_chain(role.role), role.title), role.role};
    for (const SetContent *s : layout.role_sets(role.role)) {
        std::uint32_t id = ids.add(s->spec.name);
        o.sets.push_back({set_object(table, s->spec, id), s, id});
    }
    for (RulePtr &r : role_rules(table, role, ids.ids()))
        o.rules.push_back({std::move(r), role.role, std::nullopt, false});
    for (RulePtr &r : roles_rules(table, role, ids.ids()))
        o.dispatch.push_back({std::move(r), role.role, std::nullopt, true});
    return o;
}

TableObjects table_objects(const std::string &table, std::uint32_t flags, const Layout &layout,
                           const std::string &comment) {
    TableObjects t;
    t.table = table_object(table, flags, comment);
    t.chains.push_back({input_chain_object(table), {}});
    if (!layout.failsafe) t.chains.push_back({chain_object(table, roles_chain, {}), {}});
    SetIdAllocator ids;
    for (const RoleChain &r : layout.roles)
        t.roles.push_back(role_objects(table, layout, r, ids));
    std::uint32_t icmp = ids.next(), icmpv6 = ids.next();
    std::vector<RulePtr> input = input_rules(table, layout, icmp, icmpv6);
    for (std::size_t i = 0; i < input.size(); ++i) {
        RuleObject o{std::move(input[i]), {}, std::nullopt, false};
        // Rules 4 and 6 of chain input look up the ICMP and ICMPv6 type sets (see rules.cpp).
        if (i == 3) o.anonymous = icmp_types_set(table, icmp);
        if (i == 5) o.anonymous = icmpv6_types_set(table, icmpv6);
        t.input.push_back(std::move(o));
    }
    return t;
}

} // namespace rolewall::kernel
