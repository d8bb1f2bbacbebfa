// Confirm or revert: a change made with confirm is applied at once and undone by rolewalld
// itself unless ConfirmPending comes in time (RevertPending undoes it now); its saved entries
// reach state.toml only when confirmed; one change waits at a time. Packets from a client
// namespace see the port open, then closed again by the daemon.
#include "checks.hpp"
#include "json_schema.hpp"
#include "port_gateway.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

constexpr std::uint16_t vpn_tcp = 1723; // the fixture catalog's vpn role (PPTP)

Options confirm(std::uint32_t seconds) {
    return {{"confirm", sdbus::Variant(seconds)}};
}

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::string state_text(Setup &s) {
    return std::filesystem::exists(s.state_file()) ? read_file(s.state_file()) : "";
}

} // namespace

TEST_CASE("A change made with confirm is undone by rolewalld unless it is confirmed in time") {
    Setup s;
    Client &c = s.client();
    Options r = c.EnableRole("vpn", confirm(2));
    std::uint64_t deadline = get<std::uint64_t>(r, "pending_deadline");
    CHECK(get<std::string>(r, "origin") == "state");
    CHECK(c.PendingChange() == "enable vpn");
    CHECK(c.PendingDeadline() == deadline);
    auto status = c.GetStatus();
    CHECK(status.at("pending").get<std::string>() == "enable vpn");
    CHECK(status.at("pending_by").get<std::string>() == "uid 0");
    CHECK_FALSE(has(state_text(s), "[roles.vpn]")); // written only when confirmed
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote", "vpn"});

    CHECK(has(refusal(rolewall::bus::error_pending, [&] { c.EnableRole("dc", {}); }),
              "another change waits for confirmation: enable vpn"));
    refusal(rolewall::bus::error_pending, [&] { c.Reload(); });
    refusal(rolewall::bus::error_pending, [&] { c.RevertRoles({"remote"}, {}); });
    CHECK_FALSE(get<bool>(c.DisableRole("remote", {{"dry_run", sdbus::Variant(true)}}), "enabled"));

    REQUIRE(signalled(c, "vpn", false, 5s));
    CHECK(enabled(c) == std::set<std::string>{"remote"});
    CHECK(c.PendingChange().empty());
    CHECK(c.PendingDeadline() == 0);
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
    CHECK(has(s.daemon.log(), "role 'vpn' disabled by rolewalld"));
    CHECK(consistency(s, fixture_catalog()).empty());
    refusal(rolewall::bus::error_nothing_pending, [&] { c.ConfirmPending(); });

    SECTION("confirmed, the change is saved and stays across a restart") {
        c.EnableRole("vpn", confirm(60));
        c.properties_changed.clear();
        c.ConfirmPending();
        CHECK(has(state_text(s), "[roles.vpn]"));
        CHECK(c.PendingChange().empty());
        CHECK(c.pump([&] { return !c.properties_changed.empty(); }));
        refusal(rolewall::bus::error_nothing_pending, [&] { c.RevertPending(); });
        s.restart();
        CHECK(enabled(s.client()) == std::set<std::string>{"remote", "vpn"});
    }
    SECTION("aborted, it is undone now; unconfirmed, a restart undoes it too") {
        c.DisableRole("remote", confirm(60));
        CHECK(enabled(c).empty());
        c.RevertPending();
        CHECK(enabled(c) == std::set<std::string>{"remote"});
        CHECK(origin_of(c, "remote") == "config");
        CHECK_FALSE(has(state_text(s), "[roles."));
        c.RevertRoles({"remote"}, {}); // nothing to revert, but no longer refused
        c.EnableRole("vpn", confirm(60));
        s.restart();
        CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
        CHECK(s.client().PendingChange().empty());
    }
    SECTION("a reload with confirm is undone to the config it replaced") {
        s.dir.write("rolewall.toml", "[roles.remote]\n[roles.vpn]\n");
        c.ReloadWithOptions(confirm(60));
        CHECK(enabled(c) == std::set<std::string>{"remote", "vpn"});
        CHECK(c.PendingChange() == "reload");
        c.RevertPending();
        CHECK(enabled(c) == std::set<std::string>{"remote"});
        CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
        c.Reload(); // the file is still there: a plain reload applies it
        CHECK(enabled(c) == std::set<std::string>{"remote", "vpn"});
    }
    SECTION("bad confirms are refused") {
        refusal(error_invalid_argument, [&] { c.EnableRole("vpn", confirm(0)); });
        refusal(error_invalid_argument, [&] { c.EnableRole("vpn", confirm(86401)); });
        refusal(error_invalid_argument, [&] {
            c.EnableRole("vpn", {{"confirm", sdbus::Variant(std::uint32_t{9})},
                                 {"timeout", sdbus::Variant(std::uint32_t{9})}});
        });
        refusal(error_invalid_argument, [&] {
            c.ReloadWithOptions({{"runtime", sdbus::Variant(true)}});
        });
        CHECK(c.PendingChange().empty());
    }
    SECTION("rolewallctl: --confirm, status and confirm [--abort]") {
        Run out = s.ctl({"enable", "vpn", "--confirm", "2m"});
        CHECK(out.status == 0);
        CHECK(has(out.out, "undone by rolewalld in 2m 0s (at "));
        CHECK(has(out.out, "unless 'rolewallctl confirm' comes first"));
        out = s.ctl({"status"});
        CHECK(has(out.out, "Pending: enable vpn (by uid 0): undone by rolewalld in "));
        out = s.ctl({"status", "--json"});
        CHECK(testsupport::check_json_output("status", out.out).empty());
        out = s.ctl({"disable", "remote"});
        CHECK(out.status == 1);
        CHECK(has(out.err, "another change waits for confirmation"));
        out = s.ctl({"confirm"});
        CHECK(out.status == 0);
        CHECK(out.out == "confirmed: enable vpn\n");
        CHECK(s.ctl({"confirm"}).status == 1);
        out = s.ctl({"revert", "vpn", "--confirm", "1m", "--json"});
        CHECK(testsupport::check_json_output("revert", out.out).empty());
        out = s.ctl({"confirm", "--abort"});
        CHECK(out.out == "undone: revert vpn\n");
        CHECK(origin_of(c, "vpn") == "state");
        out = s.ctl({"reload", "--confirm", "1m"});
        CHECK(out.status == 0);
        CHECK(has(out.out, "undone by rolewalld in 1m 0s"));
        CHECK(s.ctl({"confirm", "--abort"}).status == 0);
        CHECK(s.ctl({"enable", "vpn", "--confirm", "1m", "--timeout", "1m"}).status == 2);
        CHECK(s.ctl({"status", "--abort"}).status == 2);
        CHECK(s.ctl({"confirm", "--json"}).status == 2);
    }
}

TEST_CASE("A port opened with confirm closes again by itself when nobody confirms (packets)") {
    BUSTEST_NEEDS_REAL_ROOT("named network namespaces for traffic");
    PortGateway g({vpn_tcp});
    g.opens_until_undone("vpn", vpn_tcp, confirm(2));
    CHECK_FALSE(std::filesystem::exists(g.setup->state_file()));
}
