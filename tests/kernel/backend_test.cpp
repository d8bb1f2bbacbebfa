// The kernel backend against a real kernel, in this process's own network namespace.
#include "backend_util.hpp"
#include "dump.hpp"
#include "kernel/nft_backend.hpp"
#include "kernel_util.hpp"
#include "support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <utility>

using namespace rolewall;
using namespace testns;

namespace {

RoleSpec *find(std::vector<RoleSpec> &roles, const std::string &id) {
    for (auto &r : roles)
        if (r.id == id) return &r;
    FAIL("no role " << id);
    return nullptr;
}

RoleSpec ntp_role() {
    RoleSpec r;
    r.id = "ntp";
    r.title = "Time server";
    r.udp = {{123, 123, "ntp"}};
    return r;
}

void check_same_sets(const std::vector<SetContent> &got, const Layout &want) {
    REQUIRE(got.size() == want.sets.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(got[i].spec.name);
        CHECK(got[i].spec == want.sets[i].spec);
        CHECK(got[i].elements == want.sets[i].elements);
    }
}

} // namespace

TEST_CASE("Applying a layout to an empty kernel creates the table render_nft describes") {
    auto backend = open_backend();
    Layout layout = make_layout(sample_roles());
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, layout);
    CHECK(r.kind == ApplyReport::Kind::created);
    CHECK(generation() == gen + 1); // one transaction
    CHECK(table_text() == rendered(layout));

    auto objs = objects();
    std::size_t sets = 0, chains = 0, rules = 0;
    for (const Json &o : objs) {
        const std::string &kind = o.begin().key();
        sets += kind == "set", chains += kind == "chain", rules += kind == "rule";
    }
    // Scope sets (anyif, if, v4, v6) of the three roles; ad-dc has tcp, udp and proto sets,
    // web tcp and udp, ssh tcp only.
    CHECK(sets == 4 * 3 + 3 + 2 + 1);
    CHECK(chains == 2 + 3); // input, roles and one per role
    // input; two per role in roles; per port set two in the role's chain (IPv4 and IPv6)
    CHECK(rules == 10 + 2 * 3 + 2 * (3 + 2 + 1));
    CHECK(r.added == 10 + 7 + 6);
}

TEST_CASE("The kernel holds the same expressions nft -f makes of render_nft's text") {
    auto backend = open_backend();
    Layout layout = make_layout(sample_roles(), Policy::reject);
    apply_ok(*backend, layout);
    // nft's own rendering, in a namespace of its own (nested in ours).
    Run theirs = run(
        {"unshare", "-rn", "sh", "-c", "nft -f - && nft --debug=netlink list table inet rolewall"},
        rendered(layout));
    REQUIRE(theirs.status == 0);
    Run ours = nft({"--debug=netlink", "list", "table", "inet", "rolewall"});
    // Compare the rules: everything but elements (nft adds an END element at key 0 to
    // interval sets that we leave out, and hash sets list in no fixed order).
    auto rules_only = [](const std::string &text) {
        std::string out;
        for (std::size_t pos = 0, nl; pos < text.size(); pos = nl + 1) {
            nl = text.find('\n', pos);
            if (nl == std::string::npos) nl = text.size();
            std::string line = text.substr(pos, nl - pos);
            if (line.empty() || line.rfind("\telement", 0) == 0 ||
                line.rfind("table inet", 0) == 0 || line.rfind("\tflags", 0) == 0)
                continue;
            out += line + "\n";
        }
        return out;
    };
    CHECK(rules_only(ours.out) == rules_only(theirs.out));
    CHECK(table_text() == rendered(layout));
}

TEST_CASE("Every shipped role enabled at once: the kernel takes it and nft -f takes its text") {
    auto cat = Catalog::load(testsupport::source_dir() + "/catalog");
    REQUIRE(cat.ok());
    std::map<std::string, Scope> all;
    for (const auto &[id, role] : cat->roles())
        all.emplace(id, Scope{});
    Layout layout = build_layout(*cat, Policy::drop, default_range_values(), all);
    REQUIRE(layout.roles.size() == cat->roles().size());
    apply_ok(*open_backend(), layout);
    CHECK(table_text() == rendered(layout));
    // A role id that is an nft keyword ("ipsec") still makes a chain name nft can parse. (Only
    // that role's chain and sets: nft may not send a batch as large as the whole unprivileged.)
    Layout ipsec = layout;
    std::erase_if(ipsec.roles, [](const RoleChain &r) { return r.role != "ipsec"; });
    std::erase_if(ipsec.sets, [](const SetContent &s) { return s.spec.role != "ipsec"; });
    Run theirs = run({"unshare", "-rn", "sh", "-c", "nft -f - && nft -s list table inet rolewall"},
                     rendered(ipsec));
    INFO(theirs.out);
    REQUIRE(theirs.status == 0);
    CHECK(theirs.out.find("chain role-ipsec {") != std::string::npos);
    CHECK(theirs.out == rendered(ipsec));
}

TEST_CASE("Sets read back exactly as they were applied") {
    auto backend = open_backend();
    Layout layout = make_layout(sample_roles());
    apply_ok(*backend, layout);
    auto sets = backend->read();
    REQUIRE(sets.ok());
    check_same_sets(*sets, layout);
}

TEST_CASE("Re-applying the same layout sends nothing") {
    auto backend = open_backend();
    Layout layout = make_layout(sample_roles());
    apply_ok(*backend, layout);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, layout);
    CHECK(r.kind == ApplyReport::Kind::unchanged);
    CHECK(r.messages == 0);
    CHECK(generation() == gen);
}

TEST_CASE("Toggling a role adds or removes its objects, and every other handle stays the same") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    auto before = handles();
    auto others = [](std::map<std::string, long long> h) {
        std::erase_if(h,
                      [](const auto &kv) { return kv.first.find("ad-dc") != std::string::npos; });
        return h;
    };
    find(roles, "ad-dc")->enabled = false;
    Layout off = make_layout(roles);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, off);
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.removed == 3 + 2 + 1 + 2 + 2); // tcp, udp, proto, anyif, v4 + v6
    CHECK(r.added == 0);
    CHECK(generation() == gen + 1);
    CHECK(handles() == others(before)); // nothing of ad-dc left, the rest as it was
    CHECK(table_text() == rendered(off));
    CHECK_THAT(listing(), !Catch::Contains("ad-dc"));

    find(roles, "ad-dc")->enabled = true;
    r = apply_ok(*backend, make_layout(roles));
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.added == 10);
    auto after = handles();
    CHECK(others(after) == others(before));
    CHECK(after.size() == before.size());
    // In chain roles, ad-dc's dispatch rules are back in front of the others (role order).
    CHECK(table_text() == rendered(make_layout(roles)));
}

TEST_CASE("A role's shell changes only elements, and a new backend drops it in place") {
    auto backend = open_backend();
    auto roles = sample_roles();
    const Layout on = make_layout(roles);
    apply_ok(*backend, on);
    const auto before = handles();
    // What rolewalld's role changes make of a disabled role (ruleset.hpp): its sets emptied.
    Layout shell = on;
    for (SetContent &s : shell.sets)
        if (s.spec.role == "ad-dc") s.elements.clear();
    REQUIRE(shell.shell("ad-dc"));
    for (const Layout *next : {&std::as_const(shell), &on, &std::as_const(shell)}) {
        auto r = backend->apply(*next, ApplyHint::only({"ad-dc"}));
        REQUIRE(r.ok());
        CHECK(r->kind == ApplyReport::Kind::elements);
        CHECK(r->messages == 6);    // one per set of ad-dc: tcp, udp, proto, anyif, v4, v6
        CHECK(handles() == before); // no chain, set or rule made or deleted
        CHECK(table_text() == rendered(*next));
    }
    CHECK(backend->verify(shell).value().matches);

    // A new backend (rolewalld started again) takes the shell for its own: its first full
    // apply of the layout without ad-dc removes it in place, as a difference it is not.
    backend.reset();
    auto next = open_backend();
    find(roles, "ad-dc")->enabled = false;
    const Layout lean = make_layout(roles);
    ApplyReport r = apply_ok(*next, lean);
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.differences.empty());
    CHECK(table_text() == rendered(lean));
    for (const auto &[what, handle] : handles())
        CHECK(before.at(what) == handle);

    // A shell with an element is no shell: the table differs and is replaced.
    apply_ok(*next, shell);
    next.reset();
    nft({"add", "element", "inet", "rolewall", "ad-dc_tcp", "{ 9999 }"});
    r = apply_ok(*open_backend(), lean);
    CHECK(r.kind == ApplyReport::Kind::replaced);
    CHECK_THAT(r.differences, Catch::VectorContains(std::string("extra chain role-ad-dc")));
    CHECK(table_text() == rendered(lean));
}

TEST_CASE("Roles enabled one by one keep chain roles in role order") {
    auto backend = open_backend();
    auto roles = sample_roles(); // ad-dc, web, ssh
    for (auto &r : roles)
        r.enabled = false;
    apply_ok(*backend, make_layout(roles));
    for (const char *id : {"web", "ssh", "ad-dc"}) {
        find(roles, id)->enabled = true;
        Layout l = make_layout(roles);
        CHECK(apply_ok(*backend, l).kind == ApplyReport::Kind::elements);
        CHECK(table_text() == rendered(l));
    }
    // And disabled in another order, each leaving the others in place.
    for (const char *id : {"ssh", "ad-dc", "web"}) {
        auto before = handles();
        find(roles, id)->enabled = false;
        Layout l = make_layout(roles);
        CHECK(apply_ok(*backend, l).kind == ApplyReport::Kind::elements);
        CHECK(table_text() == rendered(l));
        for (const auto &[what, handle] : handles())
            CHECK(before.at(what) == handle);
    }
    CHECK(backend->verify(make_layout(roles)).value().matches);
}

TEST_CASE("A role whose ports change gets its objects anew, and other handles stay the same") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    auto before = handles();
    // ssh gains a UDP port: a set and two rules more, so its objects are made anew.
    find(roles, "ssh")->udp = {{60001, 60999, "mosh"}};
    Layout next = make_layout(roles);
    CHECK(apply_ok(*backend, next).kind == ApplyReport::Kind::elements);
    CHECK(table_text() == rendered(next));
    for (const auto &[what, handle] : handles())
        if (what.find("ssh") == std::string::npos) CHECK(before.at(what) == handle);
    CHECK(backend->verify(next).value().matches);
}

TEST_CASE("Re-scoping a role replaces its scope elements and nothing else") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    auto before = handles();
    RoleSpec *web = find(roles, "web");
    web->interfaces = {"eth1"};
    web->sources = {"203.0.113.0/25", "2001:db8:1::/48"};
    Layout scoped = make_layout(roles);
    ApplyReport r = apply_ok(*backend, scoped);
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.removed == 2 + 2); // lan0, vlan*, 0.0.0.0/0, ::/0
    CHECK(r.added == 1 + 2);
    CHECK(handles() == before);
    CHECK(table_text() == rendered(scoped));
    auto sets = backend->read();
    REQUIRE(sets.ok());
    check_same_sets(*sets, scoped);
}

TEST_CASE("A refused transaction names the role and service, and the kernel keeps its state") {
    auto backend = open_backend();
    auto roles = sample_roles();
    Layout good = make_layout(roles);
    apply_ok(*backend, good);
    std::string before = listing();
    auto handles_before = handles();
    std::uint32_t gen = generation();

    // 75-85 overlaps port 80 already in web_tcp: the kernel refuses overlapping intervals.
    find(roles, "web")->tcp.push_back({75, 85, "overlapping"});
    auto r = backend->apply(make_layout(roles), ApplyHint::everything());
    REQUIRE_FALSE(r.ok());
    const Error &e = r.error();
    CHECK(e.code == Errc::kernel_rejected);
    CHECK(e.role == "web");
    CHECK(e.service == "overlapping");
    CHECK_THAT(e.message, Catch::Contains("web_tcp") && Catch::Contains("\"web\"") &&
                              Catch::Contains("overlapping") && Catch::Contains("File exists"));
    CHECK(listing() == before);
    CHECK(handles() == handles_before);
    CHECK(generation() == gen);

    // What the backend believes still matches the kernel: nothing to send for the old layout,
    // and a valid change goes through by difference.
    CHECK(apply_ok(*backend, good).kind == ApplyReport::Kind::unchanged);
    find(roles, "web")->tcp.back() = {8080, 8080, "proxy"};
    Layout next = make_layout(roles);
    CHECK(apply_ok(*backend, next).kind == ApplyReport::Kind::elements);
    CHECK(table_text() == rendered(next));
}

TEST_CASE("A refused creation leaves no table behind") {
    auto backend = open_backend();
    auto roles = sample_roles();
    find(roles, "ad-dc")->udp.push_back({100, 200, "too-wide"}); // overlaps 123
    auto r = backend->apply(make_layout(roles), ApplyHint::everything());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kernel_rejected);
    CHECK(r.error().role == "ad-dc");
    CHECK_THAT(r.error().service, Catch::Contains("too-wide") || Catch::Contains("ntp"));
    CHECK_FALSE(table_exists());
    // And the next good layout is created from scratch.
    CHECK(apply_ok(*backend, make_layout(sample_roles())).kind == ApplyReport::Kind::created);
}

TEST_CASE("Tables of others are left byte for byte as they were") {
    Run made =
        nft_script("table ip filter {\n"
                   "  set blocked { type ipv4_addr; flags interval; elements = { 192.0.2.0/28 } }\n"
                   "  chain input { type filter hook input priority 10; policy accept;\n"
                   "    ip saddr @blocked counter drop\n"
                   "    tcp dport 22 accept comment \"theirs\"\n  }\n"
                   "}\n"
                   "table inet rolewall_other {\n  chain c {\n    udp dport 53 accept\n  }\n}\n");
    INFO(made.out);
    REQUIRE(made.status == 0);
    auto snapshot = [] {
        return nft({"-a", "list", "table", "ip", "filter"}).out +
               nft({"-a", "list", "table", "inet", "rolewall_other"}).out;
    };
    std::string before = snapshot();
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles)); // create
    find(roles, "ssh")->enabled = false;
    apply_ok(*backend, make_layout(roles)); // in place
    roles.push_back(ntp_role());
    CHECK(apply_ok(*backend, make_layout(roles, Policy::reject)).kind ==
          ApplyReport::Kind::replaced);
    CHECK(backend->check(make_layout(roles)).ok());
    CHECK(snapshot() == before);
}

TEST_CASE("A table with another fingerprint is replaced in one transaction") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    roles.push_back(ntp_role());
    Layout bigger = make_layout(roles, Policy::reject);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, bigger);
    CHECK(r.kind == ApplyReport::Kind::replaced);
    CHECK(generation() == gen + 1);
    CHECK(table_text() == rendered(bigger));
}

TEST_CASE("A table made by nft from the same layout is replaced in one transaction") {
    Layout layout = make_layout(sample_roles());
    REQUIRE(nft_script(rendered(layout)).status == 0); // no owner, no persist
    auto backend = open_backend();
    // nft's sets (with the END element nft puts at key 0) read back as the layout's.
    auto sets = backend->read();
    REQUIRE(sets.ok());
    check_same_sets(*sets, layout);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, layout);
    // Only an orphaned persist table can become ours in place: this one is replaced (and after
    // read() the backend compares nothing: it replaces what it did not build itself).
    CHECK(r.kind == ApplyReport::Kind::replaced);
    CHECK(generation() == gen + 1);
    CHECK(table_text() == rendered(layout));
}

TEST_CASE("Element lists beyond 64 KiB go in several messages of one transaction") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    find(roles, "ssh")->sources = many_sources(3000);
    Layout big = make_layout(roles);
    std::uint32_t gen = generation();
    ApplyReport r = apply_ok(*backend, big);
    CHECK(r.kind == ApplyReport::Kind::elements);
    CHECK(r.added == 3000);
    CHECK(r.messages >= 3); // ~75 bytes per range: 225 KB of elements
    CHECK(generation() == gen + 1);
    auto sets = backend->read();
    REQUIRE(sets.ok());
    check_same_sets(*sets, big);
}

TEST_CASE("check() accepts a valid layout and rejects a bad one, committing nothing") {
    auto backend = open_backend();
    auto roles = sample_roles();
    apply_ok(*backend, make_layout(roles));
    std::string before = nft({"list", "ruleset"}).out;
    std::uint32_t gen = generation();

    CHECK(backend->check(make_layout(roles)).ok());
    roles.push_back(ntp_role());
    roles.back().udp.push_back({100, 130, "wide"});
    auto bad = backend->check(make_layout(roles));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == Errc::kernel_rejected);
    CHECK(bad.error().role == "ntp");
    CHECK(generation() == gen);
    CHECK(nft({"list", "ruleset"}).out == before);
    CHECK_FALSE(table_exists("inet", "rolewall_check"));
}

TEST_CASE("A policy of reject is rendered with its two reject rules") {
    auto backend = open_backend();
    Layout layout = make_layout(sample_roles(), Policy::reject);
    apply_ok(*backend, layout);
    CHECK_THAT(listing(), Catch::Contains("reject with tcp reset") &&
                              Catch::Contains("reject with icmpx admin-prohibited"));
    CHECK(table_text() == rendered(layout));
}

TEST_CASE("Start and END elements pair up into ranges whatever order they come in") {
    using kernel::RawElement;
    auto key = [](std::uint8_t hi, std::uint8_t lo) { return Bytes{hi, lo}; };
    // As a dump lists them: descending, END elements interleaved, nft's END at 0 first.
    std::vector<RawElement> raw = {
        {key(0xc0, 0x00), false, "open to the top"}, {key(0x00, 0x5a), true, ""},
        {key(0x00, 0x59), false, "adjacent"},        {key(0x00, 0x59), true, ""},
        {key(0x00, 0x58), false, "single"},          {key(0x00, 0x00), true, ""},
    };
    auto ranges = kernel::rebuild_ranges(raw, true);
    REQUIRE(ranges.size() == 3);
    CHECK(ranges[0] == Element{key(0, 88), key(0, 88), "single"});
    CHECK(ranges[1] == Element{key(0, 89), key(0, 89), "adjacent"});
    CHECK(ranges[2] == Element{key(0xc0, 0), key(0xff, 0xff), "open to the top"});
    CHECK(kernel::rebuild_ranges({{key(0, 47), false, "gre"}}, false) ==
          std::vector<Element>{{key(0, 47), key(0, 47), "gre"}});
}

TEST_CASE("A commit by someone else between the read and the batch makes the backend read again") {
    Layout layout = make_layout(sample_roles());
    REQUIRE(nft_script(rendered(layout)).status == 0); // a table that is not ours
    auto backend = open_backend();
    REQUIRE(backend->read().ok()); // the picture the next batch is tied to
    REQUIRE(nft_script("table ip other {\n}\n").status == 0);
    REQUIRE(nft({"add", "element", "inet", "rolewall", "ssh_tcp", "{ 2222 }"}).status == 0);
    // The batch tied to the old generation is refused (ERESTART); the backend reads the
    // kernel again (now with port 2222) and makes it hold the layout.
    apply_ok(*backend, layout);
    CHECK(table_text() == rendered(layout));
    CHECK(table_exists("ip", "other"));
}

TEST_CASE("The fail-safe table lists as render_nft writes it and gives way to the roles' table") {
    auto backend = open_backend();
    Layout safe = failsafe_layout();
    ApplyReport r = apply_ok(*backend, safe);
    CHECK(r.kind == ApplyReport::Kind::created);
    CHECK(table_text() == rendered(safe));
    CHECK(apply_ok(*backend, safe).kind == ApplyReport::Kind::unchanged);
    // A later start with a good config replaces it in one transaction.
    Layout layout = make_layout(sample_roles());
    std::uint32_t gen = generation();
    CHECK(apply_ok(*backend, layout).kind == ApplyReport::Kind::replaced);
    CHECK(generation() == gen + 1);
    CHECK(table_text() == rendered(layout));
}

TEST_CASE("With the shipped config, nft lists the table on one screen (60 lines)") {
    auto cat = Catalog::load(testsupport::source_dir() + "/catalog");
    REQUIRE(cat.ok());
    auto config = Config::load(testsupport::source_dir() + "/etc/rolewall/rolewall.toml", *cat);
    REQUIRE(config.ok());
    Layout layout = build_layout(*cat, config->policy, config->ranges, config->roles);
    REQUIRE_FALSE(layout.roles.empty());
    apply_ok(*open_backend(), layout);
    std::string text = nft({"list", "table", "inet", "rolewall"}).out; // as an admin sees it
    INFO(text);
    CHECK(std::count(text.begin(), text.end(), '\n') <= 60);
    CHECK(table_text() == rendered(layout));
}
