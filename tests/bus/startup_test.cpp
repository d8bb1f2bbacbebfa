// rolewalld starting up: sd_notify, no bus yet, the journal, --apply-only, bad configs.
#include "checks.hpp"
#include "log.hpp"
#include "rolewall/state.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using namespace bustest;

// --- Start-up ------------------------------------------------------------------------------------

TEST_CASE("READY=1 is sent only once the ruleset is in the kernel") {
    Setup::Params p;
    p.notify = true;
    p.start_daemon = false;
    Setup s(p);
    s.daemon.start();
    bool table_at_ready = false;
    REQUIRE(s.notify->wait_for("READY=1", 10s, [&](const std::string &msg) {
        if (msg.find("READY=1") != std::string::npos)
            table_at_ready = s.ns.kernel_roles() == std::set<std::string>{"remote"};
    }));
    CHECK(table_at_ready);
    CHECK(wait_for_daemon(s.address()));
    s.daemon.stop();
    CHECK(s.notify->wait_for("STOPPING=1", 5s));
}

TEST_CASE("Without a bus at start the daemon applies, is ready, and serves once the bus appears") {
    Setup::Params p;
    p.notify = true;
    p.start_bus = false;
    Setup s(p);
    REQUIRE(s.notify->wait_for("READY=1", 10s));
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    std::this_thread::sleep_for(300ms);
    s.bus.start();
    REQUIRE(wait_for_daemon(s.address(), 5s));
    s.client().EnableRole("dc", runtime());
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});

    SECTION("and comes back when the bus restarts") {
        s.bus.stop();
        s.bus.start();
        REQUIRE(wait_for_daemon(s.address(), 5s));
        Client again(s.address());
        CHECK(enabled(again) == std::set<std::string>{"dc", "remote"});
    }
}

TEST_CASE("Under systemd the daemon logs to the journal with ROLE and ORIGIN fields") {
    Setup::Params p;
    p.start_daemon = false;
    Setup s(p);
    fs::create_directories(s.dir.path() / "journal");
    NotifySocket journal(s.dir.path() / "journal", "socket");
    s.daemon.options().journal_dir = s.dir.path() / "journal";
    s.daemon.start();
    REQUIRE(wait_for_daemon(s.address()));
    auto entry_with = [&](const std::string &line) {
        for (const auto &d : journal.received())
            if (("\n" + d).find("\n" + line + "\n") != std::string::npos) return d;
        return std::string();
    };
    journal.wait_for("ROLE=remote", 5s);
    std::string started = entry_with("ROLE=remote");
    CHECK(started.find("MESSAGE=role 'remote' enabled") != std::string::npos);
    CHECK(started.find("\nPRIORITY=6\n") != std::string::npos);
    CHECK(started.find("\nSYSLOG_IDENTIFIER=rolewalld\n") != std::string::npos);
    CHECK(started.find("\nORIGIN=config\n") != std::string::npos);
    s.client().EnableRole("dc", {});
    CHECK(journal.wait_for("ROLE=dc", 5s));
    std::string change = entry_with("ROLE=dc");
    CHECK(change.find("MESSAGE=role 'dc' enabled") != std::string::npos);
    CHECK(change.find("by uid 0") != std::string::npos);
    CHECK(change.find("\nPRIORITY=5\n") != std::string::npos);
    CHECK(change.find("\nORIGIN=state\n") != std::string::npos);
    CHECK(s.daemon.log().empty()); // nothing on stderr
}

TEST_CASE("rolewalld --apply-only applies once and exits") {
    Netns ns;
    TempDir dir;
    dir.write("rolewall.toml", "[roles.vpn]\n");
    std::vector<std::string> args{
        ROLEWALLD, "--apply-only", "--config=" + (dir.path() / "rolewall.toml").string(),
        "--catalog=" + fixture_catalog(), "--state-dir=" + (dir.path() / "state").string()};
    RunOptions o;
    o.netns_of = ns.holder();
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + (dir.path() / "no-bus").string();
    Run r = run(args, o);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(ns.kernel_roles() == std::set<std::string>{"vpn"});

    dir.write("rolewall.toml", "[roles.vpn]\npolicy = 1\n");
    r = run(args, o);
    CHECK(r.status == 1);
    CHECK(r.err.find("rolewall.toml:2:1") != std::string::npos);
    CHECK(ns.kernel_roles() == std::set<std::string>{"vpn"}); // left as it was
}

TEST_CASE("rolewalld rejects bad command lines with exit code 2") {
    CHECK(run({ROLEWALLD, "--bogus"}).status == 2);
    CHECK(run({ROLEWALLD, "extra"}).status == 2);
    Run r = run({ROLEWALLD, "--version"});
    CHECK(r.status == 0);
    CHECK(r.out == std::string("rolewalld ") + ROLEWALL_VERSION + "\n");
}

TEST_CASE("The log's rate limit lets a burst through, then counts until the interval is over") {
    using rolewall::log::RateLimit;
    RateLimit limit(3, std::chrono::seconds(60));
    auto t = RateLimit::Clock::time_point{} + std::chrono::hours(1);
    CHECK(limit.next(t) == RateLimit::Verdict::log);
    CHECK(limit.next(t) == RateLimit::Verdict::log);
    CHECK(limit.next(t + 10s) == RateLimit::Verdict::log_last);
    CHECK(limit.next(t + 20s) == RateLimit::Verdict::drop);
    CHECK(limit.next(t + 59s) == RateLimit::Verdict::drop);
    CHECK(limit.next(t + 60s) == RateLimit::Verdict::log); // a new interval
    CHECK(limit.take_dropped() == 2);
    CHECK(limit.take_dropped() == 0);
}

TEST_CASE("A second daemon finding the bus name taken names its owner and takes it when free") {
    Setup s;
    Netns other;
    DaemonProcess::Options o = s.daemon.options();
    o.state_dir = s.dir.path() / "state2";
    fs::create_directory(s.dir.path() / "second");
    DaemonProcess second(other, s.dir.path() / "second", o);
    second.start();
    auto deadline = Clock::now() + 10s;
    while (second.log().find("retrying") == std::string::npos && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    std::string log = second.log();
    INFO(log);
    CHECK(log.find("the name org.rolewall1 on the system bus is held by another process (pid " +
                   std::to_string(s.daemon.pid()) + ", rolewalld, :1.") != std::string::npos);
    CHECK(log.find("is another rolewalld running?; the firewall is in place, retrying until the "
                   "name is free") != std::string::npos);
    CHECK(other.kernel_roles() == std::set<std::string>{"remote"}); // its own firewall is up
    s.daemon.stop();
    deadline = Clock::now() + 10s;
    while (second.log().find("serving org.rolewall1") == std::string::npos &&
           Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    CHECK(second.log().find("serving org.rolewall1") != std::string::npos);
    CHECK(name_has_owner(s.address(), "org.rolewall1"));
}
