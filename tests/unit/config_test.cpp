// The config is validated as strictly as the catalog.
#include "rolewall/config.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;

namespace {

const Catalog &fixture() {
    static Catalog c = *Catalog::load(test::fixture_catalog());
    return c;
}

Result<Config> parse(const std::string &text) {
    return Config::parse(text, "test.toml", fixture());
}

Diagnostic only_problem(const Result<Config> &r) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    REQUIRE(r.error().diagnostics.size() == 1);
    CHECK(r.error().diagnostics[0].file == "test.toml");
    return r.error().diagnostics[0];
}

} // namespace

TEST_CASE("A config enables roles with their scope") {
    auto c = parse("[firewall]\npolicy = \"reject\"\nrpc_dynamic_ports = \"1025-5000\"\n\n"
                   "[roles.dc]\ninterfaces = [\"lan0\", \"vlan*\"]\nsources = [\"10.1.2.3/8\", "
                   "\"fd00::/8\"]\n\n[roles.vpn]\n");
    REQUIRE(c.ok());
    CHECK(c->policy == Policy::reject);
    CHECK(c->ranges.at("rpc_dynamic_ports") == PortRange{1025, 5000});
    CHECK(c->ranges.at("ftp_passive_ports") == PortRange{50000, 50999});
    REQUIRE(c->roles.size() == 2);
    const Scope &dc = c->roles.at("dc");
    CHECK(dc.interfaces == std::vector<std::string>{"lan0", "vlan*"});
    REQUIRE(dc.sources.size() == 2);
    CHECK(dc.sources[0].str() == "10.0.0.0/8"); // host bits cleared
    CHECK(dc.sources[1].str() == "fd00::/8");
    CHECK(c->roles.at("vpn") == Scope{});
}

TEST_CASE("An empty config enables nothing and drops") {
    auto c = parse("");
    REQUIRE(c.ok());
    CHECK(c->roles.empty());
    CHECK(c->policy == Policy::drop);
}

TEST_CASE("An unknown role in the config is an error naming line and field") {
    auto d = only_problem(parse("[roles.dc]\n\n[roles.nosuch]\n"));
    CHECK(d.line == 3);
    CHECK_THAT(d.message,
               Catch::Contains("field 'roles.nosuch'") && Catch::Contains("unknown role 'nosuch'"));
}

TEST_CASE("A bad CIDR in the config is an error") {
    auto d = only_problem(parse("[roles.dc]\nsources = [\"10.0.0.0/33\"]\n"));
    CHECK(d.line == 2);
    CHECK_THAT(d.message,
               Catch::Contains("field 'roles.dc.sources'") && Catch::Contains("10.0.0.0/33"));
    CHECK_THAT(only_problem(parse("[roles.dc]\nsources = [\"10.0.0\"]\n")).message,
               Catch::Contains("not an IPv4 or IPv6"));
}

TEST_CASE("A bad interface name in the config is an error") {
    CHECK_THAT(
        only_problem(parse("[roles.dc]\ninterfaces = [\"a-very-long-interface\"]\n")).message,
        Catch::Contains("longer than 15"));
    CHECK_THAT(only_problem(parse("[roles.dc]\ninterfaces = [\"eth/0\"]\n")).message,
               Catch::Contains("character"));
    CHECK_THAT(only_problem(parse("[roles.dc]\ninterfaces = [\"*\"]\n")).message,
               Catch::Contains("only '*'"));
}

TEST_CASE("An unknown key in the config is an error") {
    auto d = only_problem(parse("[firewall]\npolicy = \"drop\"\nlogging = true\n"));
    CHECK(d.line == 3);
    CHECK_THAT(d.message, Catch::Contains("unknown field 'firewall.logging'"));
    CHECK_THAT(only_problem(parse("[roles.dc]\nsource = [\"10.0.0.0/8\"]\n")).message,
               Catch::Contains("unknown field 'roles.dc.source'"));
    CHECK_THAT(only_problem(parse("verbose = 1\n")).message,
               Catch::Contains("unknown field 'verbose'"));
}

TEST_CASE("Values of the wrong kind in the config are errors") {
    CHECK_THAT(only_problem(parse("[firewall]\npolicy = \"accept\"\n")).message,
               Catch::Contains("'accept' is not a policy"));
    CHECK_THAT(only_problem(parse("[firewall]\nrpc_dynamic_ports = \"6000-5000\"\n")).message,
               Catch::Contains("inverted range"));
    CHECK_THAT(only_problem(parse("[roles.dc]\ninterfaces = \"lan0\"\n")).message,
               Catch::Contains("expected an array of strings"));
    CHECK_THAT(only_problem(parse("[roles]\ndc = 1\n")).message,
               Catch::Contains("expected a table"));
    CHECK_THAT(only_problem(parse("[roles.dc]\nsources = []\n")).message,
               Catch::Contains("match nothing"));
}

TEST_CASE("A config syntax error names the line") {
    auto d = only_problem(parse("[firewall]\npolicy = drop\n"));
    CHECK(d.line == 2);
}

TEST_CASE("Every problem of a config is reported in one run") {
    auto r = parse("[firewall]\npolicy = \"x\"\n[roles.nosuch]\n[roles.dc]\nsources = [\"bad\"]\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().diagnostics.size() == 3);
}

TEST_CASE("A missing config file is an error naming it") {
    auto r = Config::load("/nonexistent/rolewall.toml", fixture());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("/nonexistent/rolewall.toml"));
}

TEST_CASE("CIDRs parse, normalise and print") {
    CHECK(Cidr::parse("192.0.2.1")->str() == "192.0.2.1/32");
    CHECK(Cidr::parse("192.0.2.1/24")->str() == "192.0.2.0/24");
    CHECK(Cidr::parse("2001:db8::1/32")->str() == "2001:db8::/32");
    CHECK(Cidr::parse("0.0.0.0/0")->str() == "0.0.0.0/0");
    CHECK_FALSE(Cidr::parse("2001:db8::/129").ok());
    CHECK_FALSE(Cidr::parse("10.0.0.0/").ok());
    CHECK_FALSE(Cidr::parse("10.0.0.0/8x").ok());
    CHECK_FALSE(Cidr::parse("").ok());
}
