// rolewallctl's catalog verbs against golden files (tests/data/golden) and the --json schemas
// of docs/JSON.md, and its exit codes.
// ROLEWALL_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
#include "json_schema.hpp"
#include "util.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

namespace {

void golden(const std::string &name, const std::vector<std::string> &args) {
    std::vector<std::string> full{"--catalog", test::fixture_catalog()};
    full.insert(full.end(), args.begin(), args.end());
    auto r = test::ctl(full);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    std::string path = test::source_dir() + "/tests/data/golden/" + name;
    if (std::getenv("ROLEWALL_UPDATE_GOLDEN")) std::ofstream(path) << r.out;
    CHECK(r.out == test::read_file(path));
}

test::Run fixture_ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", test::fixture_catalog()});
    return test::ctl(args);
}

// The --json output of `args` follows the schema of `verb` in docs/JSON.md.
void follows_schema(const std::string &verb, std::vector<std::string> args) {
    args.push_back("--json");
    auto r = fixture_ctl(args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const auto &v : testsupport::check_json_output(verb, r.out))
        FAIL_CHECK(v);
}

} // namespace

TEST_CASE("rolewallctl list prints roles and titles in aligned columns") {
    golden("list.txt", {"list"});
}
TEST_CASE("rolewallctl list --json is stable") {
    golden("list.json", {"list", "--json"});
}
TEST_CASE("rolewallctl show prints services and effective ports") {
    golden("show-dc.txt", {"show", "dc"});
}
TEST_CASE("rolewallctl show --json has the documented fields") {
    golden("show-dc.json", {"show", "dc", "--json"});
}
TEST_CASE("rolewallctl show names bare IP protocols") {
    golden("show-vpn.txt", {"show", "vpn"});
}
TEST_CASE("rolewallctl which answers a port for both transports") {
    golden("which-88.txt", {"which", "88"});
}
TEST_CASE("rolewallctl which --json answers one transport") {
    golden("which-88-udp.json", {"which", "88/udp", "--json"});
}
TEST_CASE("rolewallctl which finds a port inside a named range") {
    golden("which-50000.txt", {"which", "50000/tcp"});
}
TEST_CASE("rolewallctl services lists every service") {
    golden("services.txt", {"services"});
}
TEST_CASE("rolewallctl services --json lists entries") {
    golden("services.json", {"services", "--json"});
}

TEST_CASE("Every --json output follows the schema docs/JSON.md gives for its verb") {
    follows_schema("list", {"list"});
    follows_schema("show", {"show", "dc"});
    follows_schema("show", {"show", "vpn"}); // bare IP protocols
    follows_schema("which", {"which", "88"});
    follows_schema("which", {"which", "50000/tcp"}); // inside a named range
    follows_schema("services", {"services"});
    follows_schema("services",
                   {"services", "--config", test::source_dir() + "/tests/data/scoped.toml"});
}

TEST_CASE("rolewallctl show uses the named ranges of --config") {
    auto r =
        fixture_ctl({"show", "dc", "--config", test::source_dir() + "/tests/data/scoped.toml"});
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("50000-50100"));
}

TEST_CASE("rolewallctl render prints the ruleset of a config") {
    auto r = fixture_ctl({"render", "--config", test::source_dir() + "/tests/data/scoped.toml"});
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("#!/usr/sbin/nft -f\n") &&
                          Catch::Contains(test::read_file(test::source_dir() +
                                                          "/tests/data/golden/scoped.nft")));
}

TEST_CASE("rolewallctl render of the shipped config fits on one screen (60 lines)") {
    auto r = test::ctl({"render", "--catalog", test::source_dir() + "/catalog", "--config",
                        test::source_dir() + "/etc/rolewall/rolewall.toml"});
    REQUIRE(r.status == 0);
    INFO(r.out);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') <= 60);
    CHECK_THAT(r.out, Catch::Contains("chain role-ssh {"));
}

TEST_CASE("rolewallctl check accepts a valid config and rejects a broken one with file and line") {
    auto ok = fixture_ctl({"check", "--config", test::source_dir() + "/tests/data/scoped.toml"});
    CHECK(ok.status == 0);
    test::TempDir d;
    std::string bad = d.write("bad.toml", "[roles.dc]\nsources = [\"10.0.0.0/99\"]\n");
    auto r = fixture_ctl({"check", "--config", bad});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains(bad + ":2:") && Catch::Contains("roles.dc.sources"));
}

TEST_CASE("rolewallctl fails with exit 1 and a message for an unknown role") {
    auto r = fixture_ctl({"show", "nosuch"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err,
               Catch::Contains("unknown role 'nosuch'") && Catch::Contains("rolewallctl list"));
}

TEST_CASE("rolewallctl fails with exit 1 for a port nobody uses") {
    auto r = fixture_ctl({"which", "9/udp"});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("no service in the catalog uses port 9/udp"));
}

TEST_CASE("rolewallctl exits 2 on bad usage") {
    for (const auto &args : std::vector<std::vector<std::string>>{{},
                                                                  {"bogus"},
                                                                  {"show"},
                                                                  {"show", "a", "b"},
                                                                  {"list", "--bogus"},
                                                                  {"which", "88/sctp"},
                                                                  {"which", "0"},
                                                                  {"which", "65536"},
                                                                  {"which", "80-90"},
                                                                  {"list", "--catalog"},
                                                                  {"list", "--interface", "eth0"},
                                                                  {"show", "dc", "--runtime"}}) {
        auto r = fixture_ctl(args);
        INFO(r.err);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("rolewallctl --help"));
    }
}

TEST_CASE("rolewallctl reports a broken catalog with file and line, exit 1") {
    test::TempDir d;
    d.write("services/x.toml",
            "id = \"x\"\ntitle = \"X\"\ndescription = \"D\"\nsources = "
            "[\"S\"]\n[[entry]]\napplication = \"A\"\nprotocol = \"tcp\"\nport = 0\n");
    auto r = test::ctl({"--catalog", d.path().string(), "list"});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("services/x.toml:8:") && Catch::Contains("port 0"));
}

TEST_CASE("rolewallctl check has the kernel validate the ruleset and commits nothing") {
    // In a fresh user and network namespace: a private ruleset, whatever the test's privileges.
    std::string cmd = std::string(ROLEWALL_CTL) + " --catalog " + test::fixture_catalog() +
                      " --config " + test::source_dir() + "/tests/data/scoped.toml check" +
                      " && echo ruleset: && nft list ruleset";
    auto probe = test::run({"unshare", "-rn", "true"});
    if (probe.status != 0)
        ROLEWALL_SKIP("cannot create a user and network namespace here: " + probe.err);
    auto r = test::run({"unshare", "-rn", "sh", "-c", cmd});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out,
               Catch::Contains("the kernel accepts the ruleset (checked without committing)"));
    CHECK_THAT(r.out, Catch::EndsWith("ruleset:\n"));
}
