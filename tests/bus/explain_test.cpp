// Explain over D-Bus and `rolewallctl explain`: the verdict on the layout the daemon applied,
// the roles that would accept, and the commands that would open it. The evaluator itself is
// checked against real traffic in tests/kernel/verdict_traffic_test.cpp.
#include "checks.hpp"
#include "json_schema.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

// The fixture catalog: dc (kerberos 88, rpc 135 + dynamic range; includes remote), remote
// (ssh 22), vpn (pptp 1723/tcp, gre).
const char *config = "[roles.remote]\n"
                     "interfaces = [\"lan0\"]\n"
                     "\n"
                     "[roles.dc]\n"
                     "interfaces = [\"wan0\"]\n"
                     "sources = [\"198.51.100.0/24\"]\n";

template <typename T> T field(const Options &v, const std::string &key) {
    auto it = v.find(key);
    REQUIRE(it != v.end());
    return it->second.get<T>();
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("Explain gives the verdict of the applied layout and the role that decided") {
    Setup::Params p;
    p.config = config;
    Setup s(p);
    Options v = s.client().Explain("192.0.2.7", 22, "tcp", "lan0");
    CHECK(field<std::string>(v, "verdict") == "accept");
    CHECK(field<std::string>(v, "role") == "remote");
    CHECK(field<std::string>(v, "rule") == "role remote");
    CHECK(field<Strings>(v, "commands").empty());

    v = s.client().Explain("192.0.2.7", 22, "tcp", "wan0");
    CHECK(field<std::string>(v, "verdict") == "drop");
    CHECK(field<std::string>(v, "rule") == "policy drop");
    CHECK(field<Strings>(v, "roles") == Strings{"dc", "remote"});
    // Enabled as they are, neither accepts from 192.0.2.7 on wan0; each needs a widening.
    CHECK(field<Strings>(v, "would_accept").empty());
    CHECK(field<Strings>(v, "commands") ==
          Strings{"rolewallctl enable dc --add-source 192.0.2.7",
                  "rolewallctl enable remote --add-interface wan0"});

    v = s.client().Explain("198.51.100.9", 1723, "tcp", "wan0");
    CHECK(field<std::string>(v, "verdict") == "drop");
    CHECK(field<Strings>(v, "would_accept") == Strings{"vpn"});
    CHECK(field<Strings>(v, "commands") == Strings{"rolewallctl enable vpn"});

    v = s.client().Explain("192.0.2.7", 3, "icmp", "");
    CHECK(field<std::string>(v, "rule") == "essential ICMP");
    CHECK(error_of([&] { s.client().Explain("192.0.2.0/24", 22, "tcp", ""); }) ==
          error_invalid_argument);
    CHECK(error_of([&] { s.client().Explain("192.0.2.7", 22, "sctpx", ""); }) ==
          error_invalid_argument);
}

TEST_CASE("A disabled role is explained with the scope enabling it would give it") {
    Setup::Params p;
    p.config = config;
    Setup s(p);
    s.client().DisableRole("dc", {{"runtime", sdbus::Variant(true)}});
    // Enabling dc again keeps its config scope (wan0, 198.51.100.0/24): it would accept this.
    Options v = s.client().Explain("198.51.100.9", 88, "udp", "wan0");
    CHECK(field<std::string>(v, "verdict") == "drop");
    CHECK(field<Strings>(v, "would_accept") == Strings{"dc"});
    CHECK(field<Strings>(v, "commands") ==
          Strings{"rolewallctl enable dc --interface wan0 --source 198.51.100.0/24"});
}

TEST_CASE("rolewallctl explain exits 0 when accepted, 1 when not, 2 on a bad target") {
    Setup::Params p;
    p.config = config;
    Setup s(p);
    Run r = s.ctl({"explain", "192.0.2.7", "22/tcp", "--interface", "lan0"});
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("22/tcp from 192.0.2.7 on lan0: accepted (role remote)") == 0);

    r = s.ctl({"explain", "198.51.100.9", "1723", "--interface", "wan0"});
    CHECK(r.status == 1);
    CHECK(r.out.find("1723/tcp from 198.51.100.9 on wan0: dropped (policy drop)") == 0);
    CHECK(r.out.find("  rolewallctl enable vpn\n") != std::string::npos);

    r = s.ctl({"explain", "198.51.100.9", "gre", "--interface", "wan0", "--json"});
    CHECK(r.status == 1);
    CHECK(r.out.find("\"verdict\": \"drop\"") != std::string::npos);
    CHECK(r.out.find("\"would_accept\": [\n    \"vpn\"\n  ]") != std::string::npos);
    CHECK(testsupport::check_json_output("explain", r.out).empty()); // docs/JSON.md

    CHECK(s.ctl({"explain", "192.0.2.7", "http"}).status == 2);
    CHECK(s.ctl({"explain", "192.0.2.7", "22", "--interface", "a", "--interface", "b"}).status ==
          2);
    r = s.ctl({"explain", "192.0.2.0/24", "22"});
    CHECK(r.status == 1);
    CHECK(r.err.find("source: '192.0.2.0/24' is a network") != std::string::npos);
}
