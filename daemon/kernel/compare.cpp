#include "compare.hpp"

#include "build.hpp"
#include "describe.hpp"
#include "fingerprint.hpp"
#include "objects.hpp"

#include <algorithm>
#include <set>

namespace rolewall::kernel {

namespace {

// Element differences listed per set before the rest is only counted.
constexpr std::size_t listed_elements = 10;

std::string flags_text(std::uint32_t flags) {
    static const std::pair<std::uint32_t, const char *> names[] = {{NFT_TABLE_F_DORMANT, "dormant"},
                                                                   {table_flag_owner, "owner"},
                                                                   {table_flag_persist, "persist"}};
    std::string out;
    for (auto [bit, name] : names)
        if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name), flags &= ~bit;
    if (flags) out += (out.empty() ? "" : ",") + std::to_string(flags);
    return out.empty() ? "none" : out;
}

// "policy accept, expected drop" for every field that differs.
void compare_fields(const std::string &what, const Fields &have, const Fields &want,
                    std::vector<std::string> &out) {
    std::set<std::string> names;
    for (const auto &f : have)
        names.insert(f.first);
    for (const auto &f : want)
        names.insert(f.first);
    auto value = [](const Fields &fields, const std::string &name) {
        for (const auto &[n, v] : fields)
            if (n == name) return v;
        return std::string("none");
    };
    for (const std::string &n : names)
        if (value(have, n) != value(want, n))
            out.push_back(what + ": " + n + " " + value(have, n) + ", expected " + value(want, n));
}

struct Rule {
    std::string text;
    std::uint64_t handle = 0;
    std::string role;
};

void compare_rules(const std::string &chain, const std::vector<Rule> &have,
                   const std::vector<Rule> &want, std::vector<std::string> &out) {
    auto texts = [](const std::vector<Rule> &rules) {
        std::multiset<std::string> s;
        for (const Rule &r : rules)
            s.insert(r.text);
        return s;
    };
    std::multiset<std::string> h = texts(have), w = texts(want);
    if (h == w) {
        bool same = std::equal(have.begin(), have.end(), want.begin(), want.end(),
                               [](const Rule &a, const Rule &b) { return a.text == b.text; });
        if (!same) out.push_back("chain " + chain + ": its rules are in another order");
        return;
    }
    std::vector<std::string> extra, missing;
    std::set_difference(h.begin(), h.end(), w.begin(), w.end(), std::back_inserter(extra));
    std::set_difference(w.begin(), w.end(), h.begin(), h.end(), std::back_inserter(missing));
    for (const std::string &t : extra)
        out.push_back("chain " + chain + ": extra rule " + t);
    for (const std::string &t : missing)
        out.push_back("chain " + chain + ": missing rule " + t);
}

std::string element_text(KeyType type, const Element &e) {
    return element_key_str(type, e) +
           (e.comment.empty() ? "" : " comment \"" + e.comment.str() + "\"");
}

void compare_elements(const SetContent &want, std::vector<Element> have,
                      std::vector<std::string> &out) {
    auto less = [](const Element &a, const Element &b) {
        return std::tie(a.lo, a.hi, a.comment) < std::tie(b.lo, b.hi, b.comment);
    };
    std::vector<Element> copy; // only when the layout's set is not in order already
    const std::vector<Element> *ordered = &want.elements;
    if (!std::is_sorted(ordered->begin(), ordered->end(), less)) {
        copy = want.elements;
        std::sort(copy.begin(), copy.end(), less);
        ordered = &copy;
    }
    const std::vector<Element> &wanted = *ordered;
    if (!std::is_sorted(have.begin(), have.end(), less)) std::sort(have.begin(), have.end(), less);
    std::vector<Element> extra, missing;
    std::set_difference(have.begin(), have.end(), wanted.begin(), wanted.end(),
                        std::back_inserter(extra), less);
    std::set_difference(wanted.begin(), wanted.end(), have.begin(), have.end(),
                        std::back_inserter(missing), less);
    const std::string what = "set " + want.spec.name + ": ";
    auto list = [&](const std::vector<Element> &elements, const char *kind) {
        for (std::size_t i = 0; i < elements.size() && i < listed_elements; ++i)
            out.push_back(what + kind + " element " + element_text(want.spec.type, elements[i]));
        if (elements.size() > listed_elements)
            out.push_back(what + std::to_string(elements.size() - listed_elements) + " more " +
                          kind + " elements");
    };
    list(extra, "extra");
    list(missing, "missing");
}

// The comparison, kept apart from the objects it walks.
struct Comparer {
    const KernelContent &kernel;
    const TableObjects &want;
    const Layout &layout;
    Comparison result;
    std::map<std::string, std::string> kernel_anonymous; // name -> content
    std::map<std::uint32_t, std::string> our_anonymous;  // set id -> content

    void chains();
    void sets();
    void rules();
    std::vector<const ChainObject *> our_chains() const;
};

std::vector<const ChainObject *> Comparer::our_chains() const {
    std::vector<const ChainObject *> out;
    for (const ChainObject &c : want.chains)
        out.push_back(&c);
    for (const RoleObjects &r : want.roles)
        out.push_back(&r.chain);
    return out;
}

std::string chain_name(const nftnl_chain *c) {
    return nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
}

void Comparer::chains() {
    std::map<std::string, const nftnl_chain *> have;
    for (const ChainPtr &c : kernel.chains)
        have[chain_name(c.get())] = c.get();
    for (const ChainObject *c : our_chains()) {
        std::string name = chain_name(c->chain.get());
        auto it = have.find(name);
        if (it == have.end()) {
            result.differences.push_back("missing chain " + name);
            continue;
        }
        compare_fields("chain " + name, chain_fields(it->second), chain_fields(c->chain.get()),
                       result.differences);
        have.erase(it);
    }
    for (const auto &[name, c] : have)
        result.differences.push_back("extra chain " + name);
}

void Comparer::sets() {
    std::map<std::string, const KernelSet *> have;
    for (const KernelSet &s : kernel.sets) {
        if (s.anonymous)
            kernel_anonymous[s.name] = anonymous_set_text(s.decl.get(), s.elements);
        else
            have[s.name] = &s;
    }
    for (const RoleObjects &r : want.roles) {
        for (const NamedSet &ns : r.sets) {
            const std::string &name = ns.content->spec.name;
            auto it = have.find(name);
            if (it == have.end()) {
                result.differences.push_back("missing set " + name);
                continue;
            }
            std::size_t before = result.differences.size();
            compare_fields("set " + name, set_fields(it->second->decl.get()),
                           set_fields(ns.decl.get()), result.differences);
            if (result.differences.size() == before)
                compare_elements(*ns.content,
                                 rebuild_ranges(it->second->elements, ns.content->spec.interval),
                                 result.differences);
            have.erase(it);
        }
    }
    for (const auto &[name, s] : have)
        result.differences.push_back("extra set " + name);
}

void Comparer::rules() {
    for (const RuleObject &r : want.input)
        if (r.anonymous)
            our_anonymous[r.anonymous->id] =
                anonymous_set_text(r.anonymous->set.get(), elements_of(r.anonymous->set.get()));
    SetResolver theirs = [&](const std::string &name, std::uint32_t) {
        auto it = kernel_anonymous.find(name);
        return it != kernel_anonymous.end() ? it->second : name;
    };
    SetResolver ours = [&](const std::string &name, std::uint32_t id) {
        auto it = our_anonymous.find(id);
        return it != our_anonymous.end() && name.rfind("__set", 0) == 0 ? it->second : name;
    };
    std::map<std::string, std::vector<Rule>> have, wanted;
    for (const RulePtr &r : kernel.rules)
        have[nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)].push_back(
            {rule_text(r.get(), theirs), nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE), {}});
    auto add = [&](const RuleObject &r) {
        wanted[nftnl_rule_get_str(r.rule.get(), NFTNL_RULE_CHAIN)].push_back(
            {rule_text(r.rule.get(), ours), 0, r.role});
    };
    std::for_each(want.input.begin(), want.input.end(), add);
    for (const RoleObjects &r : want.roles) {
        std::for_each(r.dispatch.begin(), r.dispatch.end(), add);
        std::for_each(r.rules.begin(), r.rules.end(), add);
    }
    for (const ChainObject *c : our_chains()) {
        std::string name = chain_name(c->chain.get());
        compare_rules(name, have[name], wanted[name], result.differences);
    }
    if (!result.differences.empty()) return;
    const std::vector<Rule> &dispatch = have[roles_chain];
    const std::vector<Rule> &roles = wanted[roles_chain];
    for (std::size_t i = 0; i < dispatch.size() && i < roles.size(); ++i)
        result.dispatch[roles[i].role].push_back(dispatch[i].handle);
}

} // namespace

Comparison compare_table(const KernelTable &table, const KernelContent &kernel,
                         const Layout &layout, std::uint32_t flags) {
    std::string comment = table_comment(layout, fingerprint(layout));
    TableObjects want = table_objects(table_name, flags, layout, comment);
    Comparer c{kernel, want, layout, {}, {}, {}};
    std::uint32_t have_flags = table.flags & ~table_flag_owner;
    std::uint32_t want_flags = flags & ~table_flag_owner;
    if (have_flags != want_flags)
        c.result.differences.push_back("table flags " + flags_text(have_flags) + ", expected " +
                                       flags_text(want_flags));
    if (table.comment != comment)
        c.result.differences.push_back("table comment \"" + table.comment + "\", expected \"" +
                                       comment + "\"");
    c.chains();
    c.sets();
    c.rules();
    for (const std::string &other : kernel.others)
        c.result.differences.push_back("extra " + other);
    return c.result;
}

std::optional<Layout> with_shells(const Layout &layout, const KernelContent &kernel) {
    std::map<std::string, const KernelSet *> sets;
    for (const KernelSet &s : kernel.sets)
        if (!s.anonymous) sets[s.name] = &s;
    Layout shells;
    std::vector<std::string> ids;
    const std::string prefix = role_chain("");
    for (const ChainPtr &c : kernel.chains) {
        std::string name = chain_name(c.get());
        if (name.rfind(prefix, 0) != 0) continue;
        std::string id = name.substr(prefix.size());
        if (layout.role(id)) continue;
        std::vector<SetContent> empty;
        bool shell = true;
        for (const char *suffix : role_set_suffixes) {
            auto it = sets.find(id + "_" + suffix);
            if (it == sets.end()) continue;
            std::optional<SetSpec> spec = spec_of(it->second->decl.get());
            shell = shell && spec && it->second->elements.empty();
            if (!shell) break;
            spec->role = id;
            empty.push_back({*spec, {}});
        }
        if (!shell || empty.empty()) continue;
        ids.push_back(id);
        shells.roles.push_back({id, chain_comment(c.get())});
        std::move(empty.begin(), empty.end(), std::back_inserter(shells.sets));
    }
    if (ids.empty()) return std::nullopt;
    std::sort(shells.roles.begin(), shells.roles.end(),
              [](const RoleChain &a, const RoleChain &b) { return a.role < b.role; });
    std::sort(shells.sets.begin(), shells.sets.end(),
              [](const SetContent &a, const SetContent &b) { return a.spec.name < b.spec.name; });
    Layout out = layout;
    copy_role_parts(out, shells, ids);
    return out;
}

} // namespace rolewall::kernel
