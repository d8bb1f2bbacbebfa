// rolewalld over D-Bus: restarts, stops, corrupt state, reloads and many clients at once.
#include "checks.hpp"
#include "rolewall/state.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using namespace bustest;

// --- Lifetime ------------------------------------------------------------------------------------

TEST_CASE("Persistent changes survive a restart and runtime changes do not") {
    Setup s;
    s.client().EnableRole("dc", sources({"10.0.0.0/8"}));
    s.client().EnableRole("vpn", runtime());
    s.client().DisableRole("remote", runtime());
    CHECK(enabled(s.client()) == std::set<std::string>{"dc", "vpn"});
    s.restart();
    Client &c = s.client();
    CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
    CHECK(origin_of(c, "dc") == "state");
    CHECK(std::get<7>(c.GetRole("dc")) == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(consistency(s, fixture_catalog()).empty());
}

TEST_CASE("The rules stay in the kernel while the daemon is stopped") {
    Setup s;
    s.client().EnableRole("dc", {});
    auto before = s.ns.nft({"list", "table", "inet", "rolewall"}).out;
    SECTION("by SIGTERM") {
        CHECK(s.daemon.stop(SIGTERM) == 0);
        CHECK(s.daemon.log().find("stays in the kernel") != std::string::npos);
    }
    SECTION("by SIGINT") {
        CHECK(s.daemon.stop(SIGINT) == 0);
    }
    SECTION("by SIGKILL") {
        CHECK(s.daemon.stop(SIGKILL) == 128 + SIGKILL);
    }
    CHECK(s.ns.table_exists());
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK_FALSE(name_has_owner(s.address(), "org.rolewall1"));
    // And a new daemon takes the table over.
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    s.client().DisableRole("dc", {});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
}

TEST_CASE("A corrupt state file is moved aside and replaced by what is in force") {
    Setup::Params p;
    p.start_daemon = false;
    Setup s(p);
    s.dir.write("state/state.toml", "version = 1\n[roles.dc\n");
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    std::vector<std::string> files;
    for (const auto &e : fs::directory_iterator(s.dir.path() / "state"))
        files.push_back(e.path().filename());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() == 2);
    CHECK(files[0] == "state.toml");
    CHECK(files[1].rfind("state.toml.corrupt-", 0) == 0);
    CHECK(s.daemon.log().find("moved it aside") != std::string::npos);
}

TEST_CASE("A damaged state entry after a restart keeps its role as the kernel holds it") {
    Setup::Params p;
    p.config = "[roles.remote]\n[roles.vpn]\n";
    Setup s(p);
    s.client().DisableRole("vpn", {});
    s.client().EnableRole("dc", sources({"192.0.2.0/24"}));
    REQUIRE(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(s.daemon.stop(SIGKILL) == 128 + SIGKILL);
    std::string text = read_file(s.state_file());
    auto at = text.find("enabled = false");
    REQUIRE(at != std::string::npos);
    text.replace(at, 15, "enabled = nope");
    at = text.find("192.0.2.0/24\"]");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "192.0.2.0/24\",");
    s.dir.write("state/state.toml", text);
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    // vpn stays closed, dc keeps its one network: nothing opens.
    CHECK(enabled(s.client()) == std::set<std::string>{"dc", "remote"});
    CHECK(std::get<7>(s.client().GetRole("dc")) == std::vector<std::string>{"192.0.2.0/24"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(consistency(s, fixture_catalog()).empty());
    CHECK(s.daemon.log().find("ROLE=vpn") != std::string::npos);
    // vpn was in the kernel as the empty shell its disabling left: disabled, as it held it.
    CHECK(s.daemon.log().find(
              "role 'vpn' is damaged or lost; the role stays disabled, as the kernel holds it") !=
          std::string::npos);
}

TEST_CASE("SIGHUP reloads the config") {
    Setup::Params p;
    p.notify = true;
    Setup s(p);
    REQUIRE(s.notify->wait_for("READY=1", 10s));
    s.dir.write("rolewall.toml", "[roles.vpn]\n");
    kill(s.daemon.pid(), SIGHUP);
    REQUIRE(s.notify->wait_for("RELOADING=1", 10s));
    REQUIRE(s.notify->wait_for("READY=1", 10s));
    CHECK(enabled(s.client()) == std::set<std::string>{"vpn"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"vpn"});
}

TEST_CASE("Eight clients toggling at once are all answered, and kernel, bus and state agree") {
    Setup::Params p;
    p.catalog = source_dir() + "/catalog";
    p.config = "[roles.ssh]\n";
    Setup s(p);
    std::vector<std::string> roles;
    for (const auto &r : s.client().ListRoles())
        roles.push_back(r.get<0>());
    REQUIRE(roles.size() > 20);
    constexpr int clients = 8, toggles = 20;
    std::vector<pid_t> children;
    for (int i = 0; i < clients; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            int bad = 0;
            try {
                Client c(s.address());
                for (int t = 0; t < toggles; ++t) {
                    const std::string &role = roles[static_cast<size_t>((i * 7 + t * 3) % 12)];
                    std::string e = t % 2 == 0 ? error_of([&] {
                        c.EnableRole(role, sources({"10." + std::to_string(i) + ".0.0/16"}));
                    })
                                               : error_of([&] { c.DisableRole(role, {}); });
                    bad += !e.empty();
                }
            } catch (...) {
                bad = 100;
            }
            _exit(bad);
        }
        children.push_back(pid);
    }
    int failures = 0;
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        failures += WIFEXITED(status) ? WEXITSTATUS(status) : 1000;
    }
    CHECK(failures == 0);
    INFO(s.daemon.log());
    CHECK(consistency(s, source_dir() + "/catalog").empty());
}
