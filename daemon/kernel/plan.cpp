#include "plan.hpp"

#include "build.hpp"
#include "transaction.hpp"

#include <algorithm>

namespace rolewall::kernel {

namespace {

// iifname @<role>_if jump ...; meta nfproto @<role>_anyif jump ...
constexpr std::size_t dispatch_rules = 2;

std::vector<std::string> candidates(const Cache &c, const Layout &desired, const ApplyHint &hint) {
    std::vector<std::string> ids = hint.roles();
    if (hint.all()) {
        for (const RoleChain &r : c.held.roles)
            ids.push_back(r.role);
        for (const RoleChain &r : desired.roles)
            ids.push_back(r.role);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

// The same chain and the same set declarations: only elements differ.
bool same_shape(const RoleChain &a, const RoleChain &b, const std::vector<const SetContent *> &x,
                const std::vector<const SetContent *> &y) {
    return a == b &&
           std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](const SetContent *s, const SetContent *t) { return s->spec == t->spec; });
}

// The first dispatch rule of the next role (in id order) that stays in the table.
std::optional<std::uint64_t> anchor(const Cache &c, const Steps &s, const std::string &id) {
    auto it = std::upper_bound(c.held.roles.begin(), c.held.roles.end(), id,
                               [](const std::string &i, const RoleChain &r) { return i < r.role; });
    for (; it != c.held.roles.end(); ++it) {
        if (std::binary_search(s.removed.begin(), s.removed.end(), it->role)) continue;
        auto handles = c.dispatch.find(it->role);
        if (handles != c.dispatch.end() && !handles->second.empty()) return handles->second.front();
    }
    return std::nullopt;
}

} // namespace

Steps role_steps(const Cache &c, const Layout &desired, const ApplyHint &hint) {
    Steps s;
    for (const RoleChain &r : c.held.roles) {
        auto it = c.dispatch.find(r.role);
        if (it == c.dispatch.end() || it->second.size() != dispatch_rules) s.feasible = false;
    }
    for (const std::string &id : candidates(c, desired, hint)) {
        const RoleChain *held = c.held.role(id), *want = desired.role(id);
        if (!held && !want) continue;
        if (held && want) {
            auto now = c.held.role_sets(id), next = desired.role_sets(id);
            if (same_shape(*held, *want, now, next)) {
                std::size_t before = s.changes.size();
                for (std::size_t i = 0; i < next.size(); ++i)
                    if (now[i]->elements != next[i]->elements)
                        s.changes.push_back(diff_set(now[i]->elements, *next[i]));
                if (s.changes.size() != before) s.touched.push_back(id);
                continue;
            }
        }
        if (held) s.removed.push_back(id);
        if (want) s.added.push_back(id);
        s.touched.push_back(id);
    }
    return s;
}

void add_steps(Batch &batch, const Cache &c, const Layout &desired, const Steps &s) {
    for (const std::string &id : s.removed) {
        std::vector<std::string> sets;
        for (const SetContent *set : c.held.role_sets(id))
            sets.push_back(set->spec.name);
        add_role_removal(batch, table_name, id, c.dispatch.at(id), sets);
    }
    add_changes(batch, table_name, s.changes);
    SetIdAllocator ids;
    for (const std::string &id : s.added)
        add_role(batch, role_objects(table_name, desired, *desired.role(id), ids),
                 anchor(c, s, id));
}

void count_elements(const Cache &c, const Layout &desired, const Steps &s, ApplyReport &report) {
    for (const std::string &id : s.removed)
        for (const SetContent *set : c.held.role_sets(id))
            report.removed += set->elements.size();
    for (const std::string &id : s.added)
        for (const SetContent *set : desired.role_sets(id))
            report.added += set->elements.size();
    for (const SetChange &ch : s.changes) {
        report.added += ch.add.size();
        report.removed += ch.remove.size();
    }
}

} // namespace rolewall::kernel
