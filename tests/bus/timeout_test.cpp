// Temporary changes: enable/disable with a timeout is a runtime change that rolewalld undoes by
// itself when the time is up (RoleChanged then), with `expires` in the result and in
// DescribeEnabled; packets from a client namespace see the port open, then closed again.
#include "checks.hpp"
#include "json_schema.hpp"
#include "port_gateway.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

using Strings = std::vector<std::string>;
constexpr std::uint16_t vpn_tcp = 1723; // the fixture catalog's vpn role (PPTP)

Options timeout(std::uint32_t seconds) {
    return {{"timeout", sdbus::Variant(seconds)}};
}

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::uint64_t now_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

} // namespace

TEST_CASE("A timed change is undone by rolewalld when its time is up") {
    Setup s({"[roles.remote]\n[roles.dc]\ninterfaces = [\"lan0\"]\n"});
    Client &c = s.client();
    std::uint64_t before = now_usec();
    Options r = c.EnableRole("vpn", timeout(2));
    CHECK(get<std::string>(r, "origin") == "runtime");
    std::uint64_t expires = get<std::uint64_t>(r, "expires");
    CHECK(expires >= before + 2000000);
    CHECK(expires <= now_usec() + 2000000);
    auto described = c.DescribeEnabled();
    CHECK(get<std::uint64_t>(described.at("vpn"), "expires") == expires);
    CHECK_FALSE(described.at("remote").count("expires"));
    CHECK_FALSE(get<bool>(described.at("remote"), "config_differs"));
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote", "vpn"});
    Run status = s.ctl({"status"});
    CHECK(has(status.out, "runtime, undone in "));

    REQUIRE(signalled(c, "vpn", false, 5s));
    CHECK(now_usec() >= expires);
    CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
    CHECK(c.DescribeEnabled().size() == 2);
    CHECK(has(s.daemon.log(), "role 'vpn' disabled by rolewalld (timeout)"));
    CHECK(consistency(s, fixture_catalog()).empty());

    SECTION("a timed re-scope gives the role back its scope, a timed disable its enabling") {
        c.role_changed.clear();
        c.EnableRole("dc", {{"interfaces", sdbus::Variant(Strings{"wg0"})},
                            {"timeout", sdbus::Variant(std::uint32_t{1})}});
        c.DisableRole("remote", timeout(1));
        CHECK(enabled(c) == std::set<std::string>{"dc"});
        REQUIRE(signalled(c, "remote", true, 5s));
        CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
        CHECK(origin_of(c, "remote") == "config");
        CHECK(origin_of(c, "dc") == "config");
        CHECK(get<Strings>(c.DescribeEnabled().at("dc"), "interfaces") == Strings{"lan0"});
        CHECK(consistency(s, fixture_catalog()).empty());
    }
    SECTION("a later change of the role ends its timer; a restart forgets a timed change") {
        c.EnableRole("vpn", timeout(1));
        Options later = c.EnableRole("vpn", runtime());
        CHECK(get<bool>(later, "changed"));
        CHECK_FALSE(later.count("expires"));
        c.role_changed.clear();
        CHECK_FALSE(signalled(c, "vpn", false, 1500ms));
        CHECK(origin_of(c, "vpn") == "runtime");
        c.DisableRole("dc", timeout(60));
        s.restart();
        CHECK(enabled(s.client()) == std::set<std::string>{"dc", "remote"});
    }
    SECTION("bad timeouts are refused and change nothing") {
        CHECK(has(refusal(error_invalid_argument, [&] { c.EnableRole("vpn", timeout(0)); }),
                  "option 'timeout'"));
        refusal(error_invalid_argument, [&] { c.EnableRole("vpn", timeout(2592001)); });
        CHECK(has(refusal(error_invalid_argument,
                          [&] {
                              c.DisableRole("dc", {{"timeout", sdbus::Variant(std::uint32_t{9})},
                                                   {"runtime", sdbus::Variant(false)}});
                          }),
                  "runtime=false"));
        CHECK(enabled(c) == std::set<std::string>{"dc", "remote"});
        CHECK(s.ctl({"enable", "vpn", "--timeout", "90s", "--runtime"}).status == 2);
        CHECK(s.ctl({"enable", "vpn", "--timeout", "soon"}).status == 2);
        CHECK(s.ctl({"reload", "--timeout", "90s"}).status == 2);
    }
    SECTION("rolewallctl says when the change is undone") {
        Run out = s.ctl({"disable", "remote", "--timeout", "90s"});
        CHECK(out.status == 0);
        CHECK(has(out.out, "remote: enabled (config) -> disabled, undone by rolewalld in 1m 30s"));
        out = s.ctl({"enable", "vpn", "--timeout", "2h", "--json"});
        CHECK(out.status == 0);
        CHECK(testsupport::check_json_output("enable", out.out).empty()); // docs/JSON.md
        CHECK(has(out.out, "\"expires\": "));
        out = s.ctl({"status", "--json"});
        CHECK(testsupport::check_json_output("status", out.out).empty());
    }
}

TEST_CASE("A port opened with a timeout closes again by itself (packets from a client)") {
    BUSTEST_NEEDS_REAL_ROOT("named network namespaces for traffic");
    PortGateway g({vpn_tcp});
    g.opens_until_undone("vpn", vpn_tcp, timeout(2));
}
