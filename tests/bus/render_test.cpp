// render and check describe what runs: by default the config and the saved state, exactly what
// rolewalld applies at boot; --config-only the config alone; render --live what the running
// daemon gave the kernel (RenderRuleset). Compared with the daemon's table in its namespace.
#include "checks.hpp"
#include "kernel_util.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

using Strings = std::vector<std::string>;

const char *config = "[roles.remote]\n"
                     "[roles.dc]\n"
                     "interfaces = [\"lan0\", \"wg*\"]\n"
                     "sources = [\"192.0.2.0/24\"]\n";

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// rolewallctl with the daemon's files.
Run ctl(Setup &s, Strings args) {
    Strings files{"--catalog",       fixture_catalog(),
                  "--local-catalog", (s.dir.path() / "local"),
                  "--config",        s.dir.path() / "rolewall.toml"};
    args.insert(args.end(), files.begin(), files.end());
    return s.ctl(args);
}

// The table of render's script: what follows "delete table inet rolewall".
std::string script_table(const std::string &script) {
    const std::string mark = "delete table inet rolewall\n";
    auto at = script.find(mark);
    return at == std::string::npos ? "" : script.substr(at + mark.size());
}

// The daemon's table as the kernel lists it, in render_nft's order.
std::string kernel_table(Setup &s) {
    return testns::canonical(
        testns::without_owner(s.ns.nft({"-s", "list", "table", "inet", "rolewall"}).out));
}

} // namespace

TEST_CASE("render prints the table rolewalld runs (config and saved state), --live the daemon's") {
    Setup s({config});
    Client &c = s.client();
    c.EnableRole("dc", {{"interfaces", sdbus::Variant(Strings{"lan0"})}});
    c.DisableRole("remote", {});
    c.EnableRole("vpn", sources({"198.51.100.0/24", "2001:db8::/32"}));
    std::string state_dir = s.dir.path() / "state";

    Run r = ctl(s, {"render", "--state-dir", state_dir});
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "and " + state_dir + "/state.toml; the saved state changes:\n"));
    CHECK(has(r.out, "#   dc: enabled (interfaces: lan0; sources: 192.0.2.0/24) (rolewall.toml: "
                     "enabled (interfaces: lan0, wg*; sources: 192.0.2.0/24))\n"));
    CHECK(has(r.out, "#   remote: disabled (rolewall.toml: enabled (interfaces: any; "
                     "sources: any))\n"));
    CHECK(has(r.out, "#   vpn: enabled (interfaces: any; sources: 198.51.100.0/24, "
                     "2001:db8::/32) (rolewall.toml: no entry)\n"));
    std::string saved = script_table(r.out);
    REQUIRE_FALSE(saved.empty());
    // remote, disabled while rolewalld runs, is in the kernel as an empty shell (its chain
    // and rules, its sets without elements) until the next reload or start.
    std::string running = kernel_table(s);
    CHECK(has(running, "chain role-remote {"));
    CHECK_FALSE(has(saved, "chain role-remote {"));

    Run live = s.ctl({"render", "--live"});
    REQUIRE(live.status == 0);
    CHECK(has(live.out, "rolewalld's ruleset for the running rolewalld"));
    CHECK(script_table(live.out) == running);
    c.Reload();
    CHECK(kernel_table(s) == saved);
    CHECK(script_table(s.ctl({"render", "--live"}).out) == saved);

    Run alone = ctl(s, {"render", "--config-only"});
    REQUIRE(alone.status == 0);
    CHECK(has(alone.out, "rolewall.toml alone\n"));
    CHECK(has(script_table(alone.out), "comment \"remote\""));
    CHECK(script_table(alone.out) != saved);

    SECTION("a runtime change is in --live and the kernel, not in what a restart applies") {
        c.DisableRole("dc", runtime());
        std::string now = kernel_table(s);
        CHECK(now != saved);
        CHECK(script_table(s.ctl({"render", "--live"}).out) == now);
        CHECK(script_table(ctl(s, {"render", "--state-dir", state_dir}).out) == saved);
        s.restart();
        CHECK(kernel_table(s) == saved);
    }
    SECTION("check counts the roles of config and state, and says which the state changes") {
        Run chk = ctl(s, {"check", "--state-dir", state_dir});
        CHECK(chk.status == 0);
        CHECK(has(chk.out, "config and catalog are valid; 2 roles enabled from "));
        CHECK(has(chk.out, "the saved state changes:\n  dc: enabled"));
        chk = ctl(s, {"check", "--config-only"});
        CHECK(chk.status == 0);
        CHECK(has(chk.out, "2 roles enabled from " + (s.dir.path() / "rolewall.toml").string() +
                               " alone\n"));
    }
    SECTION("options that do not go together are usage errors") {
        CHECK(ctl(s, {"render", "--live", "--config-only"}).status == 2);
        CHECK(ctl(s, {"render", "--config-only", "--state-dir", state_dir}).status == 2);
        CHECK(ctl(s, {"check", "--live"}).status == 2);
        CHECK(s.ctl({"status", "--config-only"}).status == 2);
        CHECK(s.ctl({"render", "--live", "--json"}).status == 2);
    }
}

TEST_CASE("A restart finds the shell of a role disabled before it and removes it, as its own") {
    Setup s({config});
    s.client().DisableRole("remote", {});
    std::string saved = script_table(ctl(s, {"render", "--state-dir", s.dir.path() / "state"}).out);
    REQUIRE_FALSE(saved.empty());
    CHECK(has(kernel_table(s), "chain role-remote {"));
    s.restart();
    CHECK(kernel_table(s) == saved);
    CHECK_FALSE(has(s.daemon.log(), "was not what rolewalld builds"));
    // A shell changed behind rolewalld's back is no shell: reported, and the table replaced.
    s.client().EnableRole("remote", {});
    s.client().DisableRole("remote", {});
    s.daemon.stop(SIGTERM);
    Run added = s.ns.nft({"add", "element", "inet", "rolewall", "remote_tcp", "{ 9999 }"});
    INFO(added.out);
    REQUIRE(added.status == 0);
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    CHECK(kernel_table(s) == saved);
    std::string log = s.daemon.log();
    CHECK(has(log, "was not what rolewalld builds; it was replaced in one transaction. "
                   "What differed:\n  extra chain role-remote\n"));
}
