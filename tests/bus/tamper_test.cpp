// Trust only what rolewalld builds: a table changed while rolewalld was down (stopped or
// killed, the table left in place) is read back at the next start, what differed is logged,
// and the table is replaced in one transaction; packets from a client namespace prove the
// port it opened is closed again. A second rolewalld on a table another one owns names it.
#include "checks.hpp"
#include "traffic.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>

using namespace bustest;

namespace {

constexpr int timeout_ms = 300;
constexpr std::uint16_t vpn_tcp = 1723; // the role the config enables (PPTP)
constexpr std::uint16_t web_tcp = 80;   // listening, opened by no role

struct Tamper {
    const char *what;
    const char *command;    // nft's one argument, inside the gateway's namespace
    const char *difference; // what the daemon must name
    bool opens_web;         // the change lets port 80 through
};

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("A table changed while rolewalld was down is repaired at start and the port closed") {
    const Tamper tamper = GENERATE(
        Tamper{"an extra accept rule", "insert rule inet rolewall input tcp dport 80 accept",
               "chain input: extra rule", true},
        Tamper{"policy accept", "chain inet rolewall input { policy accept; }",
               "chain input: policy accept, expected drop", false},
        Tamper{"an added element", "add element inet rolewall vpn_tcp { 80 }",
               "set vpn_tcp: extra element 80", true},
        Tamper{"an extra chain", "add chain inet rolewall sneaky", "extra chain sneaky", false});
    const int sig = GENERATE(SIGTERM, SIGKILL);
    INFO(tamper.what << ", daemon stopped by " << sigabbrev_np(sig));
    testns::Hosts hosts;
    REQUIRE(hosts.ok());
    Setup::Params p;
    p.config = "[roles.vpn]\n";
    p.start_daemon = false;
    Setup s(p);
    s.daemon.options().netns_name = hosts.gw;
    std::unique_ptr<testns::Servers> servers;
    {
        testns::InNetns in(hosts.gw);
        servers = std::make_unique<testns::Servers>(std::vector<std::uint16_t>{vpn_tcp, web_tcp},
                                                    std::vector<std::uint16_t>{},
                                                    std::vector<std::uint8_t>{});
    }
    auto gw_nft = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"ip", "netns", "exec", hosts.gw, "nft"});
        return run(args);
    };
    auto reaches = [&](bool v6, std::uint16_t port) {
        return testns::tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, v6), port, timeout_ms);
    };
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    REQUIRE(s.client().State() == "running");
    REQUIRE_FALSE(reaches(false, web_tcp));
    s.daemon.stop(sig);

    Run changed = gw_nft({tamper.command});
    INFO(changed.err);
    REQUIRE(changed.status == 0);
    if (tamper.opens_web) REQUIRE(reaches(false, web_tcp)); // the change works

    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    for (bool v6 : {false, true}) {
        INFO((v6 ? "IPv6" : "IPv4"));
        CHECK_FALSE(reaches(v6, web_tcp));
        CHECK(reaches(v6, vpn_tcp));
    }
    std::string log = s.daemon.log();
    INFO(log);
    CHECK(has(log, "table inet rolewall at start was not what rolewalld builds; it was replaced "
                   "in one transaction. What differed:\n  "));
    CHECK(has(log, tamper.difference));
    CHECK(has(log, "(table replaced: it was not what rolewalld builds)"));
    auto status = s.client().GetStatus();
    CHECK(status.at("kernel").get<std::string>() == "matches");
    CHECK(status.at("kernel_differences").get<std::vector<std::string>>().empty());
    CHECK(status.at("now").get<std::uint64_t>() >= status.at("started").get<std::uint64_t>());
    Run ctl = s.ctl({"status"});
    CHECK(ctl.status == 0);
    CHECK(has(ctl.out, "Kernel:  matches what rolewalld applied"));
    CHECK_FALSE(has(gw_nft({"list", "table", "inet", "rolewall"}).out, "sneaky"));
}

TEST_CASE("An untouched table is kept at start without being replaced") {
    Setup s;
    s.client().EnableRole("dc", sources({"192.0.2.0/24"}));
    s.daemon.stop(SIGKILL);
    std::string before = table_listing(s.ns);
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    CHECK(has(s.daemon.log(), "(the kernel already held it)"));
    CHECK_FALSE(has(s.daemon.log(), "was not what rolewalld builds"));
    CHECK(table_listing(s.ns) == before);
    CHECK(s.client().GetStatus().at("kernel").get<std::string>() == "matches");
}

TEST_CASE("A second rolewalld on a table another one owns names it and exits") {
    Setup s;
    RunOptions o;
    o.netns_of = s.ns.holder();
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + (s.dir.path() / "no-bus").string();
    s.dir.write("second/rolewall.toml", "[roles.vpn]\n");
    std::string before = table_listing(s.ns);
    Run second = run({ROLEWALLD, "--config=" + (s.dir.path() / "second/rolewall.toml").string(),
                      "--catalog=" + fixture_catalog(),
                      "--state-dir=" + (s.dir.path() / "second/state").string()},
                     o);
    INFO(second.err);
    CHECK(second.status == 1);
    CHECK(has(second.err, "another rolewalld (pid " + std::to_string(s.daemon.pid()) +
                              ") owns table inet rolewall; only one rolewalld can run"));
    CHECK_FALSE(has(second.err, "Operation not permitted"));
    CHECK_FALSE(has(second.err, "fail-safe"));
    // The first one and its table are as they were.
    CHECK(table_listing(s.ns) == before);
    CHECK(s.client().State() == "running");
}
