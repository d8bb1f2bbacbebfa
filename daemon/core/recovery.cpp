#include "recovery.hpp"

namespace rolewall {

namespace {

using SetIndex = std::map<std::string, const SetContent *>;

const std::vector<Element> *elements_of(const SetIndex &sets, const std::string &name) {
    auto it = sets.find(name);
    return it == sets.end() ? nullptr : &it->second->elements;
}

bool holds_only(const std::vector<Element> &elements, const char *cidr) {
    Element e = cidr_element(*Cidr::parse(cidr), {});
    return elements.size() == 1 && elements[0].lo == e.lo && elements[0].hi == e.hi;
}

// The scope a role's scope sets stand for (the inverse of build_layout()'s fill); nullopt when
// the role is disabled: it has no sets, or only the empty sets of its shell (ruleset.hpp); an
// error when they hold something no scope makes.
Result<std::optional<Scope>> decode_role(const SetIndex &sets, const std::string &role) {
    bool filled = false;
    for (const char *suffix : role_set_suffixes) {
        const auto *elements = elements_of(sets, role + "_" + suffix);
        filled = filled || (elements && !elements->empty());
    }
    if (!filled) return std::optional<Scope>();
    const auto *ifs = elements_of(sets, role + "_if");
    const auto *anyif = elements_of(sets, role + "_anyif");
    const auto *v4 = elements_of(sets, role + "_v4");
    const auto *v6 = elements_of(sets, role + "_v6");
    if (!ifs || !anyif || !v4 || !v6) return make_error(Errc::invalid_config, "sets missing");
    if (v4->empty() && v6->empty()) return make_error(Errc::invalid_config, "no sources");
    Scope scope;
    for (const Element &e : *ifs) {
        std::string quoted = element_key_str(KeyType::ifname, e); // "\"lan0\"", "\"vlan*\""
        scope.interfaces.push_back(quoted.substr(1, quoted.size() - 2));
    }
    if (!(holds_only(*v4, "0.0.0.0/0") && holds_only(*v6, "::/0"))) {
        for (auto [list, type] : {std::pair{v4, KeyType::ipv4_addr}, {v6, KeyType::ipv6_addr}})
            for (const Element &e : *list) {
                auto c = Cidr::parse(element_key_str(type, e)); // a range is no network
                if (!c) return c.error();
                scope.sources.push_back(*c);
            }
    }
    scope.normalize();
    return std::optional<Scope>(std::move(scope));
}

// Sets that carry a role's scope (interfaces, families, sources), not its ports, which come
// from the catalog and may have changed with it.
bool scope_set(const SetSpec &spec) {
    return spec.type == KeyType::ifname || spec.type == KeyType::nf_proto ||
           spec.type == KeyType::ipv4_addr || spec.type == KeyType::ipv6_addr;
}

bool same_keys(const SetContent &a, const SetContent &b) {
    return std::equal(
        a.elements.begin(), a.elements.end(), b.elements.begin(), b.elements.end(),
        [](const Element &x, const Element &y) { return x.lo == y.lo && x.hi == y.hi; });
}

} // namespace

KernelRoles roles_in_kernel(bool table, const std::vector<SetContent> &sets, const Catalog &catalog,
                            const Config &config) {
    KernelRoles out;
    out.table = table || !sets.empty();
    if (!out.table) return out;
    SetIndex index;
    for (const SetContent &s : sets)
        index[s.spec.name] = &s;
    std::map<std::string, Scope> enabled;
    for (const auto &[id, role] : catalog.roles()) {
        auto decoded = decode_role(index, id);
        if (!decoded) {
            out.unreadable.insert(id);
            continue;
        }
        if (*decoded) enabled[id] = **decoded;
        out.roles[id] = std::move(*decoded);
    }
    // Built again from what was read, the role's scope sets must be what the kernel holds.
    Layout again = config_layout(catalog, config, enabled);
    for (const SetContent &s : again.sets) {
        if (!scope_set(s.spec) || out.unreadable.count(s.spec.role)) continue;
        auto it = index.find(s.spec.name);
        if (it != index.end() && same_keys(*it->second, s)) continue;
        out.unreadable.insert(s.spec.role);
        out.roles.erase(s.spec.role);
    }
    return out;
}

namespace {

// Would the config alone give the role exactly this? Then the saved layer holds no entry.
bool as_config_says(const Config &config, const std::string &role, const SavedRole &entry) {
    auto it = config.roles.find(role);
    if (it == config.roles.end()) return !entry.enabled;
    return entry.enabled && entry.scope == it->second;
}

std::string decided(const KernelRoles &kernel, const std::string &role, SavedRole &entry) {
    entry = {false, {}, 0, {}};
    if (!kernel.table) return "disabled: the kernel holds no table to keep it as it was";
    auto it = kernel.roles.find(role);
    if (it == kernel.roles.end())
        return "disabled: its sets in the kernel are not what rolewalld makes of any scope";
    if (!it->second) return "disabled, as the kernel holds it";
    entry = {true, *it->second, 0, {}};
    return "enabled, as the kernel holds it";
}

} // namespace

SavedState recover_saved(const StateRead &read, const KernelRoles &kernel, const Catalog &catalog,
                         const Config &config, std::vector<Notice> &notices) {
    SavedState state = read.good;
    for (const auto &[id, role] : catalog.roles()) {
        if (!read.is_damaged(id)) continue;
        SavedRole entry;
        std::string how = decided(kernel, id, entry);
        bool same = as_config_says(config, id, entry);
        if (same)
            state.erase(id);
        else
            state[id] = entry;
        if (read.damaged.count(id) || !same)
            notices.push_back({"the state file's entry for role '" + id +
                                   "' is damaged or lost; the role stays " + how,
                               id});
    }
    for (const auto &id : read.damaged)
        if (!catalog.role(id))
            notices.push_back({"the state file's damaged entry for role '" + id +
                                   "', which the catalog does not have, is dropped",
                               id});
    return state;
}

SavedState keep_damaged(const StateRead &read, const SavedState &in_force, const Catalog &catalog,
                        std::vector<Notice> &notices) {
    SavedState state = read.good;
    std::set<std::string> roles(read.damaged.begin(), read.damaged.end());
    for (const auto &[id, role] : catalog.roles())
        if (read.is_damaged(id)) roles.insert(id);
    for (const auto &id : roles) {
        if (!read.is_damaged(id)) continue;
        auto it = in_force.find(id);
        if (it != in_force.end())
            state[id] = it->second;
        else
            state.erase(id);
        if (read.damaged.count(id))
            notices.push_back({"the state file's entry for role '" + id +
                                   "' is damaged; the role keeps the saved state in force",
                               id});
    }
    return state;
}

} // namespace rolewall
