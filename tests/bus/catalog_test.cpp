// GetService: a service of the catalog the daemon loaded, with its sources, notes and the roles
// using it, its named ranges resolved with the config; the same answer `rolewallctl show
// SERVICE --json` prints from the same files.
#include "checks.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace bustest;

namespace {

using Dict = std::map<std::string, sdbus::Variant>;
using Strings = std::vector<std::string>;

template <typename T> T field(const Dict &d, const std::string &key) {
    auto it = d.find(key);
    REQUIRE(it != d.end());
    return it->second.get<T>();
}

// The fixture catalog (dc: kerberos, rpc with rpc_dynamic_ports, includes remote; remote: ssh;
// vpn: pptp with gre), a config that moves the dynamic RPC range, and a local service and role.
const char *config = "[roles.remote]\n\n[firewall]\nrpc_dynamic_ports = \"50000-50100\"\n";

const char *ipp_service = "id = \"ipp\"\n"
                          "title = \"Internet Printing Protocol\"\n"
                          "description = \"Printing over HTTP.\"\n"
                          "sources = [\"RFC 8011\", \"IANA port 631\"]\n"
                          "aliases = [\"CUPS\", \"IPP Everywhere\"]\n"
                          "note = \"Printers are found by mDNS, a service of its own.\"\n"
                          "\n"
                          "[[entry]]\n"
                          "application = \"IPP\"\n"
                          "protocol = \"tcp\"\n"
                          "port = 631\n"
                          "note = \"IPPS (TLS) uses the same port.\"\n";

const char *print_role = "id = \"print\"\n"
                         "title = \"Print server\"\n"
                         "description = \"IPP.\"\n"
                         "services = [\"ipp\"]\n";

struct CatalogSetup {
    CatalogSetup() : s(params()) {
        s.dir.write("local/services/ipp.toml", ipp_service);
        s.dir.write("local/roles/print.toml", print_role);
        s.daemon.start();
        if (!wait_for_daemon(s.address()))
            throw std::runtime_error("rolewalld did not appear on the bus:\n" + s.daemon.log());
    }
    static Setup::Params params() {
        Setup::Params p;
        p.config = config;
        p.start_daemon = false;
        return p;
    }
    Setup s;
};

std::vector<Dict> entries_of(const Dict &service) {
    return field<std::vector<Dict>>(service, "entries");
}

} // namespace

TEST_CASE("GetService tells a service's sources, notes, roles and entries") {
    CatalogSetup c;
    Dict ipp = c.s.client().GetService("ipp");
    CHECK(field<std::string>(ipp, "id") == "ipp");
    CHECK(field<std::string>(ipp, "title") == "Internet Printing Protocol");
    CHECK(field<std::string>(ipp, "description") == "Printing over HTTP.");
    CHECK(field<std::string>(ipp, "windows_service").empty());
    CHECK(field<Strings>(ipp, "sources") == Strings{"RFC 8011", "IANA port 631"});
    CHECK(field<Strings>(ipp, "aliases") == Strings{"CUPS", "IPP Everywhere"});
    CHECK(field<std::string>(ipp, "note") == "Printers are found by mDNS, a service of its own.");
    CHECK(field<Strings>(ipp, "roles") == Strings{"print"});
    auto entries = entries_of(ipp);
    REQUIRE(entries.size() == 1);
    CHECK(field<std::string>(entries[0], "application") == "IPP");
    CHECK(field<std::string>(entries[0], "protocol") == "tcp");
    CHECK(field<uint16_t>(entries[0], "first") == 631);
    CHECK(field<uint16_t>(entries[0], "last") == 631);
    CHECK(field<std::string>(entries[0], "range").empty());
    CHECK(field<std::string>(entries[0], "note") == "IPPS (TLS) uses the same port.");
    CHECK(ipp.size() == 9);
    CHECK(entries[0].size() == 6);
}

TEST_CASE("GetService resolves named ranges with the config and names bare IP protocols") {
    CatalogSetup c;
    Dict rpc = c.s.client().GetService("rpc");
    CHECK(field<Strings>(rpc, "roles") == Strings{"dc"});
    CHECK(field<std::string>(rpc, "windows_service").empty());
    auto entries = entries_of(rpc);
    REQUIRE(entries.size() == 2);
    CHECK(field<uint16_t>(entries[0], "first") == 135);
    CHECK(field<std::string>(entries[0], "range").empty());
    CHECK(field<std::string>(entries[1], "range") == "rpc_dynamic_ports");
    CHECK(field<uint16_t>(entries[1], "first") == 50000);
    CHECK(field<uint16_t>(entries[1], "last") == 50100);

    Dict ssh = c.s.client().GetService("ssh"); // remote is included by dc
    CHECK(field<Strings>(ssh, "roles") == Strings{"dc", "remote"});
    Dict kerberos = c.s.client().GetService("kerberos");
    CHECK(field<std::string>(kerberos, "windows_service") == "Kdc");

    auto pptp = entries_of(c.s.client().GetService("pptp"));
    REQUIRE(pptp.size() == 2);
    CHECK(field<std::string>(pptp[1], "protocol") == "gre");
    CHECK(field<uint16_t>(pptp[1], "first") == 0);
    CHECK(field<uint16_t>(pptp[1], "last") == 0);
}

TEST_CASE("GetService answers anyone, and an unknown service with UnknownService") {
    CatalogSetup c;
    CHECK(as_uid(nobody, c.s.address(), [](Client &client) {
              return field<std::string>(client.GetService("ipp"), "title");
          }) == "Internet Printing Protocol");
    std::string name, message;
    try {
        c.s.client().GetService("nosuch");
    } catch (const sdbus::Error &e) {
        name = e.getName();
        message = e.getMessage();
    }
    CHECK(name == rolewall::bus::error_unknown_service);
    CHECK(message == "there is no service 'nosuch' in the catalog");
}

TEST_CASE("GetService and rolewallctl show SERVICE --json tell the same from the same files") {
    CatalogSetup c;
    for (const char *id : {"ipp", "rpc", "pptp"}) {
        auto r = c.s.ctl({"show", std::string("service:") + id, "--json", "--catalog",
                          fixture_catalog(), "--local-catalog", (c.s.dir.path() / "local").string(),
                          "--config", (c.s.dir.path() / "rolewall.toml").string()});
        INFO(id << ": " << r.out << r.err);
        REQUIRE(r.status == 0);
        auto shown = nlohmann::json::parse(r.out);
        Dict bus = c.s.client().GetService(id);
        CHECK(shown["name"] == field<std::string>(bus, "id"));
        CHECK(shown["title"] == field<std::string>(bus, "title"));
        CHECK(shown["sources"] == field<Strings>(bus, "sources"));
        CHECK(shown["aliases"] == field<Strings>(bus, "aliases"));
        CHECK(shown["note"] == field<std::string>(bus, "note"));
        CHECK(shown["roles"] == field<Strings>(bus, "roles"));
        auto entries = entries_of(bus);
        REQUIRE(shown["entries"].size() == entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto &e = shown["entries"][i];
            CHECK(e["application"] == field<std::string>(entries[i], "application"));
            CHECK(e["protocol"] == field<std::string>(entries[i], "protocol"));
            CHECK(e.value("first", 0) == field<uint16_t>(entries[i], "first"));
            CHECK(e.value("last", 0) == field<uint16_t>(entries[i], "last"));
            CHECK(e.value("range", "") == field<std::string>(entries[i], "range"));
            CHECK(e["note"] == field<std::string>(entries[i], "note"));
        }
    }
}
