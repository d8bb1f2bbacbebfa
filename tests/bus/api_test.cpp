// rolewalld over D-Bus: the interface, its errors and who may call it. The real daemon in its
// own namespace on a private bus (harness.hpp).
#include "checks.hpp"
#include "rolewall/state.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using namespace bustest;

namespace {

// Canonical member lines of one interface in introspection XML: "method EnableRole in:s in:a{sv}",
// "signal RoleChanged s b", "property EnabledRoles as read". Whitespace, comments, annotations
// and argument names do not count.
std::set<std::string> members(std::string xml, const std::string &interface) {
    xml = std::regex_replace(xml, std::regex("<!--[\\s\\S]*?-->"), "");
    std::regex tag("<(/?)([A-Za-z]+)([^>]*?)(/?)>");
    std::regex attr("([a-z_]+)=\"([^\"]*)\"");
    std::set<std::string> out;
    bool inside = false;
    std::string current, kind;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator();
         ++it) {
        bool closing = (*it)[1] == "/", self_closing = (*it)[4] == "/";
        std::string name = (*it)[2];
        std::map<std::string, std::string> a;
        std::string attrs = (*it)[3];
        for (auto m = std::sregex_iterator(attrs.begin(), attrs.end(), attr);
             m != std::sregex_iterator(); ++m)
            a[(*m)[1]] = (*m)[2];
        if (name == "interface") {
            inside = !closing && a["name"] == interface;
            continue;
        }
        if (!inside) continue;
        if ((name == "method" || name == "signal") && !closing) {
            kind = name;
            current = name + " " + a["name"];
            if (self_closing) out.insert(current), current.clear();
        } else if (name == "arg" && !current.empty()) {
            std::string dir =
                kind == "signal" ? "" : (a.count("direction") ? a["direction"] : "in") + ":";
            current += " " + dir + a["type"];
        } else if ((name == "method" || name == "signal") && closing) {
            out.insert(current);
            current.clear();
        } else if (name == "property" && !closing) {
            out.insert("property " + a["name"] + " " + a["type"] + " " + a["access"]);
        }
    }
    return out;
}

} // namespace

// --- The interface ------------------------------------------------------------------------------

TEST_CASE("The live introspection of /org/rolewall1 equals the interface XML") {
    Setup s;
    std::string live = s.client().Introspect();
    std::string file = read_file(source_dir() + "/daemon/bus/org.rolewall1.Manager.xml");
    auto want = members(file, rolewall::bus::interface_name);
    CHECK(want.size() == 24); // 18 methods, 1 signal, 5 properties
    CHECK(want.count("method GetCounters out:a(sttt) out:(ttt)"));
    CHECK(want.count("method GetService in:s out:a{sv}"));
    CHECK(want.count("method Explain in:s in:q in:s in:s out:a{sv}"));
    CHECK(want.count("method GetStatus out:a{sv}"));
    CHECK(members(live, rolewall::bus::interface_name) == want);
    CHECK(want.count("method EnableRole in:s in:a{sv} out:a{sv}"));
    CHECK(want.count("method RevertRoles in:as in:a{sv} out:a{sa{sv}}"));
    CHECK(want.count("method Reload out:as"));
    CHECK(want.count("method RenderRuleset out:s"));
    CHECK(want.count("method DescribeEnabled out:a{sa{sv}}"));
    CHECK(want.count("method ReloadWithOptions in:a{sv} out:as"));
    CHECK(want.count("method ConfirmPending"));
    CHECK(want.count("property PendingDeadline t read"));
}

TEST_CASE("The read methods and properties describe the catalog and the enabled roles") {
    Setup s({"[roles.dc]\ninterfaces = [\"lan0\"]\nsources = [\"10.0.0.0/8\"]\n"});
    Client &c = s.client();
    auto roles = c.ListRoles();
    REQUIRE(roles.size() == 3);
    CHECK(roles[0].get<0>() == "dc");
    CHECK(roles[0].get<1>() == "Domain controller");
    CHECK(roles[0].get<2>() == true);
    CHECK(roles[2].get<0>() == "vpn");
    CHECK(roles[2].get<2>() == false);

    auto [title, description, services, ports, protocols, is_enabled, ifs, srcs, origin] =
        c.GetRole("dc");
    CHECK(title == "Domain controller");
    CHECK(services == std::vector<std::string>{"kerberos", "rpc", "ssh"});
    CHECK(std::any_of(ports.begin(), ports.end(), [](const auto &p) {
        return p.template get<0>() == "udp" && p.template get<1>() == 88 &&
               p.template get<3>() == "kerberos";
    }));
    CHECK(is_enabled);
    CHECK(ifs == std::vector<std::string>{"lan0"});
    CHECK(srcs == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(origin == "config");
    auto vpn = c.GetRole("vpn");
    REQUIRE(std::get<4>(vpn).size() == 1);
    CHECK(std::get<4>(vpn)[0].get<1>() == "gre");
    CHECK_FALSE(std::get<5>(vpn));
    CHECK(std::get<8>(vpn).empty());

    auto listed = c.ListEnabled();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].get<0>() == "dc");
    CHECK(listed[0].get<1>() == "config");

    auto uses = c.WhichPort(88, "udp");
    REQUIRE(uses.size() == 1);
    CHECK(uses[0].get<0>() == "kerberos");
    CHECK(uses[0].get<2>() == "udp");
    CHECK(uses[0].get<5>() == std::vector<std::string>{"dc"});
    CHECK(c.WhichPort(88, "").size() == 2);
    CHECK(c.WhichPort(9, "").empty());

    CHECK(enabled(c) == std::set<std::string>{"dc"});
    CHECK(c.Version() == ROLEWALL_VERSION);
}

TEST_CASE("EnableRole enables a role, signals it and saves it") {
    Setup s;
    Client &c = s.client();
    c.EnableRole("dc", {{"interfaces", sdbus::Variant(std::vector<std::string>{"lan0", "vlan*"})},
                        {"sources", sdbus::Variant(std::vector<std::string>{"192.0.2.7/24"})}});
    REQUIRE(c.pump([&] { return !c.role_changed.empty() && !c.properties_changed.empty(); }));
    CHECK(c.role_changed.at(0) == std::pair<std::string, bool>{"dc", true});
    CHECK(c.properties_changed.at(0) == std::vector<std::string>{"EnabledRoles"});
    CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
    CHECK(origin_of(c, "dc") == "state");
    auto role = c.GetRole("dc");
    CHECK(std::get<6>(role) == std::vector<std::string>{"lan0", "vlan*"});
    CHECK(std::get<7>(role) == std::vector<std::string>{"192.0.2.0/24"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(read_file(s.state_file()).find("[roles.dc]") != std::string::npos);
    CHECK(consistency(s, fixture_catalog()).empty());

    SECTION("re-scoping sends RoleChanged but no PropertiesChanged") {
        c.role_changed.clear();
        c.properties_changed.clear();
        c.EnableRole("dc", sources({"198.51.100.0/24"}));
        REQUIRE(c.pump([&] { return !c.role_changed.empty(); }));
        c.pump([] { return false; }, 100ms);
        CHECK(c.properties_changed.empty());
        // The interfaces were not named: they stay as they were.
        CHECK(std::get<6>(c.GetRole("dc")) == std::vector<std::string>{"lan0", "vlan*"});
        CHECK(consistency(s, fixture_catalog()).empty());
    }
    SECTION("enabling it again with the same scope sends nothing") {
        c.role_changed.clear();
        c.EnableRole("dc",
                     {{"sources", sdbus::Variant(std::vector<std::string>{"192.0.2.0/24"})},
                      {"interfaces", sdbus::Variant(std::vector<std::string>{"vlan*", "lan0"})}});
        c.pump([] { return false; }, 100ms);
        CHECK(c.role_changed.empty());
    }
}

TEST_CASE("DisableRole disables a role, and with runtime only until restart") {
    Setup s;
    Client &c = s.client();
    c.DisableRole("remote", runtime());
    REQUIRE(c.pump([&] { return !c.role_changed.empty(); }));
    CHECK(c.role_changed.at(0) == std::pair<std::string, bool>{"remote", false});
    CHECK(enabled(c).empty());
    CHECK(s.ns.kernel_roles().empty());
    CHECK_FALSE(fs::exists(s.state_file()));
    s.restart();
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    s.client().DisableRole("remote", {});
    s.restart();
    CHECK(enabled(s.client()).empty());
    CHECK(s.ns.kernel_roles().empty());
}

TEST_CASE("Reload applies an edited config and refuses a broken one without changing anything") {
    Setup s;
    Client &c = s.client();
    c.EnableRole("vpn", runtime());
    s.dir.write("rolewall.toml", "[firewall]\npolicy = \"reject\"\n[roles.dc]\n");
    c.Reload();
    CHECK(enabled(c) == std::set<std::string>{"dc", "vpn"});
    CHECK(s.ns.nft({"list", "chain", "inet", "rolewall", "input"}).out.find("reject") !=
          std::string::npos);

    s.dir.write("rolewall.toml", "[roles.dc]\n[roles.nope]\n");
    try {
        c.Reload();
        FAIL("Reload succeeded");
    } catch (const sdbus::Error &e) {
        CHECK(e.getName() == error_invalid_config);
        CHECK(e.getMessage().find("rolewall.toml:2:") != std::string::npos);
        CHECK(e.getMessage().find("unknown role 'nope'") != std::string::npos);
    }
    CHECK(enabled(c) == std::set<std::string>{"dc", "vpn"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "vpn"});
}

// --- Errors ------------------------------------------------------------------------------------

TEST_CASE("Unknown roles are answered with UnknownRole") {
    Setup s;
    Client &c = s.client();
    CHECK(error_of([&] { c.EnableRole("nope", {}); }) == error_unknown_role);
    CHECK(error_of([&] { c.DisableRole("nope", runtime()); }) == error_unknown_role);
    CHECK(error_of([&] { c.GetRole("nope"); }) == error_unknown_role);
    CHECK(enabled(c) == std::set<std::string>{"remote"});
}

TEST_CASE(
    "Bad arguments are answered with InvalidArgument naming the problem, and change nothing") {
    Setup s;
    Client &c = s.client();
    auto message_of = [](const std::function<void()> &call) {
        return refusal(error_invalid_argument, call);
    };
    CHECK(message_of([&] { c.EnableRole("dc", sources({"10.0.0.0/33"})); }).find("10.0.0.0/33") !=
          std::string::npos);
    CHECK(message_of([&] { c.EnableRole("dc", sources({"example.org"})); }).find("example.org") !=
          std::string::npos);
    CHECK(message_of([&] {
              c.EnableRole("dc",
                           {{"interfaces", sdbus::Variant(std::vector<std::string>{"eth0:1"})}});
          }).find("eth0:1") != std::string::npos);
    CHECK(message_of([&] {
              c.EnableRole("dc", {{"colour", sdbus::Variant(std::string("red"))}});
          }).find("'colour'") != std::string::npos);
    CHECK(message_of([&] {
              c.EnableRole("dc", {{"runtime", sdbus::Variant(std::string("yes"))}});
          }).find("'runtime'") != std::string::npos);
    CHECK(message_of([&] {
              c.EnableRole("dc", {{"sources", sdbus::Variant(std::string("10.0.0.0/8"))}});
          }).find("'sources'") != std::string::npos);
    CHECK(message_of([&] { c.DisableRole("remote", sources({"10.0.0.0/8"})); }).find("'sources'") !=
          std::string::npos);
    CHECK(message_of([&] { c.WhichPort(88, "sctp"); }).find("sctp") != std::string::npos);
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    CHECK_FALSE(fs::exists(s.state_file()));
}

TEST_CASE("A state file that cannot be written is answered with Failed and nothing changes") {
    Setup::Params p;
    p.start_daemon = false;
    Setup s(p);
    s.dir.write("blocker", "");
    s.daemon.options().state_dir = s.dir.path() / "blocker" / "state";
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    Client &c = s.client();
    CHECK(error_of([&] { c.EnableRole("dc", {}); }) == error_failed);
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    CHECK(error_of([&] { c.EnableRole("dc", runtime()); }).empty()); // needs no file
}

TEST_CASE("A change the kernel refuses is answered with KernelRejected and nothing changes") {
    Setup::Params p;
    p.binary = REFUSING_ROLEWALLD;
    Setup s(p);
    Client &c = s.client();
    auto refused = Options{{"interfaces", sdbus::Variant(std::vector<std::string>{"refused0"})}};
    try {
        c.EnableRole("dc", refused);
        FAIL("EnableRole succeeded");
    } catch (const sdbus::Error &e) {
        CHECK(e.getName() == error_kernel_rejected);
        CHECK(e.getMessage().find("role 'dc'") != std::string::npos);
        CHECK(e.getMessage().find("nothing was changed") != std::string::npos);
    }
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    CHECK_FALSE(fs::exists(s.state_file()));
    // A reload that the kernel refuses keeps the running config.
    s.dir.write("rolewall.toml", "[roles.vpn]\ninterfaces = [\"refused0\"]\n");
    CHECK(error_of([&] { c.Reload(); }) == error_kernel_rejected);
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    s.dir.write("rolewall.toml", "[roles.remote]\n"); // what is running, for the check below
    CHECK(consistency(s, fixture_catalog()).empty());
}

TEST_CASE("A scope of 30000 networks is applied as one change") {
    Setup s;
    Client &c = s.client();
    std::vector<std::string> many;
    for (int i = 0; i < 30000; ++i)
        many.push_back("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                       "." + std::to_string(i % 256) + "/32");
    c.EnableRole("dc", sources(many));
    CHECK(std::get<7>(c.GetRole("dc")).size() == 30000);
    CHECK(consistency(s, fixture_catalog()).empty());
    CHECK(s.daemon.log().find("(30000 in all)") != std::string::npos);
}

// --- Authorization ------------------------------------------------------------------------------

TEST_CASE("A caller with uid 65534 gets AccessDenied and nothing changes") {
    BUSTEST_NEEDS_REAL_ROOT("a client with uid 65534");
    Setup s;
    std::string result = as_uid(nobody, s.address(), [](Client &c) {
        std::string out = error_of([&] { c.EnableRole("dc", {}); }) + " ";
        out += error_of([&] { c.DisableRole("remote", {}); }) + " ";
        out += error_of([&] { c.Reload(); }) + " ";
        out += error_of([&] { c.EnableRole("nope", {{"bad", sdbus::Variant(1)}}); }) + " ";
        out += std::to_string(c.ListRoles().size()); // reading needs nothing
        return out;
    });
    std::string d = error_access_denied;
    CHECK(result == d + " " + d + " " + d + " " + d + " 3");
    Client &c = s.client();
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    CHECK_FALSE(fs::exists(s.state_file()));
}

TEST_CASE("Refused calls are logged with uid, sender, method and role, at most 20 a minute") {
    BUSTEST_NEEDS_REAL_ROOT("a client with uid 65534");
    Setup s;
    std::string sender = as_uid(nobody, s.address(), [](Client &c) {
        for (int i = 0; i < 30; ++i)
            error_of([&] { c.EnableRole("vpn", {}); });
        error_of([&] { c.Reload(); });
        return c.connection().getUniqueName();
    });
    REQUIRE(sender.rfind(":1.", 0) == 0);
    std::string log = s.daemon.log();
    std::size_t lines = 0;
    for (std::size_t at = 0;
         (at = log.find("warning: refused EnableRole", at)) != std::string::npos; ++at)
        ++lines;
    CHECK(lines == 20);
    CHECK(log.find("refused EnableRole of role 'vpn' from uid 65534 (" + sender +
                   "): changing the firewall needs root") != std::string::npos);
    CHECK(log.find("ROLE=vpn CALLER_UID=65534 CALLER=" + sender + " METHOD=EnableRole") !=
          std::string::npos);
    CHECK(log.find("further refused calls are not logged for up to 60 s") != std::string::npos);
    CHECK(log.find("refused Reload") == std::string::npos); // the 31st: held back
}

TEST_CASE("polkit's yes lets a caller with uid 65534 change the firewall, its no does not") {
    BUSTEST_NEEDS_REAL_ROOT("a client with uid 65534");
    Setup s;
    SECTION("yes") {
        FakePolkit polkit(s.address(), "yes", s.dir.path());
        std::string result = as_uid(nobody, s.address(), [](Client &c) {
            std::string name = c.connection().getUniqueName();
            return error_of([&] { c.EnableRole("dc", runtime()); }) + "|" + name;
        });
        std::string sender = result.substr(result.find('|') + 1);
        CHECK(result.substr(0, result.find('|')).empty());
        CHECK(enabled(s.client()) == std::set<std::string>{"dc", "remote"});
        // The daemon asked about the caller's bus name, for our action, without interaction.
        CHECK(polkit.questions() == "system-bus-name " + sender + " org.rolewall1.manage 0\n");
    }
    SECTION("no") {
        FakePolkit polkit(s.address(), "no", s.dir.path());
        std::string result = as_uid(nobody, s.address(), [](Client &c) {
            return error_of([&] { c.EnableRole("dc", runtime()); });
        });
        CHECK(result == error_access_denied);
        CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    }
    SECTION("a challenge (a password would be needed) is a refusal that says so") {
        FakePolkit polkit(s.address(), "challenge", s.dir.path());
        std::string result = as_uid(nobody, s.address(), [](Client &c) {
            try {
                c.EnableRole("dc", runtime());
            } catch (const sdbus::Error &e) {
                return e.getName() + " " + e.getMessage();
            }
            return std::string("allowed");
        });
        CHECK(result.rfind(error_access_denied, 0) == 0);
        CHECK(result.find("password") != std::string::npos);
        CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    }
    SECTION("root is not asked about") {
        FakePolkit polkit(s.address(), "no", s.dir.path());
        s.client().EnableRole("vpn", runtime());
        CHECK(polkit.questions().empty());
    }
}
