// The layout a config makes, the difference between two layouts, and the nft text.
#include "rolewall/ruleset.hpp"
#include "util.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace rolewall;
using test::fixture;
using test::fixture_layout;
using test::scope;

namespace {

std::vector<std::string> keys(const Layout &l, const std::string &set) {
    std::vector<std::string> out;
    const SetContent *s = l.set(set);
    REQUIRE(s);
    for (const auto &e : s->elements)
        out.push_back(element_key_str(s->spec.type, e) + " " + e.comment.str());
    return out;
}

} // namespace

TEST_CASE("Only enabled roles are in the layout, each with its scope sets and its port sets") {
    Layout none = fixture_layout({});
    CHECK(none.roles.empty());
    CHECK(none.sets.empty());
    Layout l = fixture_layout({{"vpn", {}}});
    REQUIRE(l.roles.size() == 1);
    CHECK(l.roles[0].role == "vpn");
    std::vector<std::string> names;
    for (const auto &s : l.sets)
        names.push_back(s.spec.name);
    // vpn opens TCP ports and a bare protocol, no UDP port: no vpn_udp.
    CHECK(names == std::vector<std::string>{"vpn_anyif", "vpn_if", "vpn_proto", "vpn_tcp", "vpn_v4",
                                            "vpn_v6"});
    CHECK(l.set("vpn_tcp")->spec.interval);
    CHECK_FALSE(l.set("vpn_proto")->spec.interval);
    CHECK(l.set("vpn_anyif")->spec.type == KeyType::nf_proto);
    CHECK(l.role_sets("vpn").size() == 6);
    CHECK(l.role("vpn")->title == fixture().role("vpn")->title);
    CHECK_FALSE(l.role("dc"));
}

TEST_CASE("An unscoped role opens its ports on any interface from any source") {
    Layout l = fixture_layout({{"vpn", {}}});
    CHECK(keys(l, "vpn_tcp") == std::vector<std::string>{"1723 vpn: pptp"});
    CHECK(keys(l, "vpn_proto") == std::vector<std::string>{"gre vpn: pptp"});
    CHECK(keys(l, "vpn_anyif") ==
          std::vector<std::string>{"ipv4 vpn: any interface", "ipv6 vpn: any interface"});
    CHECK(keys(l, "vpn_if").empty());
    CHECK(keys(l, "vpn_v4") == std::vector<std::string>{"0.0.0.0/0 vpn: any source"});
    CHECK(keys(l, "vpn_v6") == std::vector<std::string>{"::/0 vpn: any source"});
}

TEST_CASE("A scoped role lists its interfaces and sources and nothing for the other family") {
    Layout l = fixture_layout(
        {{"dc", scope({"lan0", "vlan*"}, {"192.0.2.0/24", "192.0.2.128/25", "192.0.3.1"})}});
    CHECK(keys(l, "dc_if") == std::vector<std::string>{"\"lan0\" dc: interface scope",
                                                       "\"vlan*\" dc: interface scope"});
    CHECK(keys(l, "dc_anyif").empty());
    // 192.0.2.128/25 lies inside 192.0.2.0/24: one element covers both.
    CHECK(keys(l, "dc_v4") ==
          std::vector<std::string>{"192.0.2.0/24 dc: source scope", "192.0.3.1 dc: source scope"});
    CHECK(keys(l, "dc_v6").empty());
    // IPv4 and IPv6 mixed: an IPv4 network sorted between two IPv6 ones hides nothing.
    Layout mixed = fixture_layout({{"dc", scope({}, {"::/0", "0.0.0.0/32", "2001:db8::1"})}});
    CHECK(keys(mixed, "dc_v6") == std::vector<std::string>{"::/0 dc: source scope"});
}

TEST_CASE("Interface names and patterns inside another pattern are dropped") {
    using V = std::vector<std::string>;
    CHECK(outermost_interfaces({"lan0", "lan*"}) == V{"lan*"});
    CHECK(outermost_interfaces({"lan*", "la*"}) == V{"la*"});
    CHECK(outermost_interfaces({"lan", "lan*", "lan0", "wan0", "lan0"}) == V{"lan*", "wan0"});
    CHECK(outermost_interfaces({"lan0", "lan0"}) == V{"lan0"});
    // A name is not a pattern: "lan" does not cover "lan0", "lan1*" lies beside "lan0".
    CHECK(outermost_interfaces({"lan0", "lan", "lan1*"}) == V{"lan", "lan0", "lan1*"});
    Layout l = fixture_layout({{"dc", scope({"lan0", "lan*", "la*", "wan0"}, {})}});
    CHECK(keys(l, "dc_if") == V{"\"la*\" dc: interface scope", "\"wan0\" dc: interface scope"});
}

TEST_CASE("Included roles' ports are part of the role") {
    Layout l = fixture_layout({{"dc", {}}});
    CHECK(keys(l, "dc_tcp") == std::vector<std::string>{"22 dc: ssh", "88 dc: kerberos",
                                                        "135 dc: rpc", "49152-65535 dc: rpc"});
    CHECK(keys(l, "dc_udp") == std::vector<std::string>{"88 dc: kerberos"});
    CHECK_FALSE(l.role("remote")); // the included role itself stays disabled
    CHECK_FALSE(l.set("remote_tcp"));
}

TEST_CASE("Overlapping ranges of a role are merged and name every service") {
    RangeValues v = default_range_values();
    v["rpc_dynamic_ports"] = {80, 100}; // now covers kerberos' 88
    Layout l = build_layout(fixture(), Policy::drop, v, {{"dc", {}}});
    CHECK(keys(l, "dc_tcp") ==
          std::vector<std::string>{"22 dc: ssh", "80-100 dc: kerberos, rpc", "135 dc: rpc"});
}

TEST_CASE("Enabling a role adds its part of the layout and leaves the others' as they were") {
    Layout before = fixture_layout({{"vpn", {}}});
    Layout after = fixture_layout({{"vpn", {}}, {"dc", scope({"lan0"}, {})}});
    CHECK(before.same_skeleton(after));
    REQUIRE(after.roles.size() == 2);
    CHECK(after.role("dc"));
    auto vpn_before = before.role_sets("vpn"), vpn_after = after.role_sets("vpn");
    REQUIRE(vpn_before.size() == vpn_after.size());
    for (std::size_t i = 0; i < vpn_before.size(); ++i)
        CHECK(*vpn_before[i] == *vpn_after[i]);
    for (const auto &c : diff(before.sets, after.sets)) {
        CHECK(c.role == "dc");
        CHECK(c.remove.empty());
    }
}

TEST_CASE("The same layout twice needs no change") {
    Layout l = fixture_layout({{"dc", scope({"lan0"}, {"192.0.2.0/24"})}});
    CHECK(diff(l.sets, l.sets).empty());
}

TEST_CASE("Re-scoping a role changes only its scope sets") {
    Layout a = fixture_layout({{"dc", scope({"lan0"}, {"192.0.2.0/24"})}});
    Layout b = fixture_layout({{"dc", scope({"lan1"}, {"192.0.2.0/24"})}});
    auto changes = diff(a.sets, b.sets);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].set == "dc_if");
    REQUIRE(changes[0].remove.size() == 1);
    REQUIRE(changes[0].add.size() == 1);
    CHECK(element_key_str(KeyType::ifname, changes[0].add[0]) == "\"lan1\"");
}

TEST_CASE("An element whose comment changed is removed and added again") {
    SetContent s{{"x_tcp", KeyType::inet_service, true, "x"}, {port_element({22, 22}, "x: a")}};
    SetContent t = s;
    t.elements[0].comment = "x: b";
    auto c = diff({s}, {t});
    REQUIRE(c.size() == 1);
    CHECK(c[0].remove.size() == 1);
    CHECK(c[0].add.size() == 1);
}

TEST_CASE("The difference does not depend on the order the kernel listed the elements in") {
    Layout a =
        fixture_layout({{"dc", scope({}, {"192.0.2.0/24", "198.51.100.7", "203.0.113.0/25"})}});
    Layout b = fixture_layout({{"dc", scope({}, {"198.51.100.7", "203.0.113.128/25"})}});
    std::vector<Element> listed = a.set("dc_v4")->elements;
    std::reverse(listed.begin(), listed.end());
    SetChange in_order = diff_set(a.set("dc_v4")->elements, *b.set("dc_v4"));
    SetChange reversed = diff_set(listed, *b.set("dc_v4"));
    CHECK(in_order.remove == reversed.remove);
    CHECK(in_order.add == reversed.add);
    REQUIRE(in_order.remove.size() == 2);
    REQUIRE(in_order.add.size() == 1);
    CHECK(element_key_str(KeyType::ipv4_addr, in_order.add[0]) == "203.0.113.128/25");
}

TEST_CASE("Keys order as their bytes do, and a role's sources share one comment") {
    // Key is the compact form of Bytes: ==, < and > agree with Bytes' own, lengths included.
    const std::vector<Bytes> keys = {
        {},           {0},          {0, 0},          {0, 1},        {1},       {0xff},
        {0xff, 0xff}, Bytes(16, 0), Bytes(16, 0xff), {10, 0, 0, 1}, {10, 0, 1}};
    for (const Bytes &x : keys) {
        for (const Bytes &y : keys) {
            INFO(x.size() << " and " << y.size() << " bytes");
            CHECK((Key(x) == Key(y)) == (x == y));
            CHECK((Key(x) < Key(y)) == (x < y));
            CHECK((Key(x) > Key(y)) == (x > y));
            CHECK(Bytes(Key(x)) == x);
        }
    }
    std::vector<std::string> many;
    for (int i = 0; i < 300; ++i)
        many.push_back("198.51." + std::to_string(100 + i / 256) + "." + std::to_string(i % 256));
    Layout l = fixture_layout({{"dc", scope({}, many)}});
    const SetContent *v4 = l.set("dc_v4");
    REQUIRE(v4);
    REQUIRE(v4->elements.size() == 300);
    for (const Element &e : v4->elements)
        CHECK(e.comment == "dc: source scope");
    CHECK(std::is_sorted(v4->elements.begin(), v4->elements.end(),
                         [](const Element &x, const Element &y) { return x.lo < y.lo; }));
}

TEST_CASE("A set the kernel does not have yet is filled completely") {
    Layout l = fixture_layout({{"vpn", {}}});
    auto c = diff({}, l.sets);
    std::size_t n = 0;
    for (const auto &ch : c)
        n += ch.add.size();
    CHECK(n == 6); // 1723, gre, ipv4 and ipv6 on any interface, 0.0.0.0/0, ::/0
}

TEST_CASE("The policy and the fail-safe flag make the skeleton, roles and elements do not") {
    CHECK(fixture_layout({}).same_skeleton(fixture_layout({{"dc", {}}})));
    CHECK_FALSE(fixture_layout({}).same_skeleton(fixture_layout({}, Policy::reject)));
    CHECK_FALSE(fixture_layout({}).same_skeleton(failsafe_layout()));
}

TEST_CASE("Element keys print as nft prints them") {
    CHECK(element_key_str(KeyType::inet_service, port_element({49152, 65535}, "")) ==
          "49152-65535");
    CHECK(element_key_str(KeyType::ipv4_addr, cidr_element(*Cidr::parse("10.0.0.0/8"), "")) ==
          "10.0.0.0/8");
    CHECK(element_key_str(KeyType::ipv4_addr, cidr_element(*Cidr::parse("10.0.0.1"), "")) ==
          "10.0.0.1");
    CHECK(element_key_str(KeyType::ipv6_addr, cidr_element(*Cidr::parse("::/0"), "")) == "::/0");
    CHECK(element_key_str(KeyType::ifname, ifname_element("eth0", "")) == "\"eth0\"");
    CHECK(element_key_str(KeyType::ifname, ifname_element("vlan*", "")) == "\"vlan*\"");
    CHECK(element_key_str(KeyType::inet_proto, proto_element(50, "")) == "esp");
    CHECK(element_key_str(KeyType::nf_proto, nfproto_element(10, "")) == "ipv6");
}

TEST_CASE("Long comments are cut to what nft accepts") {
    std::string c(300, 'x');
    CHECK(port_element({1, 1}, c).comment.size() < 128);
}

TEST_CASE("The rendered ruleset matches the golden file") {
    auto cfg = Config::load(test::source_dir() + "/tests/data/scoped.toml", fixture());
    REQUIRE(cfg.ok());
    Layout l = config_layout(fixture(), *cfg, cfg->roles);
    // The fingerprint comes from the kernel backend's messages (rolewallctl render, tested
    // in ctl_test.cpp, writes the real one); here it is taken from the golden file.
    std::string golden = test::read_file(test::source_dir() + "/tests/data/golden/scoped.nft");
    auto from = golden.find("comment \""), to = golden.find('"', from + 9);
    REQUIRE(to != std::string::npos);
    std::string fingerprint = fingerprint_in(golden.substr(from + 9, to - from - 9));
    CHECK(fingerprint.size() == 16);
    CHECK(render_nft(l, fingerprint) == golden);
}

TEST_CASE("Rebuilding one role's sets gives what building the whole layout gives, and undoes") {
    std::map<std::string, Scope> before{{"dc", scope({"lan0"}, {})}, {"remote", {}}};
    std::map<std::string, Scope> after{{"dc", scope({}, {"192.0.2.0/24"})}, {"vpn", {}}};
    Layout l = fixture_layout(before);
    const Layout original = l;
    // remote's sets are left as they were: only the roles named are looked at.
    auto previous = update_role_sets(l, fixture(), default_range_values(), after, {"dc", "vpn"});
    Layout want = fixture_layout({{"dc", after["dc"]}, {"remote", {}}, {"vpn", {}}});
    CHECK(l.sets == want.sets);
    CHECK(l.roles == want.roles);
    CHECK(previous.ids == std::vector<std::string>{"dc", "vpn"});
    CHECK(previous.roles.size() == 1); // dc was there, vpn was not
    CHECK(previous.sets.size() == original.role_sets("dc").size());
    put_back_sets(l, std::move(previous));
    CHECK(l.sets == original.sets);
    CHECK(l.roles == original.roles);
    // And a role's part copied from one layout to another.
    Layout copy = original;
    copy_role_parts(copy, want, {"vpn", "dc"});
    CHECK(copy.sets == want.sets);
    CHECK(copy.roles == want.roles);
}

TEST_CASE("A role disabled by a change stays as an empty shell that enabling it fills again") {
    const RangeValues ranges = default_range_values();
    Layout l = fixture_layout({{"dc", scope({"lan0"}, {})}, {"remote", {}}});
    const Layout original = l;
    auto previous = update_role_sets(l, fixture(), ranges, {{"remote", {}}}, {"dc", "vpn"});
    CHECK(l.shell("dc"));
    CHECK_FALSE(l.shell("remote"));
    CHECK_FALSE(l.role("vpn")); // not in the layout before: no shell
    REQUIRE(l.role("dc"));
    CHECK(*l.role("dc") == *original.role("dc"));
    auto now = l.role_sets("dc"), before = original.role_sets("dc");
    REQUIRE(now.size() == before.size());
    for (std::size_t i = 0; i < now.size(); ++i) {
        CHECK(now[i]->spec == before[i]->spec);
        CHECK(now[i]->elements.empty());
    }
    Layout lean = fixture_layout({{"remote", {}}});
    CHECK(without_shells(l).sets == lean.sets);
    CHECK(without_shells(l).roles == lean.roles);
    // Enabling it again fills the same sets; undoing the change gives the role back.
    Layout again = l;
    update_role_sets(again, fixture(), ranges, {{"dc", scope({"lan0"}, {})}, {"remote", {}}},
                     {"dc"});
    CHECK(again.sets == original.sets);
    CHECK(again.roles == original.roles);
    put_back_sets(l, std::move(previous));
    CHECK(l.sets == original.sets);
    CHECK(l.roles == original.roles);
}

TEST_CASE("The fail-safe layout has no roles, opens SSH and says so in its table comment") {
    Layout safe = failsafe_layout();
    CHECK(safe.failsafe);
    CHECK(safe.policy == Policy::drop);
    CHECK(safe.roles.empty());
    CHECK(safe.sets.empty());
    Layout none;
    CHECK_FALSE(safe.same_skeleton(none));
    std::string text = render_nft(safe, "0123456789abcdef");
    CHECK_THAT(text, Catch::Contains("tcp dport 22 accept") && Catch::Contains("fail-safe") &&
                         !Catch::Contains("jump roles") && !Catch::Contains("chain roles"));
    std::string comment = table_comment(safe, "0123456789abcdef");
    CHECK_THAT(comment, Catch::StartsWith("managed by rolewalld; fail-safe table"));
    CHECK(fingerprint_in(comment) == "0123456789abcdef");
    CHECK(fingerprint_in(table_comment(none, "0123")) == "0123");
    CHECK(fingerprint_in("made by hand; layout 0123").empty());
}

TEST_CASE("A config's layout carries its policy, ranges and log_drops") {
    Config cfg;
    cfg.policy = Policy::reject;
    cfg.log_drops = false;
    Layout l = config_layout(fixture(), cfg, {{"dc", {}}});
    CHECK(l.policy == Policy::reject);
    CHECK_FALSE(l.log_drops);
    CHECK(l.sets == build_layout(fixture(), Policy::reject, cfg.ranges, {{"dc", {}}}).sets);
    cfg.log_drops = true;
    CHECK(config_layout(fixture(), cfg, {}).log_drops);
    CHECK(render_nft(config_layout(fixture(), cfg, {}), "0").find("log group") !=
          std::string::npos);
}
