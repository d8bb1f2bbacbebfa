// The catalog loader on valid and broken catalogs: one test per class of error, each checking
// that the message names the file and the line.
#include "rolewall/catalog.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;
using test::TempDir;

namespace {

const char *good_service = R"(id = "ssh"
title = "Secure Shell"
description = "Remote login."
sources = ["RFC 4253"]

[[entry]]
application = "SSH"
protocol = "tcp"
port = 22
)";

const char *good_role = R"(id = "admin"
title = "Administration"
description = "SSH."
services = ["ssh"]
)";

// A catalog with one good service and role, plus whatever the test adds.
struct Tree {
    TempDir dir;
    Tree() {
        dir.write("services/ssh.toml", good_service);
        dir.write("roles/admin.toml", good_role);
    }
    std::string add(const std::string &rel, const std::string &text) {
        return dir.write(rel, text);
    }
    Result<Catalog> load(const std::string &local = {}) const {
        return Catalog::load(dir.path(),
                             local.empty() ? std::filesystem::path() : dir.path() / local);
    }
};

std::string service_with(const std::string &id, const std::string &entry) {
    return "id = \"" + id +
           "\"\ntitle = \"T\"\ndescription = \"D\"\nsources = [\"S\"]\n\n[[entry]]\n" + entry;
}

// The single diagnostic of a failed load.
Diagnostic only_problem(const Result<Catalog> &r) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    REQUIRE(r.error().diagnostics.size() == 1);
    return r.error().diagnostics[0];
}

} // namespace

TEST_CASE("A valid catalog loads with its services and roles") {
    Tree t;
    auto c = t.load();
    REQUIRE(c.ok());
    REQUIRE(c->service("ssh"));
    CHECK(c->service("ssh")->entries.at(0).ports == PortRange{22, 22});
    CHECK(c->role_services("admin") == std::vector<std::string>{"ssh"});
}

TEST_CASE("An unknown key is an error naming file, line and field") {
    Tree t;
    std::string f = t.add(
        "services/web.toml",
        service_with("web",
                     "application = \"HTTP\"\nprotocol = \"tcp\"\nport = 80\ncolour = \"red\"\n"));
    auto d = only_problem(t.load());
    CHECK(d.file == f);
    CHECK(d.line == 10);
    CHECK_THAT(d.message, Catch::Contains("unknown field 'entry[1].colour'"));
}

TEST_CASE("An unknown protocol name is an error that lists the known ones") {
    Tree t;
    std::string f =
        t.add("services/web.toml",
              service_with("web", "application = \"HTTP\"\nprotocol = \"upd\"\nport = 80\n"));
    auto d = only_problem(t.load());
    CHECK(d.file == f);
    CHECK(d.line == 8);
    CHECK_THAT(d.message,
               Catch::Contains("unknown protocol 'upd'") && Catch::Contains("tcp, udp, igmp, gre"));
}

TEST_CASE("Port 0 is an error") {
    Tree t;
    t.add("services/web.toml",
          service_with("web", "application = \"X\"\nprotocol = \"tcp\"\nport = 0\n"));
    auto d = only_problem(t.load());
    CHECK(d.line == 9);
    CHECK_THAT(d.message, Catch::Contains("entry[1].port") && Catch::Contains("port 0"));
}

TEST_CASE("A port above 65535 is an error") {
    Tree t;
    t.add("services/web.toml",
          service_with("web", "application = \"X\"\nprotocol = \"udp\"\nport = 70000\n"));
    auto d = only_problem(t.load());
    CHECK(d.line == 9);
    CHECK_THAT(d.message, Catch::Contains("port 70000 is out of range 1-65535"));
}

TEST_CASE("An inverted range is an error") {
    Tree t;
    t.add("services/web.toml",
          service_with("web", "application = \"X\"\nprotocol = \"tcp\"\nport = \"5000-1025\"\n"));
    auto d = only_problem(t.load());
    CHECK(d.line == 9);
    CHECK_THAT(d.message, Catch::Contains("inverted range 5000-1025"));
}

TEST_CASE("An unknown named range is an error") {
    Tree t;
    t.add("services/web.toml",
          service_with("web", "application = \"X\"\nprotocol = \"tcp\"\nrange = \"rpc_ports\"\n"));
    auto d = only_problem(t.load());
    CHECK_THAT(d.message, Catch::Contains("unknown named range 'rpc_ports'"));
}

TEST_CASE("A bare IP protocol with a port is an error") {
    Tree t;
    t.add("services/vpn.toml",
          service_with("vpn", "application = \"GRE\"\nprotocol = \"gre\"\nport = 47\n"));
    auto d = only_problem(t.load());
    CHECK_THAT(d.message, Catch::Contains("bare IP protocol 'gre' has no ports"));
}

TEST_CASE("The same entry twice in a service is an error") {
    Tree t;
    t.add("services/web.toml",
          service_with("web",
                       "application = \"X\"\nprotocol = \"tcp\"\nport = "
                       "80\n\n[[entry]]\napplication = \"Y\"\nprotocol = \"tcp\"\nport = 80\n"));
    auto d = only_problem(t.load());
    CHECK(d.line == 11);
    CHECK_THAT(d.message, Catch::Contains("repeats the entry at line 6"));
}

TEST_CASE("A missing required field is an error") {
    Tree t;
    t.add("services/web.toml",
          "id = \"web\"\ntitle = \"T\"\nsources = [\"S\"]\n[[entry]]\napplication = "
          "\"X\"\nprotocol = \"tcp\"\nport = 80\n");
    auto d = only_problem(t.load());
    CHECK_THAT(d.message, Catch::Contains("missing required field 'description'"));
}

TEST_CASE("A TOML syntax error names the line") {
    Tree t;
    std::string f = t.add("roles/broken.toml", "id = \"broken\"\ntitle = \"x\n");
    auto d = only_problem(t.load());
    CHECK(d.file == f);
    CHECK(d.line == 2);
}

TEST_CASE("An id that does not match its file name is an error") {
    Tree t;
    t.add("roles/web.toml",
          "id = \"www\"\ntitle = \"T\"\ndescription = \"D\"\nservices = [\"ssh\"]\n");
    auto d = only_problem(t.load());
    CHECK(d.line == 1);
    CHECK_THAT(d.message, Catch::Contains("does not match the file name 'web.toml'"));
}

TEST_CASE("A role cannot take the name of one of rolewall's chains") {
    Tree t;
    t.add("roles/input.toml",
          "id = \"input\"\ntitle = \"T\"\ndescription = \"D\"\nservices = [\"ssh\"]\n");
    CHECK_THAT(only_problem(t.load()).message, Catch::Contains("reserved"));
}

TEST_CASE("A role naming an unknown service is an error with the line of the name") {
    Tree t;
    std::string f = t.add("roles/web.toml", "id = \"web\"\ntitle = \"T\"\ndescription = "
                                            "\"D\"\nservices = [\n  \"ssh\",\n  \"http\",\n]\n");
    auto d = only_problem(t.load());
    CHECK(d.file == f);
    CHECK(d.line == 6);
    CHECK_THAT(d.message, Catch::Contains("unknown service 'http'"));
}

TEST_CASE("A role including an unknown role is an error") {
    Tree t;
    t.add("roles/web.toml",
          "id = \"web\"\ntitle = \"T\"\ndescription = \"D\"\nincludes = [\"nosuch\"]\n");
    auto d = only_problem(t.load());
    CHECK(d.line == 4);
    CHECK_THAT(d.message, Catch::Contains("includes unknown role 'nosuch'"));
}

TEST_CASE("An include cycle is an error that shows the cycle") {
    Tree t;
    t.add("roles/a.toml", "id = \"a\"\ntitle = \"T\"\ndescription = \"D\"\nincludes = [\"b\"]\n");
    t.add("roles/b.toml", "id = \"b\"\ntitle = \"T\"\ndescription = \"D\"\nincludes = [\"a\"]\n");
    auto d = only_problem(t.load());
    CHECK(d.line == 4);
    CHECK_THAT(d.message, Catch::Contains("include cycle a -> b -> a"));
}

TEST_CASE("A local file reusing a shipped id is an error unless it says it overrides it") {
    Tree t;
    std::string f =
        t.add("local/roles/admin.toml",
              "id = \"admin\"\ntitle = \"Mine\"\ndescription = \"D\"\nservices = [\"ssh\"]\n");
    auto d = only_problem(t.load("local"));
    CHECK(d.file == f);
    CHECK_THAT(d.message,
               Catch::Contains("duplicate role id 'admin'") && Catch::Contains("override = true"));

    t.add("local/roles/admin.toml", "id = \"admin\"\noverride = true\ntitle = "
                                    "\"Mine\"\ndescription = \"D\"\nservices = [\"ssh\"]\n");
    auto c = t.load("local");
    REQUIRE(c.ok());
    CHECK(c->role("admin")->title == "Mine");
    CHECK(c->role("admin")->local);
}

TEST_CASE("A local override of nothing is an error") {
    Tree t;
    t.add("local/roles/extra.toml", "id = \"extra\"\noverride = true\ntitle = \"T\"\ndescription = "
                                    "\"D\"\nservices = [\"ssh\"]\n");
    CHECK_THAT(only_problem(t.load("local")).message,
               Catch::Contains("no shipped role 'extra' to override"));
}

TEST_CASE("Local roles can use shipped services") {
    Tree t;
    t.add("local/roles/extra.toml",
          "id = \"extra\"\ntitle = \"T\"\ndescription = \"D\"\nservices = [\"ssh\"]\n");
    auto c = t.load("local");
    REQUIRE(c.ok());
    CHECK(c->role("extra"));
}

TEST_CASE("One run reports every problem of every file") {
    Tree t;
    t.add("services/a.toml",
          service_with("a", "application = \"X\"\nprotocol = \"tcp\"\nport = 0\n"));
    t.add("services/b.toml",
          service_with("b", "application = \"X\"\nprotocol = \"xyz\"\nport = 1\nbogus = 1\n"));
    t.add("roles/r.toml",
          "id = \"r\"\ntitle = \"T\"\ndescription = \"D\"\nservices = [\"nope\"]\n");
    auto r = t.load();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().diagnostics.size() == 4);
    CHECK_THAT(r.error().describe(), Catch::Contains("a.toml:9") && Catch::Contains("b.toml:8") &&
                                         Catch::Contains("b.toml:10") &&
                                         Catch::Contains("r.toml:4"));
}

TEST_CASE("A missing catalog directory is an error") {
    auto r = Catalog::load("/nonexistent/rolewall/catalog");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().describe(), Catch::Contains("/nonexistent/rolewall/catalog"));
}

TEST_CASE("Named ranges resolve from the values in force") {
    auto c = Catalog::load(test::fixture_catalog());
    REQUIRE(c.ok());
    RangeValues v = default_range_values();
    v["rpc_dynamic_ports"] = {1025, 5000};
    auto ports = c->role_ports("dc", v);
    bool found = false;
    for (const auto &p : ports)
        found |= p.service == "rpc" && p.ports == PortRange{1025, 5000};
    CHECK(found);
    CHECK(c->which(3000, L4::tcp, v).size() == 1);
    CHECK(c->which(3000, L4::tcp, default_range_values()).empty());
}
