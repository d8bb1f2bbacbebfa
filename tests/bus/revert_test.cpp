// One truth about what runs: RevertRoles makes roles follow rolewall.toml again, Reload and
// GetStatus name every saved entry that overrides a different config entry (since when, by
// whom), and state.toml records saved_at/saved_by. The real daemon on a private bus.
#include "checks.hpp"
#include "json_schema.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

const char *scoped_dc = "[roles.remote]\n"
                        "[roles.dc]\n"
                        "interfaces = [\"lan0\", \"wg*\"]\n"
                        "sources = [\"192.0.2.0/24\"]\n";

using Strings = std::vector<std::string>;
using Results = std::map<std::string, Options>;

Options flag(const std::string &key) {
    return {{key, sdbus::Variant(true)}};
}

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("Reload and GetStatus name each saved entry that overrides a different config entry") {
    Setup s({scoped_dc});
    Client &c = s.client();
    c.EnableRole("dc", {{"interfaces", sdbus::Variant(Strings{"lan0"})}});
    c.DisableRole("remote", {});
    c.EnableRole("vpn", {}); // no config entry: nothing to override
    std::string state = read_file(s.state_file());
    CHECK(has(state, "saved_by = \"uid 0\""));
    CHECK(has(state, "saved_at = 20"));

    Strings notices = c.Reload();
    REQUIRE(notices.size() == 2);
    CHECK(has(notices[0], "dc: rolewall.toml says enabled (interfaces: lan0, wg*; sources: "
                          "192.0.2.0/24); state.toml overrides it since 20"));
    CHECK(has(notices[0], "Z (uid 0): enabled (interfaces: lan0; sources: 192.0.2.0/24); "
                          "'rolewallctl revert dc' follows the config"));
    CHECK(has(notices[1], "remote: rolewall.toml says enabled (interfaces: any; sources: any); "
                          "state.toml overrides it since "));
    CHECK(has(notices[1], ": disabled;"));
    auto status = c.GetStatus();
    CHECK(status.at("overrides").get<Strings>() == notices);
    CHECK(has(s.daemon.log(), "state.toml overrides it"));

    SECTION("re-saving the same decision keeps when and by whom it was saved") {
        Options again = c.EnableRole("dc", {{"interfaces", sdbus::Variant(Strings{"lan0"})}});
        CHECK_FALSE(get<bool>(again, "changed"));
        CHECK(read_file(s.state_file()) == state);
    }
    SECTION("rolewallctl reload prints the notices") {
        Run r = s.ctl({"reload"});
        CHECK(r.status == 0);
        CHECK(r.out == notices[0] + "\n" + notices[1] + "\n");
        r = s.ctl({"reload", "--json"});
        CHECK(testsupport::check_json_output("reload", r.out).empty()); // docs/JSON.md
    }
}

TEST_CASE("RevertRoles makes roles follow rolewall.toml again, one or all") {
    Setup s({scoped_dc});
    Client &c = s.client();
    c.EnableRole("dc", {{"interfaces", sdbus::Variant(Strings{"lan0"})}});
    c.DisableRole("remote", {});
    c.EnableRole("vpn", runtime());
    c.role_changed.clear();

    Results r = c.RevertRoles({"dc"}, {});
    REQUIRE(r.size() == 1);
    const Options &dc = r.at("dc");
    CHECK(get<bool>(dc, "changed"));
    CHECK(get<std::string>(dc, "origin") == "config");
    CHECK(get<Strings>(dc, "interfaces") == Strings{"lan0", "wg*"});
    CHECK(get<std::string>(dc, "was_origin") == "state");
    CHECK(get<Strings>(dc, "was_interfaces") == Strings{"lan0"});
    CHECK(c.pump([&] { return !c.role_changed.empty(); }));
    CHECK(c.role_changed.front() == std::make_pair(std::string("dc"), true));
    CHECK_FALSE(has(read_file(s.state_file()), "[roles.dc]"));
    CHECK(c.Reload().size() == 1); // remote's override is left

    SECTION("a dry run of --all changes nothing") {
        Results dry =
            c.RevertRoles({}, {{"all", sdbus::Variant(true)}, {"dry_run", sdbus::Variant(true)}});
        CHECK(dry.size() == 2);
        CHECK(get<bool>(dry.at("remote"), "enabled"));
        CHECK_FALSE(get<bool>(dry.at("vpn"), "enabled"));
        CHECK(enabled(c) == std::set<std::string>{"dc", "vpn"});
    }
    SECTION("all reverts every role with a saved or runtime entry in one change") {
        Results all = c.RevertRoles({}, flag("all"));
        CHECK(all.size() == 2);
        CHECK(get<std::string>(all.at("remote"), "origin") == "config");
        CHECK_FALSE(get<bool>(all.at("vpn"), "enabled"));
        CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
        CHECK_FALSE(has(read_file(s.state_file()), "[roles."));
        CHECK(consistency(s, fixture_catalog()).empty());
        CHECK(c.RevertRoles({}, flag("all")).empty()); // nothing left to revert
        CHECK(c.Reload().empty());
    }
    SECTION("bad requests are refused and change nothing") {
        CHECK(has(refusal(error_invalid_argument, [&] { c.RevertRoles({}, {}); }), "no role"));
        CHECK(has(refusal(error_invalid_argument, [&] { c.RevertRoles({"remote"}, flag("all")); }),
                  "option 'all'"));
        refusal(error_unknown_role, [&] { c.RevertRoles({"remote", "nope"}, {}); });
        CHECK(has(refusal(error_invalid_argument, [&] { c.RevertRoles({"remote"}, runtime()); }),
                  "unknown option 'runtime'"));
        CHECK(enabled(c) == std::set<std::string>{"dc", "vpn"});
    }
}

TEST_CASE("rolewallctl revert prints each role before -> after, and --json follows its schema") {
    Setup s({scoped_dc});
    Client &c = s.client();
    c.EnableRole("dc", {{"sources", sdbus::Variant(Strings{"198.51.100.0/24"})}});
    Run r = s.ctl({"revert", "dc", "--dry-run"});
    CHECK(r.status == 0);
    CHECK(r.out == "dc: enabled (state) -> enabled (config)\n"
                   "  interfaces: lan0, wg* (unchanged)\n"
                   "  sources: 198.51.100.0/24 -> 192.0.2.0/24\n"
                   "nothing was changed (dry run)\n");
    r = s.ctl({"revert", "dc", "--json"});
    CHECK(r.status == 0);
    CHECK(testsupport::check_json_output("revert", r.out).empty()); // docs/JSON.md
    CHECK(has(r.out, "\"was_origin\": \"state\""));
    CHECK(origin_of(c, "dc") == "config");
    r = s.ctl({"revert", "--all"});
    CHECK(r.out == "no role has a saved or runtime change: every role follows the config\n");
    CHECK(s.ctl({"revert"}).status == 2);
    CHECK(s.ctl({"revert", "dc", "--all"}).status == 2);
    CHECK(s.ctl({"revert", "dc", "--runtime"}).status == 2);
    r = s.ctl({"enable", "vpn", "--json"});
    CHECK(testsupport::check_json_output("enable", r.out).empty()); // docs/JSON.md
    r = s.ctl({"render", "--json"});
    CHECK(r.status == 2);
    CHECK(has(r.err, "'render' has no --json output"));
}
