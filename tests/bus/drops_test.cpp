// Drops explained, with real packets: a client namespace connects to ports the policy drops,
// the kernel sends rolewalld a rate-limited copy over NFLOG, and ListDrops / `rolewallctl drops`
// list them with the roles that would open them. The shipped catalog (file-server for 445).
#include "checks.hpp"
#include "gateway.hpp"
#include "json_schema.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace bustest;

namespace {

using Strings = std::vector<std::string>;

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("A dropped connection to 445/tcp is listed with file-server, which would open it") {
    Gateway g("[roles.ssh]\n");
    CHECK(g.connects(22));
    CHECK_FALSE(g.connects(445));
    CHECK_FALSE(g.connects(445, true));
    auto d = g.drop(445, "192.0.2.2");
    REQUIRE(d);
    CHECK(field<std::string>(*d, "interface") == "lan0");
    CHECK(field<std::string>(*d, "protocol") == "tcp");
    CHECK(field<std::uint64_t>(*d, "packets") >= 1);
    CHECK(field<std::uint64_t>(*d, "first_seen") <= field<std::uint64_t>(*d, "last_seen"));
    Strings roles = field<Strings>(*d, "roles");
    CHECK(std::find(roles.begin(), roles.end(), "file-server") != roles.end());
    Strings would = field<Strings>(*d, "would_accept");
    CHECK(std::find(would.begin(), would.end(), "file-server") != would.end());
    Strings services = field<Strings>(*d, "services");
    CHECK_FALSE(services.empty());
    REQUIRE(g.drop(445, "2001:db8:1::2"));
    // Accepted traffic is not a drop.
    for (const auto &e : g.s->client().ListDrops({}))
        CHECK(field<std::uint16_t>(e, "port") != 22);
    CHECK(g.s->client().GetStatus().at("log_drops").get<bool>());
    // The log rule reads back as built: the kernel matches what rolewalld applied.
    CHECK(g.s->client().GetStatus().at("kernel").get<std::string>() == "matches");

    Run r = g.s->ctl({"drops", "--json"});
    REQUIRE(r.status == 0);
    CHECK(testsupport::check_json_output("drops", r.out) == Strings{}); // docs/JSON.md
    CHECK(has(r.out, "\"file-server\""));
    r = g.s->ctl({"drops"});
    CHECK(r.status == 0);
    CHECK(has(r.out, "445/tcp"));
    CHECK(has(r.out, "192.0.2.2"));
    r = g.s->ctl({"drops", "--since", "1h"});
    CHECK(has(r.out, "445/tcp"));
    CHECK(g.s->ctl({"drops", "--since", "soon"}).status == 2);
    // One journal line for the new key.
    CHECK(has(g.s->daemon.log(), "dropped 445/tcp from 192.0.2.2 on lan0: "));

    // Enabled, file-server accepts it; the drop stays listed as history.
    g.s->client().EnableRole("file-server", {});
    CHECK(g.connects(445));
}

TEST_CASE("ListDrops needs authorization and checks its options") {
    Gateway g("[roles.ssh]\n");
    CHECK(as_uid(nobody, g.s->address(), [](Client &c) {
              return error_of([&] { c.ListDrops({}); });
          }) == error_access_denied);
    CHECK(error_of([&] {
              g.s->client().ListDrops({{"bogus", sdbus::Variant(1u)}});
          }) == error_invalid_argument);
    CHECK(error_of([&] {
              g.s->client().ListDrops({{"limit", sdbus::Variant(std::string("1"))}});
          }) == error_invalid_argument);
    CHECK_FALSE(g.connects(445));
    CHECK_FALSE(g.connects(139));
    REQUIRE(g.drop(445, "192.0.2.2"));
    REQUIRE(g.drop(139, "192.0.2.2"));
    CHECK(g.s->client().ListDrops({{"limit", sdbus::Variant(1u)}}).size() == 1);
    std::uint64_t future = std::numeric_limits<std::uint64_t>::max();
    CHECK(g.s->client().ListDrops({{"since", sdbus::Variant(future)}}).empty());
}

TEST_CASE("log_drops = false: no log rule in the kernel and nothing recorded") {
    Gateway g("[firewall]\nlog_drops = false\n\n[roles.ssh]\n");
    testns::InNetns in(g.hosts.gw);
    auto table = [&] { return testsupport::run({"nft", "list", "table", "inet", "rolewall"}).out; };
    CHECK_FALSE(has(table(), "log group"));
    CHECK_FALSE(g.s->client().GetStatus().at("log_drops").get<bool>());
    CHECK_FALSE(g.connects(445));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(g.s->client().ListDrops({}).empty());
    // Turned on by a reload: the rule comes, and drops are recorded.
    g.s->dir.write("rolewall.toml", "[roles.ssh]\n");
    g.s->client().Reload();
    CHECK(has(table(), "log group 7405"));
    CHECK(g.s->client().GetStatus().at("log_drops").get<bool>());
    CHECK_FALSE(g.connects(445));
    CHECK(g.drop(445, "192.0.2.2"));
}
