// Whatever validates, the kernel accepts: random valid scopes (overlapping interface names and
// patterns, overlapping CIDRs, IPv4 and IPv6, /0 and full-length prefixes, 15-character names,
// duplicates) for random shipped roles, each applied, re-scoped and toggled in this process's
// own namespace. None may be refused. ROLEWALL_SEED=N repeats a run; the seed is printed on a
// failure.
#include "backend_util.hpp"
#include "kernel_util.hpp"
#include "rolewall/catalog.hpp"
#include "rolewall/scope.hpp"
#include "support.hpp"

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
        auto r = backend->apply(layout, ApplyHint::everything());
        INFO((r ? std::string() : r.error().message));
        REQUIRE(r.ok());
        // One role re-scoped in place, then disabled, as a toggle does it.
        std::string role = next.begin()->first;
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
        CHECK(backend->verify(build_layout(*cat, Policy::drop, ranges, next)).value().matches);
    }
}
