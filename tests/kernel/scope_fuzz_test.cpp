// Whatever validates, the kernel accepts: random valid scopes (overlapping interface names and
// patterns, overlapping CIDRs, IPv4 and IPv6, /0 and full-length prefixes, 15-character names,
// duplicates) for random shipped roles, each applied, re-scoped and toggled in this process's
// own namespace; port ranges at the ends of the port space and comments near the kernel's limit
// in a role's port sets. None may be refused, and each reads back as it was applied.
// ROLEWALL_SEED=N repeats a run; the seed is printed on a failure.
#include "backend_util.hpp"
#include "kernel_util.hpp"
#include "rolewall/catalog.hpp"
#include "rolewall/scope.hpp"
#include "support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

using namespace rolewall;
using namespace testns;

namespace {

using Rng = std::mt19937;

int pick(Rng &rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// A small alphabet, so that names and patterns overlap and touch often ("a*" ends where "b"
// starts); now and then the longest name or pattern there is.
std::string random_interface(Rng &rng) {
    static const std::string alphabet = "ab0";
    bool wild = pick(rng, 0, 1);
    std::size_t len = pick(rng, 0, 9) == 0 ? 15 - wild : pick(rng, 1, 3);
    std::string name;
    for (std::size_t i = 0; i < len; ++i)
        name += alphabet[pick(rng, 0, static_cast<int>(alphabet.size()) - 1)];
    return wild ? name + "*" : name;
}

std::string random_source(Rng &rng) {
    static const std::vector<std::string> v4 = {"0.0.0.0", "192.0.2.0", "192.0.2.128",
                                                "198.51.100.7", "255.255.255.255"};
    static const std::vector<std::string> v6 = {"::", "2001:db8::", "2001:db8::8000",
                                                "2001:db8:1::1", "ffff:ffff:ffff:ffff::"};
    static const std::vector<int> p4 = {0, 1, 8, 24, 25, 31, 32}, p6 = {0, 1, 32, 64, 127, 128};
    bool six = pick(rng, 0, 1);
    const auto &addrs = six ? v6 : v4;
    const auto &prefixes = six ? p6 : p4;
    std::string a = addrs[pick(rng, 0, static_cast<int>(addrs.size()) - 1)];
    int p = prefixes[pick(rng, 0, static_cast<int>(prefixes.size()) - 1)];
    return pick(rng, 0, 3) == 0 ? a : a + "/" + std::to_string(p);
}

// A scope as the config reader makes it: each item checked, what does not validate left out
// (it would be refused with file and line, never reach the kernel), then normalised.
Scope random_scope(Rng &rng) {
    std::vector<std::string> ifs, srcs;
    int n_if = pick(rng, 0, 6), n_src = pick(rng, 0, 6);
    for (int i = 0; i < n_if; ++i)
        ifs.push_back(random_interface(rng));
    for (int i = 0; i < n_src; ++i)
        srcs.push_back(random_source(rng));
    if (n_if && pick(rng, 0, 3) == 0) ifs.push_back(ifs.front()); // a duplicate
    Scope s;
    for (const auto &i : ifs)
        if (auto ok = parse_interfaces({i}, ScopeLimits{}, ScopeInput::file))
            s.interfaces.push_back(i);
    for (const auto &c : srcs)
        if (auto ok = parse_sources({c}, ScopeLimits{}, ScopeInput::file))
            s.sources.push_back(ok->front());
    s.normalize();
    return s;
}

// A comment of a length near what the kernel takes (128 bytes with its NUL): the element
// codecs cut longer ones, and the kernel must take what they leave and list it back as it was.
std::string random_comment(Rng &rng) {
    static const std::vector<int> lengths = {0, 1, 15, 16, 100, 126, 127, 128, 129, 255};
    int n = lengths[pick(rng, 0, static_cast<int>(lengths.size()) - 1)];
    std::string out;
    for (int i = 0; i < n; ++i)
        out += static_cast<char>('a' + pick(rng, 0, 25));
    return out;
}

// Port ranges as a role's port set holds them (sorted, apart), often touching the ends of the
// port space: from 0 or 1, up to 65534 or 65535 (a range up to 65535 has no end element), and
// the whole space; each with a random comment.
std::vector<Element> random_ports(Rng &rng) {
    static const std::vector<int> edges = {0, 1, 2, 1023, 1024, 32767, 32768, 65533, 65534, 65535};
    std::vector<int> cuts;
    for (int n = pick(rng, 1, 8); n > 0; --n)
        cuts.push_back(pick(rng, 0, 1) ? edges[pick(rng, 0, static_cast<int>(edges.size()) - 1)]
                                       : pick(rng, 0, 65535));
    if (pick(rng, 0, 4) == 0) cuts = {0, 65535};
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<Element> out;
    for (std::size_t i = 0; i < cuts.size(); i += 2) { // [cut, next cut] or a single port
        int lo = cuts[i], hi = i + 1 < cuts.size() ? cuts[i + 1] : cuts[i];
        out.push_back(port_element({static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi)},
                                   random_comment(rng)));
    }
    return out;
}

std::string describe(const std::map<std::string, Scope> &enabled) {
    std::string out;
    for (const auto &[role, s] : enabled) {
        out += role + ": interfaces [";
        for (const auto &i : s.interfaces)
            out += "\"" + i + "\" ";
        out += "] sources [";
        for (const auto &c : source_strings(s.sources))
            out += c + " ";
        out += "]\n";
    }
    return out;
}

unsigned seed_of_run() {
    if (const char *s = std::getenv("ROLEWALL_SEED")) return static_cast<unsigned>(std::atoll(s));
    return std::random_device{}();
}

} // namespace

TEST_CASE("Random valid scopes are never refused by the kernel, applied or toggled") {
    auto cat = Catalog::load(testsupport::source_dir() + "/catalog");
    REQUIRE(cat.ok());
    std::vector<std::string> ids;
    for (const auto &[id, role] : cat->roles())
        ids.push_back(id);
    const RangeValues ranges = default_range_values();
    unsigned seed = seed_of_run();
    INFO("ROLEWALL_SEED=" << seed);
    Rng rng(seed);
    auto backend = open_backend();
    for (int round = 0; round < 60; ++round) {
        INFO("round " << round);
        std::map<std::string, Scope> next;
        for (int n = pick(rng, 1, 3); n > 0; --n)
            next[ids[pick(rng, 0, static_cast<int>(ids.size()) - 1)]] = random_scope(rng);
        INFO("scopes:\n" << describe(next));
        Layout layout = build_layout(*cat, Policy::drop, ranges, next);
        // The role re-scoped below gets port ranges at the ends of the port space and comments
        // near the kernel's limit in its port sets (the catalog has neither); re-scoping it
        // puts back what build_layout() makes.
        std::string role = next.begin()->first;
        std::string ports;
        for (const char *l4 : {"_tcp", "_udp"}) {
            for (SetContent &set : layout.sets) {
                if (set.spec.name != role + l4) continue;
                set.elements = random_ports(rng);
                for (const Element &e : set.elements)
                    ports += set.spec.name + " " + element_key_str(set.spec.type, e) +
                             " comment of " + std::to_string(e.comment.size()) + " bytes\n";
            }
        }
        INFO("ports:\n" << ports);
        auto r = backend->apply(layout, ApplyHint::everything());
        INFO((r ? std::string() : r.error().message));
        REQUIRE(r.ok());
        auto listed = backend->verify(layout);
        REQUIRE(listed.ok());
        std::string differences;
        for (const std::string &d : listed->differences)
            differences += d + "\n";
        INFO("read back:\n" << differences);
        CHECK(listed->matches);
        // The same role re-scoped in place, then disabled, as a toggle does it.
        std::map<std::string, Scope> one = {{role, random_scope(rng)}};
        INFO("re-scoped:\n" << describe(one));
        update_role_sets(layout, *cat, ranges, one, {role});
        auto t = backend->apply(layout, ApplyHint::only({role}));
        INFO((t ? std::string() : t.error().message));
        REQUIRE(t.ok());
        CHECK(backend->verify(layout).value().matches);
        update_role_sets(layout, *cat, ranges, {}, {role});
        REQUIRE(backend->apply(layout, ApplyHint::only({role})).ok());
        next.erase(role);
        // Disabled, the role stays as an empty shell until the next full build.
        CHECK(layout.shell(role));
        CHECK(without_shells(layout).sets == build_layout(*cat, Policy::drop, ranges, next).sets);
        CHECK(backend->verify(layout).value().matches);
    }
}
