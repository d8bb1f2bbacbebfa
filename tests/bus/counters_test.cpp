// Counters per role, with real packets: a client namespace connects to the gateway where
// rolewalld runs, and GetCounters / `rolewallctl status` count what each role accepted and
// what the policy refused. Toggling or re-scoping one role leaves another's counters alone.
#include "checks.hpp"
#include "gateway.hpp"
#include "json_schema.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

struct Counted {
    std::uint64_t packets = 0, bytes = 0, since = 0;
};

struct Snapshot {
    std::map<std::string, Counted> roles;
    Counted policy;
};

Snapshot counters(Client &c) {
    auto [roles, policy] = c.GetCounters();
    Snapshot s;
    for (const auto &r : roles)
        s.roles[r.get<0>()] = {r.get<1>(), r.get<2>(), r.get<3>()};
    s.policy = {policy.get<0>(), policy.get<1>(), policy.get<2>()};
    return s;
}

std::uint64_t now_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("Each role counts the connections it accepts, and toggling another role keeps them") {
    BUSTEST_NEEDS_REAL_ROOT("traffic between named network namespaces");
    std::uint64_t before_start = now_usec();
    Gateway g("[roles.ssh]\n\n[roles.file-server]\n");
    Client &c = g.s->client();
    Snapshot start = counters(c);
    REQUIRE(start.roles.size() == 2);
    CHECK(start.roles["ssh"].packets == 0);
    CHECK(start.roles["ssh"].since >= before_start);
    CHECK(start.policy.since >= before_start);

    for (int i = 0; i < 3; ++i)
        REQUIRE(g.connects(22));
    REQUIRE(g.connects(445, true));
    REQUIRE(g.connects(445));
    CHECK_FALSE(g.connects(8080));
    Snapshot after = counters(c);
    // One new connection is one packet through the role's chain (its SYN); the rest of the
    // connection is accepted before it, as established.
    CHECK(after.roles["ssh"].packets == 3);
    CHECK(after.roles["ssh"].bytes >= 3 * 40);
    CHECK(after.roles["file-server"].packets == 2);
    CHECK(after.policy.packets >= 1);
    CHECK(after.roles["ssh"].since == start.roles["ssh"].since);

    // Another role comes and goes, file-server goes and comes, ssh is re-scoped: ssh keeps
    // its counters and their start, and so does file-server, whose chain stayed in the kernel
    // as an empty shell while it was disabled (nothing reached it).
    c.EnableRole("web-server", {});
    c.DisableRole("web-server", {});
    c.DisableRole("file-server", {});
    c.EnableRole("file-server", {});
    c.EnableRole("ssh", {{"sources", sdbus::Variant(std::vector<std::string>{"192.0.2.0/24"})}});
    Snapshot toggled = counters(c);
    CHECK(toggled.roles["ssh"].packets == 3);
    CHECK(toggled.roles["ssh"].bytes == after.roles["ssh"].bytes);
    CHECK(toggled.roles["ssh"].since == start.roles["ssh"].since);
    CHECK(toggled.policy.packets == after.policy.packets);
    CHECK(toggled.policy.since == start.policy.since);
    CHECK(toggled.roles["file-server"].packets == 2);
    CHECK(toggled.roles["file-server"].since == start.roles["file-server"].since);
    CHECK(toggled.roles.count("web-server") == 0); // disabled: its shell is not listed
    REQUIRE(g.connects(22));
    CHECK(counters(c).roles["ssh"].packets == 4);
    // The counters do not make the table differ from what rolewalld applied.
    CHECK(c.GetStatus().at("kernel").get<std::string>() == "matches");

    Run r = g.s->ctl({"status", "--json"});
    REQUIRE(r.status == 0);
    CHECK(testsupport::check_json_output("status", r.out) == std::vector<std::string>{});
    auto doc = nlohmann::json::parse(r.out);
    for (const auto &role : doc.at("roles"))
        if (role.at("name") == "ssh") CHECK(role.at("packets").get<std::uint64_t>() == 4);
    CHECK(doc.at("policy").at("packets").get<std::uint64_t>() >= 1);
    r = g.s->ctl({"status"});
    CHECK(r.status == 0);
    CHECK(has(r.out, "4 packets, "));
    CHECK(has(r.out, "Policy:  "));
}

TEST_CASE("After a restart the counters count from the moment rolewalld took the table over") {
    BUSTEST_NEEDS_REAL_ROOT("traffic between named network namespaces");
    Gateway g("[roles.ssh]\n");
    REQUIRE(g.connects(22));
    REQUIRE(counters(g.s->client()).roles["ssh"].packets == 1);
    std::uint64_t before_restart = now_usec();
    g.s->restart();
    Snapshot s = counters(g.s->client());
    CHECK(s.roles["ssh"].packets == 0);
    CHECK(s.roles["ssh"].since >= before_restart);
    REQUIRE(g.connects(22));
    CHECK(counters(g.s->client()).roles["ssh"].packets == 1);
    // The kernel's own counters went on: the table was kept as it was.
    testns::InNetns in(g.hosts.gw);
    std::string table =
        testsupport::run({"nft", "list", "chain", "inet", "rolewall", "role-ssh"}).out;
    CHECK(has(table, "counter packets 2 "));
}
