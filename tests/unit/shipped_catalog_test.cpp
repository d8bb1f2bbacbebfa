// The shipped catalog: loads cleanly, covers the roles admins need, and answers every row of
// the port-sorted table of its main source document (seed 002) unless ERRATA.md says why not.
#include "json_schema.hpp"
#include "rolewall/catalog.hpp"
#include "util.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

using namespace rolewall;

namespace {

const Catalog &shipped() {
    static Result<Catalog> c = Catalog::load(test::source_dir() + "/catalog");
    if (!c) FAIL(c.error().describe());
    return *c;
}

std::string normal(const std::string &s) {
    std::string out;
    bool space = false;
    for (unsigned char ch : s) {
        if (std::isspace(ch)) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(std::tolower(ch));
    }
    return out;
}

struct Row {
    std::string port, protocol, application, service;
    std::string key() const {
        return normal(port + "|" + protocol + "|" + application + "|" + service);
    }
};

std::vector<std::string> nonempty_lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos) continue;
        auto e = line.find_last_not_of(" \t\r");
        out.push_back(line.substr(b, e - b + 1));
    }
    return out;
}

// The rows of tests/data/seed-002-ports.tsv: seed 002's port-sorted table, four cells a row.
std::vector<Row> seed_table(const std::string &text) {
    std::vector<Row> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.starts_with("#")) continue;
        std::vector<std::string> c;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, '\t');)
            c.push_back(cell);
        REQUIRE(c.size() == 4);
        rows.push_back({c[0], c[1], c[2], c[3]});
    }
    return rows;
}

std::vector<std::string> split_cells(const std::string &line) {
    std::vector<std::string> cells;
    std::string cur;
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '|') {
            cells.push_back(cur);
            cur.clear();
        } else {
            cur += line[i];
        }
    }
    for (auto &c : cells)
        c = nonempty_lines(c).empty() ? "" : nonempty_lines(c)[0];
    return cells;
}

// Rows of ERRATA.md's "Seed table rows not answered as written" table.
std::set<std::string> errata_rows() {
    auto lines = nonempty_lines(test::read_file(test::source_dir() + "/catalog/ERRATA.md"));
    auto it = std::find(lines.begin(), lines.end(), "## Seed table rows not answered as written");
    REQUIRE(it != lines.end());
    std::set<std::string> out;
    for (++it; it != lines.end() && !it->starts_with("#"); ++it) {
        if (!it->starts_with("|") || it->starts_with("| Port") || it->starts_with("|---") ||
            it->starts_with("| ---"))
            continue;
        auto c = split_cells(*it);
        REQUIRE(c.size() >= 4);
        out.insert(Row{c[0], c[1], c[2], c[3]}.key());
    }
    return out;
}

bool names_service(const Service &s, const std::string &name) {
    if (normal(s.title) == normal(name)) return true;
    return std::any_of(s.aliases.begin(), s.aliases.end(),
                       [&](const std::string &a) { return normal(a) == normal(name); });
}

bool answered(const Catalog &c, const Row &row) {
    std::string proto = normal(row.protocol);
    if (row.port == "n/a") {
        auto num = ip_protocol_number(proto);
        if (!num) return false;
        for (const auto &[id, s] : c.services())
            for (const auto &e : s.entries)
                if (e.kind == Entry::Kind::ip_protocol && e.ip_protocol == *num &&
                    names_service(s, row.service))
                    return true;
        return false;
    }
    if (proto != "tcp" && proto != "udp") return false;
    auto port = static_cast<std::uint16_t>(std::stoi(row.port));
    for (const auto &u : c.which(port, proto == "tcp" ? L4::tcp : L4::udp, default_range_values()))
        if (names_service(*u.service, row.service)) return true;
    return false;
}

} // namespace

TEST_CASE("The shipped catalog loads without a problem") {
    auto c = Catalog::load(test::source_dir() + "/catalog");
    INFO((c ? std::string() : c.error().describe()));
    REQUIRE(c.ok());
    CHECK(c->services().size() > 50);
}

TEST_CASE("Every shipped service is reachable from at least one role") {
    for (const auto &[id, s] : shipped().services()) {
        INFO(id);
        CHECK_FALSE(shipped().roles_using(id).empty());
    }
}

TEST_CASE("The roles admins ask for are in the shipped catalog") {
    for (const char *r : {"ad-dc",
                          "file-server",
                          "print-server",
                          "dns-server",
                          "dhcp-server",
                          "wins-server",
                          "web-server",
                          "ftp-server",
                          "mail-server",
                          "sql-server",
                          "terminal-server",
                          "vpn-gateway",
                          "radius-server",
                          "snmp-agent",
                          "ntp-server",
                          "msmq",
                          "media-server",
                          "sms-site-server",
                          "sms-remote-control",
                          "sms-remote-control-legacy",
                          "nt4-domain",
                          "cluster-node",
                          "ssh"}) {
        INFO(r);
        CHECK(shipped().role(r));
    }
}

TEST_CASE("ad-dc opens exactly what a Samba AD domain controller needs") {
    std::set<std::string> got;
    for (const auto &p : shipped().role_ports("ad-dc", default_range_values()))
        got.insert(port_range_str(p.ports) + "/" + l4_name(p.l4));
    std::set<std::string> want{"53/tcp",   "53/udp",   "88/tcp",         "88/udp",  "123/udp",
                               "135/tcp",  "137/udp",  "138/udp",        "139/tcp", "389/tcp",
                               "389/udp",  "445/tcp",  "464/tcp",        "464/udp", "636/tcp",
                               "3268/tcp", "3269/tcp", "49152-65535/tcp"};
    CHECK(got == want);
    CHECK(shipped().role_ip_protocols("ad-dc").empty());
}

TEST_CASE("vpn-gateway opens PPTP with GRE and L2TP/IPsec with NAT traversal") {
    std::set<std::string> got;
    for (const auto &p : shipped().role_ports("vpn-gateway", default_range_values()))
        got.insert(port_range_str(p.ports) + "/" + l4_name(p.l4));
    for (const char *p : {"1723/tcp", "500/udp", "4500/udp", "1701/udp"}) {
        INFO(p);
        CHECK(got.count(p));
    }
    std::set<std::uint8_t> protos;
    for (const auto &p : shipped().role_ip_protocols("vpn-gateway"))
        protos.insert(p.number);
    CHECK(protos.count(47));
    CHECK(protos.count(50));
}

TEST_CASE("ssh opens TCP 22 and nothing else") {
    auto ports = shipped().role_ports("ssh", default_range_values());
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].ports == PortRange{22, 22});
    CHECK(ports[0].l4 == L4::tcp);
}

TEST_CASE("Every row of the seed's port table is answered or documented as not answered") {
    auto rows = seed_table(test::read_file(test::source_dir() + "/tests/data/seed-002-ports.tsv"));
    CHECK(rows.size() == 155);
    auto errata = errata_rows();
    std::set<std::string> seen;
    for (const auto &row : rows) {
        seen.insert(row.key());
        INFO(row.port << " " << row.protocol << " " << row.application << " (" << row.service
                      << ")");
        CHECK((answered(shipped(), row) || errata.count(row.key())));
    }
    // Every row ERRATA.md lists must be a row of the seed, copied exactly.
    for (const auto &e : errata) {
        INFO("ERRATA.md lists a row the seed does not have: " << e);
        CHECK(seen.count(e));
    }
}

namespace {

std::set<std::string> role_port_set(const std::string &role) {
    std::set<std::string> got;
    for (const auto &p : shipped().role_ports(role, default_range_values()))
        got.insert(port_range_str(p.ports) + "/" + l4_name(p.l4));
    for (const auto &p : shipped().role_ip_protocols(role))
        got.insert(ip_protocol_name(p.number));
    return got;
}

} // namespace

TEST_CASE("rolewallctl which answers every port a Samba office serves today") {
    // PORT/PROTO -> a role that must be among the roles `which` names for it.
    const std::vector<std::pair<std::string, std::string>> ports = {
        {"3702/udp", "samba-discovery"},
        {"5357/tcp", "samba-discovery"},
        {"5353/udp", "samba-discovery"},
        {"5355/udp", "samba-discovery"},
        {"5355/tcp", "samba-discovery"},
        {"631/tcp", "ipp-print-server"},
        {"9100/tcp", "raw-print-server"},
        {"51820/udp", "wireguard"},
        {"1194/udp", "openvpn"},
        {"1194/tcp", "openvpn-tcp"},
        {"500/udp", "ikev2-vpn"},
        {"4500/udp", "ikev2-vpn"},
        {"547/udp", "dhcpv6-server"},
        {"514/udp", "syslog-server"},
        {"514/tcp", "syslog-server"},
        {"6514/tcp", "syslog-tls-server"},
        {"853/tcp", "dns-over-tls-server"},
        {"9090/tcp", "cockpit"},
        {"3493/tcp", "ups-server"},
        {"3128/tcp", "web-proxy"},
    };
    for (const auto &[port, role] : ports) {
        auto r = test::ctl({"--catalog", test::source_dir() + "/catalog", "which", port});
        INFO("rolewallctl which " << port << ": " << r.err << r.out);
        REQUIRE(r.status == 0);
        CHECK(r.out.find(role) != std::string::npos);
    }
}

TEST_CASE("The Samba office roles open exactly their ports") {
    using Set = std::set<std::string>;
    CHECK(role_port_set("samba-discovery") ==
          Set{"3702/udp", "5357/tcp", "5353/udp", "5355/udp", "5355/tcp", "igmp"});
    CHECK(role_port_set("ipp-print-server") == Set{"631/tcp", "5353/udp", "igmp"});
    CHECK(role_port_set("raw-print-server") == Set{"9100/tcp"});
    CHECK(role_port_set("wireguard") == Set{"51820/udp"});
    CHECK(role_port_set("openvpn") == Set{"1194/udp"});
    CHECK(role_port_set("openvpn-tcp") == Set{"1194/tcp"});
    CHECK(role_port_set("ikev2-vpn") == Set{"500/udp", "4500/udp", "esp"});
    CHECK(role_port_set("dhcpv6-server") == Set{"547/udp"});
    CHECK(role_port_set("syslog-server") == Set{"514/udp", "514/tcp"});
}

TEST_CASE("wireguard opens the configured wireguard_ports, not a fixed port") {
    RangeValues v = default_range_values();
    v["wireguard_ports"] = {51820, 51822};
    auto ports = shipped().role_ports("wireguard", v);
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].ports == PortRange{51820, 51822});
    CHECK(ports[0].l4 == L4::udp);
}

TEST_CASE("file-server and ad-dc point to samba-discovery") {
    CHECK(shipped().role("file-server")->note.find("samba-discovery") != std::string::npos);
    CHECK(shipped().role("ad-dc")->note.find("samba-discovery") != std::string::npos);
}

namespace {

test::Run shipped_ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", test::source_dir() + "/catalog"});
    return test::ctl(args);
}

// Lines of `search` output as "TYPE NAME MATCHED" (the title and roles columns left out).
bool search_has(const std::string &out, const std::string &type, const std::string &name,
                const std::string &matched) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(type + " ") && line.find(" " + name + " ") != std::string::npos &&
            line.find(matched) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("rolewallctl show prints a service when no role has that name") {
    auto r = shipped_ctl({"show", "wsdd"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("wsdd: Web Services Discovery host (wsdd) (service)\n"));
    CHECK_THAT(r.out, Catch::Contains("Roles: samba-discovery\n") &&
                          Catch::Contains("udp    3702") && Catch::Contains("tcp    5357") &&
                          Catch::Contains("Sources: wsdd README: Firewall Setup"));
    auto range = shipped_ctl({"show", "wireguard"}); // the role: roles come first
    CHECK_THAT(range.out, Catch::StartsWith("wireguard: WireGuard VPN endpoint\n"));
    CHECK_THAT(range.out, Catch::Contains("rolewallctl show service:wireguard"));
    auto service = shipped_ctl({"show", "service:wireguard"});
    CHECK_THAT(service.out, Catch::Contains("51820 (wireguard_ports)"));
    auto none = shipped_ctl({"show", "service:nosuch"});
    CHECK(none.status == 1);
    CHECK(none.out.empty());
    CHECK_THAT(none.err, Catch::Contains("unknown service 'nosuch'"));
}

TEST_CASE("rolewallctl show --json of a service follows its schema") {
    for (const char *name : {"wsdd", "service:wireguard", "multicast-membership", "dns-server"}) {
        std::vector<std::string> args{"show", name, "--json"};
        auto r = shipped_ctl(args);
        INFO(name << ": " << r.err);
        REQUIRE(r.status == 0);
        const char *schema = std::string_view(name) == "dns-server" ? "show" : "show SERVICE";
        for (const auto &v : testsupport::check_json_output(schema, r.out))
            FAIL_CHECK(v);
    }
}

TEST_CASE("rolewallctl search finds ids, titles, descriptions, aliases and applications") {
    auto r = shipped_ctl({"search", "wsd"});
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("TYPE "));
    CHECK(search_has(r.out, "service", "wsdd", "id"));
    CHECK(search_has(shipped_ctl({"search", "Bonjour"}).out, "service", "mdns", "alias"));
    CHECK(search_has(shipped_ctl({"search", "without NETBIOS"}).out, "role", "samba-discovery",
                     "description"));
    auto jet = shipped_ctl({"search", "jetdirect"}).out;
    CHECK(search_has(jet, "role", "raw-print-server", "title"));
    CHECK(search_has(jet, "service", "jetdirect", "application"));
    CHECK(
        search_has(shipped_ctl({"search", "WSD metadata"}).out, "service", "wsdd", "application"));
    // A service row names the roles to enable.
    CHECK_THAT(shipped_ctl({"search", "LLMNR"}).out, Catch::Contains("samba-discovery"));
}

TEST_CASE("rolewallctl search without a match fails with exit 1 and says so") {
    auto r = shipped_ctl({"search", "no-such-thing-anywhere"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no role or service matches 'no-such-thing-anywhere'"));
    auto j = shipped_ctl({"search", "no-such-thing-anywhere", "--json"});
    CHECK(j.status == 1);
    CHECK(j.out.empty());
}

TEST_CASE("rolewallctl search --json follows its schema") {
    auto r = shipped_ctl({"search", "vpn", "--json"});
    REQUIRE(r.status == 0);
    for (const auto &v : testsupport::check_json_output("search", r.out))
        FAIL_CHECK(v);
    CHECK_THAT(r.out, Catch::Contains("\"name\": \"ikev2-vpn\""));
}
