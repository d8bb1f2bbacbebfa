// Large scopes: 100,000 source entries in one role.
#include "backend_util.hpp"
#include "kernel/nft_backend.hpp"
#include "kernel_util.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace rolewall;
using namespace testns;

TEST_CASE("100,000 source entries go through as one transaction") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    auto before = handles();

    roles[2].sources = many_sources(100000); // ssh
    Layout big = make_layout(roles);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, big);
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.added == 100000);
    CHECK(r.removed == 3);   // 192.0.2.0/24, 198.51.100.7 and 2001:db8::/32
    CHECK(r.messages >= 90); // about 6 MB of elements, 64 KiB per message
    CHECK(generation() == gen + 1);
    CHECK(handles() == before);

    auto sets = backend->read();
    REQUIRE(sets.ok());
    const SetContent *v4 = big.set("ssh_v4");
    REQUIRE(v4);
    for (const SetContent &s : *sets)
        if (s.spec.name == "ssh_v4") CHECK(s.elements == v4->elements);

    // Toggling another role takes a few messages, whatever the size of ssh_v4.
    roles[0].enabled = false;
    Layout toggled = make_layout(roles);
    auto t = backend->apply(toggled, ApplyHint::only({"ad-dc"}));
    REQUIRE(t.ok());
    CHECK(t->kind == ApplyReport::Kind::elements);
    CHECK(t->messages < 16); // its chain, sets and dispatch rules go: no element message
    CHECK(apply_ok(*backend, toggled).kind == ApplyReport::Kind::unchanged);

    // And back to the small scope, again in one transaction.
    roles[2].sources = {"192.0.2.0/24"};
    gen = generation();
    r = apply_ok(*backend, make_layout(roles));
    CHECK(r.removed == 100000);
    CHECK(generation() == gen + 1);
}

TEST_CASE("A new backend reads a table with 100,000 elements back and changes nothing") {
    auto roles = sample_roles();
    roles[2].sources = many_sources(100000);
    Layout big = make_layout(roles);
    {
        auto first = open_backend();
        apply_ok(*first, big);
    }
    auto second = open_backend();
    ApplyReport r = apply_ok(*second, big);
    CHECK(r.kind == ApplyReport::Kind::unchanged);
    CHECK(r.messages == (second->table_flags() ? 1u : 0u)); // taking the table over
}

TEST_CASE("A layout created with 100,000 entries lists as render_nft writes it") {
    auto roles = sample_roles();
    roles[2].sources = many_sources(100000);
    Layout big = make_layout(roles);
    auto backend = open_backend();
    ApplyReport r = apply_ok(*backend, big);
    CHECK(r.kind == ApplyReport::Kind::created);
    CHECK(table_text() == rendered(big));
}
