// rolewallctl suggest on sample smb.conf files (tests/data/samba), read through the real
// testparm (samba-common-bin), and the warnings of `check` when rolewall.toml disagrees with
// smb.conf. The lines about listeners depend on the host and are checked only for presence.
#include "util.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace {

std::string samba(const std::string &name) {
    return test::source_dir() + "/tests/data/samba/" + name;
}

// suggest's output without the listener comments, the smb.conf path replaced by SMB_CONF.
std::string suggest(const std::string &file) {
    REQUIRE(access("/usr/bin/testparm", X_OK) == 0); // .ci/setup installs samba-common-bin
    auto r = test::ctl({"suggest", "--samba-config", samba(file), "--config", "/etc/rw.toml"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    std::istringstream in(r.out);
    std::string line, out;
    int listener_lines = 0;
    while (std::getline(in, line)) {
        if (line.rfind("# listening now: ", 0) == 0 ||
            line.rfind("# nothing listens on: ", 0) == 0) {
            ++listener_lines;
            continue;
        }
        if (auto at = line.find(samba(file)); at != std::string::npos)
            line.replace(at, samba(file).size(), "SMB_CONF");
        out += line + "\n";
    }
    CHECK(listener_lines > 0);
    return out;
}

const char *header =
    "# rolewall.toml for the Samba server of SMB_CONF, from `testparm -s -v` and the\n"
    "# sockets listening now. Review it, then merge it into /etc/rw.toml.\n";

} // namespace

TEST_CASE("suggest: an AD DC bound to lan0 gets ad-dc on lan0 and Samba's RPC range") {
    CHECK(suggest("ad-dc.conf") ==
          std::string(header) +
              "\n[firewall]\n"
              "rpc_dynamic_ports = \"49152-65535\"        # smb.conf: rpc server dynamic port "
              "range = 49152-65535\n"
              "\n"
              "[roles.ad-dc]                            # smb.conf: server role = active "
              "directory domain controller\n"
              "interfaces = [\"lan0\"]                    # smb.conf: interfaces = lan0 "
              "192.0.2.1/24, bind interfaces only = yes\n"
              "# left out: 192.0.2.1/24: no interface of this host holds it; add its name\n");
}

TEST_CASE("suggest: a member file server with interfaces = lan0 and hosts allow") {
    std::string scope =
        "interfaces = [\"lan0\"]                    # smb.conf: interfaces = lan0, bind "
        "interfaces only = yes\n"
        "sources = [\"192.0.2.0/24\", \"2001:db8:1::/64\"] # smb.conf: hosts allow = 192.0.2. "
        "2001:db8:1::/64 127.0.0.1 EXCEPT 192.0.2.66\n"
        "# left out: EXCEPT 192.0.2.66: not a network rolewall can scope by; Samba still applies "
        "it\n";
    CHECK(suggest("member.conf") ==
          std::string(header) +
              "\n[roles.file-server]                      # smb.conf: server role = member "
              "server; shares [shared]\n" +
              scope +
              "\n[roles.print-server]                     # smb.conf: [printers] with load "
              "printers = yes\n" +
              scope +
              "# note: smb ports = 445: the catalog's smb-server opens 445 and 139; a port "
              "outside them needs a local service (docs/CATALOG.md)\n"
              "# note: disable netbios = yes: the roles still open NetBIOS (137-139); nothing "
              "listens there\n");
}

TEST_CASE("suggest: a custom RPC range and netmask sources are carried over") {
    CHECK(suggest("custom-rpc.conf") ==
          std::string(header) +
              "\n[firewall]\n"
              "rpc_dynamic_ports = \"50000-50999\"        # smb.conf: rpc server dynamic port "
              "range = 50000-50999\n"
              "\n"
              "[roles.ad-dc]                            # smb.conf: server role = active "
              "directory domain controller\n"
              "sources = [\"198.51.100.0/24\", \"203.0.113.7/32\"] # smb.conf: hosts allow = "
              "198.51.100.0/255.255.255.0 203.0.113.7\n");
}

TEST_CASE("suggest refuses a missing smb.conf with testparm's reason") {
    auto r = test::ctl({"suggest", "--samba-config", "/nonexistent/smb.conf"});
    CHECK(r.status == 1);
    CHECK(r.err.find("testparm -s -v /nonexistent/smb.conf failed") != std::string::npos);
    CHECK(test::ctl({"list", "--samba-config", samba("ad-dc.conf")}).status == 2);
}

// check, in a user + network namespace of its own (its kernel check then talks to that
// namespace's empty ruleset, not the host's).
test::Run check(const std::string &config, const std::string &smb_conf) {
    return test::run(
        {"unshare", "-rn", ROLEWALL_CTL, "check", "--config", config, "--samba-config", smb_conf});
}

TEST_CASE("check warns when the RPC range or an interface disagrees with smb.conf") {
    test::TempDir dir;
    std::string config = (dir.path() / "rolewall.toml").string();
    std::ofstream(config) << "[roles.ad-dc]\ninterfaces = [\"lan0\", \"wan0\"]\n";
    auto r = check(config, samba("custom-rpc.conf"));
    INFO(r.out << r.err);
    CHECK(r.err.find("warning: rpc_dynamic_ports is 49152-65535 but Samba (" +
                     samba("custom-rpc.conf") +
                     ") uses 50000-50999 (rpc server dynamic port range = 50000-50999)") !=
          std::string::npos);
    r = check(config, samba("ad-dc.conf"));
    CHECK(r.err.find("warning: ad-dc is enabled on wan0 but Samba (" + samba("ad-dc.conf") +
                     ") does not listen there") != std::string::npos);
    CHECK(r.err.find("rpc_dynamic_ports") == std::string::npos);
    std::ofstream(config) << "[roles.ad-dc]\ninterfaces = [\"lan0\"]\n";
    r = check(config, samba("ad-dc.conf"));
    CHECK(r.err.find("warning") == std::string::npos);
}
