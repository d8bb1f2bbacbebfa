// Failing closed: a daemon that cannot start keeps a firewall (the table the kernel holds, or
// the fail-safe), runs degraded on the bus, and a Reload after the fix brings it back.
#include "checks.hpp"
#include "traffic.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bustest;

namespace {

using Status = std::map<std::string, sdbus::Variant>;

template <typename T> T value_of(const Status &s, const std::string &key) {
    auto it = s.find(key);
    if (it == s.end()) FAIL("GetStatus has no key '" << key << "'");
    return it->second.get<T>();
}

std::string state_of(Client &c) {
    return c.State();
}

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

constexpr const char *broken = "[roles.remote]\n[firewall]\nrpc_dynamic_ports = \"5000-1000\"\n";

} // namespace

TEST_CASE("A broken config at boot with no table applies the fail-safe and runs degraded") {
    Setup::Params p;
    p.config = broken;
    p.notify = true;
    p.start_daemon = false;
    Setup s(p);
    s.daemon.start();
    std::string config = (s.dir.path() / "rolewall.toml").string();
    REQUIRE(s.notify->wait_for("READY=1", 10s));
    REQUIRE(s.notify->wait_for("STATUS=Degraded (fail-safe): the config " + config +
                                   " has 1 problem: " + config +
                                   ":3:21: field 'firewall.rpc_dynamic_ports': inverted range "
                                   "5000-1000 (first port is above last); serving org.rolewall1",
                               10s));
    REQUIRE(wait_for_daemon(s.address()));
    CHECK(s.daemon.running());
    // The table in the kernel is the fail-safe one.
    Run table = s.ns.nft({"list", "table", "inet", "rolewall"});
    CHECK(has(table.out, "fail-safe table"));
    CHECK(has(table.out, "tcp dport 22 accept"));
    CHECK(has(s.daemon.log(), "error: cannot start: the config " + config));

    Client &c = s.client();
    CHECK(state_of(c) == "degraded");
    Status st = c.GetStatus();
    CHECK(value_of<std::string>(st, "state") == "degraded");
    CHECK(value_of<std::string>(st, "ruleset") == "fail-safe");
    CHECK(has(value_of<std::string>(st, "error"), config + ":3:21: "));
    CHECK(value_of<std::uint64_t>(st, "started") > 1700000000000000u);

    // Changes are refused, reads answer.
    CHECK(error_of([&] { c.EnableRole("vpn", {}); }) == rolewall::bus::error_degraded);
    CHECK(error_of([&] { c.DisableRole("remote", {}); }) == rolewall::bus::error_degraded);
    CHECK(error_of([&] { c.ListEnabled(); }).empty());
    Run ctl = s.ctl({"status"});
    CHECK(ctl.status == 5);
    CHECK(has(ctl.out, "State:   degraded (the fail-safe table is in force"));
    CHECK(has(ctl.out, config + ":3:21: field 'firewall.rpc_dynamic_ports'"));
    Run enable = s.ctl({"enable", "vpn"});
    CHECK(enable.status == 5);
    CHECK(has(enable.err, "runs degraded"));

    SECTION("a Reload that still fails keeps it degraded, with the new error") {
        s.dir.write("rolewall.toml", "[roles.nope]\n");
        CHECK(error_of([&] { c.Reload(); }) == rolewall::bus::error_invalid_config);
        CHECK(state_of(c) == "degraded");
        CHECK(has(value_of<std::string>(c.GetStatus(), "error"), "unknown role 'nope'"));
        CHECK(has(s.ns.nft({"list", "table", "inet", "rolewall"}).out, "fail-safe table"));
    }
    SECTION("a Reload after the fix applies the ruleset and leaves degraded mode") {
        c.properties_changed.clear();
        s.dir.write("rolewall.toml", "[roles.vpn]\n");
        c.Reload();
        CHECK(state_of(c) == "running");
        CHECK(c.pump([&] {
            for (const auto &names : c.properties_changed)
                if (std::find(names.begin(), names.end(), "State") != names.end()) return true;
            return false;
        }));
        CHECK(s.ns.kernel_roles() == std::set<std::string>{"vpn"});
        CHECK_FALSE(has(s.ns.nft({"list", "table", "inet", "rolewall"}).out, "fail-safe"));
        Status now = c.GetStatus();
        CHECK(value_of<std::string>(now, "ruleset") == "roles");
        CHECK(value_of<std::string>(now, "error").empty());
        CHECK(value_of<std::string>(now, "kernel") == "matches");
        c.EnableRole("dc", runtime());
        CHECK(s.ctl({"status"}).status == 0);
        CHECK(consistency(s, fixture_catalog()) ==
              "config + state file differ from the enabled roles (runtime changes present?)");
        CHECK(has(s.daemon.log(), "left degraded mode"));
    }
}

TEST_CASE("A broken config at boot keeps the table the kernel holds exactly as it was") {
    Setup::Params p;
    p.notify = true;
    Setup s(p);
    s.client().EnableRole("dc", sources({"192.0.2.0/24"}));
    s.daemon.stop(SIGTERM);
    std::string before = table_listing(s.ns);
    REQUIRE(has(before, "192.0.2.0/24"));
    s.dir.write("rolewall.toml", broken);
    s.daemon.start();
    REQUIRE(s.notify->wait_for("STATUS=Degraded (last-good): the config " +
                                   (s.dir.path() / "rolewall.toml").string() +
                                   " has 1 problem: " + (s.dir.path() / "rolewall.toml").string() +
                                   ":3:21: field 'firewall.rpc_dynamic_ports': inverted range "
                                   "5000-1000 (first port is above last); serving org.rolewall1",
                               10s));
    REQUIRE(wait_for_daemon(s.address()));
    Client c(s.address());
    CHECK(c.State() == "degraded");
    Status st = c.GetStatus();
    CHECK(value_of<std::string>(st, "ruleset") == "last-good");
    CHECK(value_of<std::string>(st, "kernel") == "unknown");
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(table_listing(s.ns) == before);
    // And it is the daemon's now: nothing else can remove it while it runs degraded.
    CHECK(has(s.ns.nft({"list", "table", "inet", "rolewall"}).out, "# progname rolewalld"));
    CHECK(s.ns.nft({"delete", "table", "inet", "rolewall"}).status != 0);
    CHECK(s.ns.nft({"flush", "ruleset"}).status == 0); // what nftables.service does
    CHECK(table_listing(s.ns) == before);
    CHECK(has(s.ctl({"status"}).out, "the table the kernel held at start is kept as it was"));
    // Fixed: the saved state comes back with the config.
    s.dir.write("rolewall.toml", "[roles.remote]\n");
    c.Reload();
    CHECK(c.State() == "running");
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(consistency(s, fixture_catalog()).empty());
}

TEST_CASE("rolewalld --apply-only with a broken config applies the fail-safe and exits 1") {
    Netns ns;
    TempDir dir;
    dir.write("rolewall.toml", broken);
    RunOptions o;
    o.netns_of = ns.holder();
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + (dir.path() / "no-bus").string();
    Run r =
        run({ROLEWALLD, "--apply-only", "--config=" + (dir.path() / "rolewall.toml").string(),
             "--catalog=" + fixture_catalog(), "--state-dir=" + (dir.path() / "state").string()},
            o);
    CHECK(r.status == 1);
    CHECK(has(r.err, "rolewall.toml:3:21"));
    CHECK(has(r.err, "fail-safe table is in place"));
    CHECK(has(ns.nft({"list", "table", "inet", "rolewall"}).out, "fail-safe table"));
}

TEST_CASE(
    "Under the fail-safe table only SSH gets through, and a Reload opens the config's roles") {
    BUSTEST_NEEDS_REAL_ROOT("named network namespaces for the traffic (ip netns)");
    testns::Hosts hosts;
    REQUIRE(hosts.ok());
    Setup::Params p;
    p.config = broken;
    p.start_daemon = false;
    Setup s(p);
    s.daemon.options().netns_name = hosts.gw;
    std::unique_ptr<testns::Servers> servers;
    {
        testns::InNetns in(hosts.gw);
        servers = std::make_unique<testns::Servers>(std::vector<std::uint16_t>{22, 80, 1723},
                                                    std::vector<std::uint16_t>{},
                                                    std::vector<std::uint8_t>{});
    }
    auto reaches = [&](bool v6, std::uint16_t port) {
        return testns::tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, v6), port, 300);
    };
    // Before the daemon, nothing filters: the servers answer.
    REQUIRE(reaches(false, 80));
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    REQUIRE(s.client().State() == "degraded");
    for (bool v6 : {false, true}) {
        INFO((v6 ? "IPv6" : "IPv4"));
        CHECK(reaches(v6, 22));
        CHECK_FALSE(reaches(v6, 80));
        CHECK_FALSE(reaches(v6, 1723));
    }
    s.dir.write("rolewall.toml", "[roles.vpn]\n");
    s.client().Reload();
    REQUIRE(s.client().State() == "running");
    for (bool v6 : {false, true}) {
        INFO((v6 ? "IPv6" : "IPv4"));
        CHECK(reaches(v6, 1723));
        CHECK_FALSE(reaches(v6, 22));
        CHECK_FALSE(reaches(v6, 80));
    }
}

TEST_CASE("A config or state directory others could write to makes the daemon degraded") {
    Setup::Params p;
    p.start_daemon = false;
    Setup s(p);
    fs::path refused;
    std::string why;
    SECTION("a world-writable config") {
        refused = s.dir.path() / "rolewall.toml";
        ::chmod(refused.c_str(), 0666);
        why = "is writable by its group and others (mode 0666)";
    }
    SECTION("a state directory owned by another user") {
        refused = s.dir.path() / "state";
        fs::create_directory(refused);
        BUSTEST_NEEDS_REAL_ROOT("chown to another user");
        REQUIRE(::chown(refused.c_str(), 1000, 1000) == 0);
        why = ", not by root"; // uid 1000 is not mapped into the daemon's user namespace
    }
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    Client &c = s.client();
    CHECK(c.State() == "degraded");
    std::string error = value_of<std::string>(c.GetStatus(), "error");
    CHECK(has(error, refused.string() + ": refused: it "));
    CHECK(has(error, why));
    Run status = s.ctl({"status"});
    CHECK(status.status == 5);
    CHECK(has(status.out, refused.string() + ": refused"));
    CHECK(has(s.daemon.log(), refused.string()));
    // Made right, a reload brings the config in.
    REQUIRE(::chown(refused.c_str(), 0, 0) == 0);
    ::chmod(refused.c_str(), fs::is_directory(refused) ? 0755 : 0644);
    c.Reload();
    CHECK(c.State() == "running");
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
}
