// The one scope model: the same cases through the config, the state file and D-Bus options
// give the same scope, or the same refusal.
#include "bus_names.hpp"
#include "options.hpp"
#include "rolewall/config.hpp"
#include "rolewall/state.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>
#include <optional>

using namespace rolewall;

namespace {

const Catalog &fixture() {
    static Catalog c = *Catalog::load(test::fixture_catalog());
    return c;
}

using List = std::optional<std::vector<std::string>>; // nullopt: the field is absent

struct Case {
    const char *what;
    List interfaces;
    List sources;
    // Expected: the normalized scope, or a refusal with this in its message.
    std::vector<std::string> want_interfaces;
    std::vector<std::string> want_sources;
    const char *refusal = nullptr;
    Errc bus_code = Errc::invalid_argument;
};

const ScopeLimits small_limits{4, 3}; // 4 sources, 3 interfaces

const std::vector<Case> cases = {
    {"absent fields are any", std::nullopt, std::nullopt, {}, {}},
    {"a scope is kept sorted, without duplicates and host bits",
     List{{"vlan*", "lan0", "lan0"}},
     List{{"fd00::1/8", "10.1.2.3/8", "10.0.0.0/8"}},
     {"lan0", "vlan*"},
     {"10.0.0.0/8", "fd00::/8"}},
    {"a bare address is one host", std::nullopt, List{{"192.0.2.7"}}, {}, {"192.0.2.7/32"}},
    {"an empty interface list matches nothing",
     List{std::vector<std::string>{}},
     std::nullopt,
     {},
     {},
     "an empty list would match nothing"},
    {"an empty source list matches nothing",
     std::nullopt,
     List{std::vector<std::string>{}},
     {},
     {},
     "an empty list would match nothing"},
    {"a bad prefix length", std::nullopt, List{{"10.0.0.0/33"}}, {}, {}, "10.0.0.0/33"},
    {"not an address", std::nullopt, List{{"example.org"}}, {}, {}, "'example.org' is not an"},
    {"an IPv4-mapped IPv6 address",
     std::nullopt,
     List{{"::ffff:192.0.2.1"}},
     {},
     {},
     "write the IPv4 address 192.0.2.1 instead"},
    {"an IPv4-mapped IPv6 network",
     std::nullopt,
     List{{"::ffff:192.0.2.0/120"}},
     {},
     {},
     "write the IPv4 address 192.0.2.0/24 instead"},
    {"an interface name that is too long",
     List{{"much-too-long-name0"}},
     std::nullopt,
     {},
     {},
     "longer than 15"},
    {"an interface name with a colon",
     List{{"eth0:1"}},
     std::nullopt,
     {},
     {},
     "'eth0:1' contains a character"},
    {"every bad item is named",
     std::nullopt,
     List{{"bad1", "10.0.0.0/8", "bad2"}},
     {},
     {},
     "'bad1' is not an IPv4 or IPv6 address or network; 'bad2' is not"},
    {"more sources than the cap",
     std::nullopt,
     List{{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}},
     {},
     {},
     "5 sources are more than the 4 one role may have ([firewall] max_sources_per_role",
     Errc::limit_exceeded},
    {"more interfaces than the cap",
     List{{"a", "b", "c", "d"}},
     std::nullopt,
     {},
     {},
     "4 interfaces are more than the 3 one role may have ([firewall] max_interfaces_per_role",
     Errc::limit_exceeded},
    {"the cap counts the items as given",
     std::nullopt,
     List{{"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.1"}},
     {},
     {},
     "5 sources are more",
     Errc::limit_exceeded},
};

std::string toml_list(const std::vector<std::string> &items) {
    std::string out = "[";
    for (const auto &i : items)
        out += (out.size() > 1 ? ", \"" : "\"") + i + "\"";
    return out + "]";
}

std::string fields(const Case &c) {
    std::string out;
    if (c.interfaces) out += "interfaces = " + toml_list(*c.interfaces) + "\n";
    if (c.sources) out += "sources = " + toml_list(*c.sources) + "\n";
    return out;
}

Scope want(const Case &c) {
    Scope s;
    s.interfaces = c.want_interfaces;
    for (const auto &t : c.want_sources)
        s.sources.push_back(*Cidr::parse(t));
    return s;
}

// A refusal from a file: exactly one problem, at the line of the field, naming it.
void check_file_refusal(const Error &e, const Case &c, int line) {
    CHECK(e.code == Errc::invalid_config);
    REQUIRE(e.diagnostics.size() == 1);
    CHECK(e.diagnostics[0].line == line);
    CHECK_THAT(e.diagnostics[0].message,
               Catch::Contains(c.refusal) && Catch::Contains("field 'roles.dc."));
}

Result<Scope> through_config(const Case &c) {
    std::string text = "[firewall]\nmax_sources_per_role = 4\nmax_interfaces_per_role = 3\n"
                       "[roles.dc]\n" +
                       fields(c);
    auto config = Config::parse(text, "rolewall.toml", fixture());
    if (!config) return config.error();
    CHECK(config->limits == small_limits);
    return config->roles.at("dc");
}

Result<Scope> through_state(const Case &c) {
    std::string text = "version = 1\n[roles.dc]\nenabled = true\n" + fields(c);
    auto state = parse_state(text, "state.toml", small_limits);
    if (!state) return state.error();
    CHECK(state->at("dc").enabled);
    return state->at("dc").scope;
}

Result<Scope> through_bus(const Case &c) {
    bus::OptionSet options;
    auto spec = bus::enable_options(small_limits);
    if (c.interfaces) REQUIRE(options.add(spec, bus::option_interfaces, *c.interfaces).ok());
    if (c.sources) REQUIRE(options.add(spec, bus::option_sources, *c.sources).ok());
    auto request = bus::role_request(options);
    REQUIRE(request.ok());
    // A role that is not enabled and has no config entry: its base is any.
    return apply_request(Scope{}, request->scope, small_limits, nullptr);
}

} // namespace

TEST_CASE("The config, the state file and D-Bus give a list the same meaning") {
    for (const Case &c : cases) {
        INFO(c.what);
        auto config = through_config(c);
        auto state = through_state(c);
        auto bus = through_bus(c);
        if (!c.refusal) {
            REQUIRE(config.ok());
            REQUIRE(state.ok());
            REQUIRE(bus.ok());
            CHECK(*config == want(c));
            CHECK(*state == want(c));
            CHECK(*bus == want(c));
            continue;
        }
        REQUIRE_FALSE(config.ok());
        REQUIRE_FALSE(state.ok());
        REQUIRE_FALSE(bus.ok());
        check_file_refusal(config.error(), c, 5);
        check_file_refusal(state.error(), c, 4);
        CHECK(bus.error().code == c.bus_code);
        CHECK_THAT(bus.error().message, Catch::Contains(c.refusal));
    }
}

TEST_CASE("An empty list tells each input how it says any") {
    Case empty{"", std::nullopt, List{std::vector<std::string>{}}, {}, {}};
    CHECK_THAT(through_config(empty).error().describe(),
               Catch::Contains("leave the field out to allow any source"));
    CHECK_THAT(through_bus(empty).error().message,
               Catch::Contains("use any_source to allow any source, or disable the role"));
}

TEST_CASE("The caps are settings of [firewall] with documented defaults and bounds") {
    auto plain = Config::parse("", "rolewall.toml", fixture());
    REQUIRE(plain.ok());
    CHECK(plain->limits.max_sources == 65536);
    CHECK(plain->limits.max_interfaces == 256);
    for (const char *bad : {"max_sources_per_role = 0", "max_sources_per_role = 1048577",
                            "max_interfaces_per_role = 4097", "max_interfaces_per_role = -1",
                            "max_sources_per_role = \"many\""}) {
        INFO(bad);
        auto r =
            Config::parse(std::string("[firewall]\n") + bad + "\n", "rolewall.toml", fixture());
        REQUIRE_FALSE(r.ok());
        REQUIRE(r.error().diagnostics.size() == 1);
        CHECK(r.error().diagnostics[0].line == 2);
        CHECK_THAT(r.error().diagnostics[0].message, Catch::Contains("firewall.max_"));
    }
}

TEST_CASE("An IPv4-mapped source is refused only when the whole network is mapped") {
    auto source = [](const std::string &text) {
        return parse_sources({text}, {}, ScopeInput::file).ok();
    };
    CHECK(source("::/0"));
    CHECK(source("::ffff:0:0/95")); // reaches beyond the mapped block
    CHECK_FALSE(source("::ffff:0:0/96"));
    CHECK(source("2001:db8::ffff:c000:201"));
    CHECK(Cidr::parse("::ffff:192.0.2.1").ok()); // an address as such is fine (packets, ...)
}

namespace {

ScopeRequest replace(const std::vector<std::string> &ifs, const std::vector<std::string> &srcs) {
    ScopeRequest r;
    if (!ifs.empty()) r.interfaces.replace = ifs;
    if (!srcs.empty()) r.sources.replace = srcs;
    return r;
}

Scope scope_of(const std::vector<std::string> &ifs, const std::vector<std::string> &srcs) {
    return *apply_request({}, replace(ifs, srcs), {}, nullptr);
}

} // namespace

TEST_CASE("A request keeps what it does not name: nothing widens unless asked") {
    Scope base = scope_of({"lan0", "wg*"}, {"192.168.10.0/24", "fd10::/64"});
    std::vector<std::string> warnings;
    auto only_lan = apply_request(base, replace({"lan0"}, {}), {}, &warnings);
    REQUIRE(only_lan.ok());
    CHECK(only_lan->interfaces == std::vector<std::string>{"lan0"});
    CHECK(only_lan->sources == base.sources);
    CHECK(warnings.empty());

    ScopeRequest widen;
    widen.sources.any = true;
    auto any = apply_request(base, widen, {}, &warnings);
    REQUIRE(any.ok());
    CHECK(any->interfaces == base.interfaces);
    CHECK(any->any_source());
}

TEST_CASE("Additions and removals apply to the scope as it is") {
    Scope base = scope_of({"lan0"}, {"192.0.2.0/24"});
    std::vector<std::string> warnings;
    ScopeRequest r;
    r.interfaces.add = {"wg*", "lan0"};
    r.sources.add = {"198.51.100.0/24"};
    r.sources.remove = {"192.0.2.0/24", "203.0.113.0/24"};
    auto after = apply_request(base, r, {}, &warnings);
    REQUIRE(after.ok());
    CHECK(after->interfaces == std::vector<std::string>{"lan0", "wg*"});
    CHECK(source_strings(after->sources) == std::vector<std::string>{"198.51.100.0/24"});
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("203.0.113.0/24 is not in the role's scope"));

    SECTION("adding to any stays any, and says so") {
        warnings.clear();
        ScopeRequest add;
        add.sources.add = {"10.0.0.0/8"};
        auto still = apply_request(scope_of({"lan0"}, {}), add, {}, &warnings);
        REQUIRE(still.ok());
        CHECK(still->any_source());
        REQUIRE(warnings.size() == 1);
        CHECK_THAT(warnings[0], Catch::Contains("already takes any source"));
    }
    SECTION("removing from any is refused") {
        ScopeRequest remove;
        remove.interfaces.remove = {"lan0"};
        auto r2 = apply_request(Scope{}, remove, {}, nullptr);
        REQUIRE_FALSE(r2.ok());
        CHECK(r2.error().code == Errc::invalid_argument);
        CHECK_THAT(r2.error().message, Catch::Contains("nothing to remove from"));
    }
    SECTION("removing the last item is refused: it would match nothing") {
        ScopeRequest remove;
        remove.sources.remove = {"192.0.2.9/24"}; // the same network, host bits cleared
        auto r2 = apply_request(base, remove, {}, nullptr);
        REQUIRE_FALSE(r2.ok());
        CHECK_THAT(r2.error().message,
                   Catch::Contains("leaves no source") && Catch::Contains("any_source"));
    }
    SECTION("an addition over the cap is refused") {
        ScopeRequest add;
        add.sources.add = {"198.51.100.0/24", "203.0.113.0/24"};
        auto r2 = apply_request(base, add, ScopeLimits{2, 2}, nullptr);
        REQUIRE_FALSE(r2.ok());
        CHECK(r2.error().code == Errc::limit_exceeded);
    }
}

TEST_CASE("Conflicting requests for one dimension are refused naming both options") {
    auto refused = [](const ScopeRequest &r) {
        auto out = apply_request(scope_of({"lan0"}, {}), r, {}, nullptr);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::invalid_argument);
        return out.error().message;
    };
    ScopeRequest a;
    a.interfaces.any = true;
    a.interfaces.replace = std::vector<std::string>{"lan0"};
    CHECK_THAT(refused(a), Catch::Contains("'any_interface' cannot go with 'interfaces'"));
    ScopeRequest b;
    b.sources.replace = std::vector<std::string>{"10.0.0.0/8"};
    b.sources.remove = {"10.0.0.0/8"};
    CHECK_THAT(refused(b), Catch::Contains("'sources' cannot go with 'remove_sources'"));
    ScopeRequest c;
    c.interfaces.any = true;
    c.interfaces.add = {"wg0"};
    CHECK_THAT(refused(c), Catch::Contains("'any_interface' cannot go with 'add_interfaces'"));
}

TEST_CASE("D-Bus options: unknown keys, duplicates and wrong types are refused naming the key") {
    auto spec = bus::enable_options({});
    bus::OptionSet o;
    REQUIRE(o.add(spec, "sources", std::vector<std::string>{"192.0.2.0/24"}).ok());
    auto twice = o.add(spec, "sources", std::vector<std::string>{});
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().message == "option 'sources' is given more than once");
    auto unknown = o.add(spec, "colour", std::string("red"));
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::Contains("unknown option 'colour'"));
    auto type = o.add(spec, "runtime", std::string("yes"));
    REQUIRE_FALSE(type.ok());
    CHECK(type.error().message == "option 'runtime' must have type 'b', not 's'");
    auto disable = bus::disable_options();
    CHECK_FALSE(bus::OptionSet().add(disable, "sources", std::vector<std::string>{}).ok());
}

TEST_CASE("Sources are written back as they are read") {
    for (const char *text : {"0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/8", "192.0.2.128/25",
                             "100.64.0.0/10", "198.51.100.7/32", "::/0", "::1/128", "2001:db8::/32",
                             "fe80::1:2/128", "2001:db8:0:1::1/128", "::ffff:0.0.0.0/96"}) {
        auto c = Cidr::parse(text);
        REQUIRE(c);
        CHECK(c->str() == text);
    }
    for (int i = 0; i < 256; ++i) { // every octet value in every position
        std::string o = std::to_string(i);
        for (const std::string &text :
             {o + ".1.2.3/32", "1." + o + ".2.3/32", "1.2." + o + ".3/32", "1.2.3." + o + "/32"}) {
            auto c = Cidr::parse(text);
            REQUIRE(c);
            CHECK(c->str() == text);
        }
    }
}
