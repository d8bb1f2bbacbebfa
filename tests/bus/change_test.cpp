// Changes that never surprise, over D-Bus: nothing widens unless asked, the result says before
// and after, options are read strictly from the raw message, the scope caps hold. The real
// daemon in its own namespace on a private bus (harness.hpp).
#include "checks.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using namespace bustest;

namespace {

// A config role scoped in both dimensions, as an AD gateway would have it.
const char *scoped_dc = "[roles.remote]\n"
                        "[roles.dc]\n"
                        "interfaces = [\"lan0\", \"wg*\"]\n"
                        "sources = [\"192.0.2.0/24\", \"2001:db8:10::/64\"]\n";

using Strings = std::vector<std::string>;

Options strings(const std::string &key, const Strings &v) {
    return {{key, sdbus::Variant(v)}};
}

Run busctl(Setup &s, std::vector<std::string> args) {
    args.insert(args.begin(), {"busctl", "--address=" + s.address(), "call", "org.rolewall1",
                               "/org/rolewall1", "org.rolewall1.Manager"});
    return run(args);
}

} // namespace

TEST_CASE("Re-scoping one dimension keeps the other: a partial re-scope never widens") {
    Setup s({scoped_dc});
    Client &c = s.client();
    Options r = c.EnableRole("dc", strings("interfaces", {"lan0"}));
    CHECK(get<bool>(r, "changed"));
    CHECK(get<bool>(r, "enabled"));
    CHECK(get<Strings>(r, "interfaces") == Strings{"lan0"});
    CHECK(get<Strings>(r, "sources") == Strings{"192.0.2.0/24", "2001:db8:10::/64"});
    CHECK(get<std::string>(r, "origin") == "state");
    CHECK(get<bool>(r, "was_enabled"));
    CHECK(get<Strings>(r, "was_interfaces") == Strings{"lan0", "wg*"});
    CHECK(get<Strings>(r, "was_sources") == Strings{"192.0.2.0/24", "2001:db8:10::/64"});
    CHECK(get<std::string>(r, "was_origin") == "config");
    CHECK(get<Strings>(r, "warnings").empty());
    auto role = c.GetRole("dc");
    CHECK(std::get<7>(role) == Strings{"192.0.2.0/24", "2001:db8:10::/64"});
    CHECK(consistency(s, fixture_catalog()).empty());

    SECTION("a role that is not enabled starts from its config scope") {
        c.DisableRole("dc", runtime());
        Options again = c.EnableRole("dc", strings("sources", {"198.51.100.0/24"}));
        CHECK_FALSE(get<bool>(again, "was_enabled"));
        CHECK(get<std::string>(again, "was_origin").empty());
        // Its scope now was lan0 (state); disabled at runtime, the base is the config's.
        CHECK(get<Strings>(again, "interfaces") == Strings{"lan0", "wg*"});
        CHECK(get<Strings>(again, "sources") == Strings{"198.51.100.0/24"});
    }
    SECTION("any_source widens, and only when asked") {
        Options wide = c.EnableRole("dc", {{"any_source", sdbus::Variant(true)}});
        CHECK(get<Strings>(wide, "sources").empty());
        CHECK(get<Strings>(wide, "interfaces") == Strings{"lan0"});
        CHECK(std::get<7>(c.GetRole("dc")).empty());
        CHECK(consistency(s, fixture_catalog()).empty());
    }
    SECTION("additions and removals apply to the scope as it is") {
        Options inc = c.EnableRole(
            "dc",
            {{"add_interfaces", sdbus::Variant(Strings{"wg0"})},
             {"remove_sources", sdbus::Variant(Strings{"2001:db8:10::/64", "203.0.113.0/24"})}});
        CHECK(get<Strings>(inc, "interfaces") == Strings{"lan0", "wg0"});
        CHECK(get<Strings>(inc, "sources") == Strings{"192.0.2.0/24"});
        auto warnings = get<Strings>(inc, "warnings");
        REQUIRE(warnings.size() == 1);
        CHECK(warnings[0].find("203.0.113.0/24 is not in the role's scope") != std::string::npos);
        CHECK(consistency(s, fixture_catalog()).empty());
    }
}

TEST_CASE("A role with neither a scope nor a config entry is enabled for any") {
    Setup s;
    Options r = s.client().EnableRole("vpn", {});
    CHECK(get<Strings>(r, "interfaces").empty());
    CHECK(get<Strings>(r, "sources").empty());
    CHECK_FALSE(get<bool>(r, "was_enabled"));
    CHECK(get<std::string>(r, "origin") == "state");
}

TEST_CASE("DisableRole answers with the role's scope before") {
    Setup s({scoped_dc});
    Options r = s.client().DisableRole("dc", runtime());
    CHECK(get<bool>(r, "changed"));
    CHECK_FALSE(get<bool>(r, "enabled"));
    CHECK(get<std::string>(r, "origin").empty());
    CHECK(get<Strings>(r, "was_interfaces") == Strings{"lan0", "wg*"});
    Options again = s.client().DisableRole("dc", runtime());
    CHECK_FALSE(get<bool>(again, "changed"));
}

TEST_CASE("A dry run computes the result and changes nothing") {
    Setup s({scoped_dc});
    Client &c = s.client();
    Options r = c.EnableRole(
        "dc", {{"any_interface", sdbus::Variant(true)}, {"dry_run", sdbus::Variant(true)}});
    CHECK(get<bool>(r, "changed"));
    CHECK(get<Strings>(r, "interfaces").empty());
    c.pump([] { return false; }, 200ms);
    CHECK(c.role_changed.empty());
    CHECK(std::get<6>(c.GetRole("dc")) == Strings{"lan0", "wg*"});
    CHECK(origin_of(c, "dc") == "config");
    CHECK_FALSE(fs::exists(s.state_file()));
    Options d = c.DisableRole("dc", {{"dry_run", sdbus::Variant(true)}});
    CHECK_FALSE(get<bool>(d, "enabled"));
    CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
    CHECK(consistency(s, fixture_catalog()).empty());
}

TEST_CASE("An empty list is refused over D-Bus as in the files: any must be asked for") {
    Setup s({scoped_dc});
    Client &c = s.client();
    CHECK(refusal(error_invalid_argument, [&] {
              c.EnableRole("dc", strings("sources", {}));
          }).find("use any_source to allow any source") != std::string::npos);
    CHECK(refusal(error_invalid_argument, [&] {
              c.EnableRole("dc", strings("interfaces", {}));
          }).find("use any_interface") != std::string::npos);
    CHECK(refusal(error_invalid_argument, [&] {
              c.EnableRole("dc", strings("remove_interfaces", {"lan0", "wg*"}));
          }).find("leaves no interface") != std::string::npos);
    CHECK(refusal(error_invalid_argument, [&] {
              c.EnableRole("dc", {{"any_source", sdbus::Variant(true)},
                                  {"sources", sdbus::Variant(Strings{"192.0.2.0/24"})}});
          }).find("'any_source' cannot go with 'sources'") != std::string::npos);
    CHECK(std::get<7>(c.GetRole("dc")) == Strings{"192.0.2.0/24", "2001:db8:10::/64"});
    CHECK_FALSE(fs::exists(s.state_file()));
}

TEST_CASE("An IPv4-mapped IPv6 source is refused with the IPv4 address to write") {
    Setup s;
    std::string m = refusal(error_invalid_argument, [&] {
        s.client().EnableRole("dc", strings("sources", {"::ffff:192.0.2.1"}));
    });
    CHECK(m.find("write the IPv4 address 192.0.2.1") != std::string::npos);
    CHECK_FALSE(std::get<5>(s.client().GetRole("dc")));
}

TEST_CASE("A duplicate option key is refused naming the key, whichever comes first") {
    Setup s;
    // busctl sends the a{sv} as written; sdbus-c++ would keep the first key (any source).
    Run r = busctl(s, {"EnableRole", "sa{sv}", "dc", "2", "sources", "as", "1", "192.0.2.0/24",
                       "sources", "as", "1", "198.51.100.0/24"});
    CHECK(r.status != 0);
    CHECK(r.err.find("option 'sources' is given more than once") != std::string::npos);
    r = busctl(s, {"DisableRole", "sa{sv}", "remote", "2", "runtime", "b", "true", "runtime", "b",
                   "false"});
    CHECK(r.status != 0);
    CHECK(r.err.find("option 'runtime' is given more than once") != std::string::npos);
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    CHECK_FALSE(fs::exists(s.state_file()));
}

TEST_CASE("Unknown keys and wrong types are refused naming the key") {
    Setup s;
    Run r = busctl(s, {"EnableRole", "sa{sv}", "dc", "1", "timeout", "s", "10m"});
    CHECK(r.err.find("option 'timeout'") != std::string::npos);
    r = busctl(s, {"EnableRole", "sa{sv}", "dc", "1", "sources", "ai", "1", "7"});
    CHECK(r.err.find("option 'sources' must have type 'as', not 'ai'") != std::string::npos);
    r = busctl(s, {"DisableRole", "sa{sv}", "remote", "1", "interfaces", "as", "1", "lan0"});
    CHECK(r.err.find("unknown option 'interfaces'") != std::string::npos);
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
}

TEST_CASE("A scope over the caps is refused with LimitExceeded before any work") {
    Setup s({"[firewall]\nmax_sources_per_role = 4\nmax_interfaces_per_role = 2\n"
             "[roles.remote]\n"});
    Client &c = s.client();
    Strings five{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"};
    CHECK(refusal(error_limit_exceeded, [&] {
              c.EnableRole("dc", strings("sources", five));
          }).find("more than 4 items") != std::string::npos);
    CHECK(refusal(error_limit_exceeded, [&] {
              c.EnableRole("dc", strings("interfaces", {"a", "b", "c"}));
          }).find("'interfaces'") != std::string::npos);
    c.EnableRole("dc", strings("sources", {"192.0.2.1", "192.0.2.2", "192.0.2.3"}));
    CHECK(refusal(error_limit_exceeded, [&] {
              c.EnableRole("dc", strings("add_sources", {"192.0.2.4", "192.0.2.5"}));
          }).find("max_sources_per_role") != std::string::npos);
    CHECK(std::get<7>(c.GetRole("dc")).size() == 3);

    SECTION("a reload of a config over the caps names file and line") {
        s.dir.write("rolewall.toml",
                    "[firewall]\nmax_sources_per_role = 4\n[roles.vpn]\nsources = [\"192.0.2.1\", "
                    "\"192.0.2.2\", \"192.0.2.3\", \"192.0.2.4\", \"192.0.2.5\"]\n");
        std::string m = refusal(error_invalid_config, [&] { c.Reload(); });
        CHECK(m.find("rolewall.toml:4:") != std::string::npos);
        CHECK(m.find("max_sources_per_role") != std::string::npos);
    }
    SECTION("a state file over a lowered cap names file and line") {
        // The entry is damaged for the new cap: the role stays as it is, and the log says why.
        s.dir.write("rolewall.toml", "[firewall]\nmax_sources_per_role = 2\n[roles.remote]\n");
        c.Reload();
        CHECK(std::get<7>(c.GetRole("dc")).size() == 3);
        std::string log = s.daemon.log();
        CHECK(log.find("state.toml:") != std::string::npos);
        CHECK(log.find("3 sources are more than the 2") != std::string::npos);
    }
}

TEST_CASE("The default cap refuses 100,000 sources") {
    Setup s;
    Strings many;
    for (int i = 0; i < 100000; ++i)
        many.push_back("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                       "." + std::to_string(i % 256));
    CHECK(refusal(error_limit_exceeded, [&] {
              s.client().EnableRole("dc", strings("sources", many));
          }).find("65536") != std::string::npos);
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
}

TEST_CASE("rolewallctl enable prints each dimension before -> after and widens only when asked") {
    Setup s({scoped_dc});
    Run r = s.ctl({"enable", "dc", "--interface", "lan0"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "dc: enabled (config) -> enabled (state)\n"
                   "  interfaces: lan0, wg* -> lan0\n"
                   "  sources: 192.0.2.0/24, 2001:db8:10::/64 (unchanged)\n");
    r = s.ctl({"enable", "dc", "--any-source", "--runtime"});
    CHECK(r.out == "dc: enabled (state) -> enabled (runtime), until rolewalld restarts\n"
                   "  interfaces: lan0 (unchanged)\n"
                   "  sources: 192.0.2.0/24, 2001:db8:10::/64 -> any\n");
    r = s.ctl({"enable", "dc", "--add-source", "198.51.100.0/24"});
    CHECK(r.status == 0);
    CHECK(r.err.find("warning: sources: the role already takes any source") != std::string::npos);
    r = s.ctl({"disable", "dc", "--dry-run"});
    CHECK(r.out == "dry run: dc: enabled (state) -> disabled\nnothing was changed (dry run)\n");
    CHECK(enabled(s.client()) == std::set<std::string>{"dc", "remote"});
    r = s.ctl({"enable", "dc", "--any-source", "--source", "192.0.2.0/24"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--any-source cannot go with --source") != std::string::npos);
    CHECK(s.ctl({"disable", "dc", "--add-interface", "lan0"}).status == 2);
    CHECK(s.ctl({"enable", "dc", "--interface", "lan0", "--remove-interface", "wg*"}).status == 2);
    r = s.ctl({"enable", "vpn"});
    CHECK(r.out == "vpn: disabled -> enabled (state)\n"
                   "  interfaces: (disabled) -> any\n"
                   "  sources: (disabled) -> any\n");
    r = s.ctl({"enable", "vpn"});
    CHECK(r.out == "vpn: enabled (state), nothing to change\n"
                   "  interfaces: any (unchanged)\n"
                   "  sources: any (unchanged)\n");
}
