// The lock-out guard's parts without a daemon: SSH_CONNECTION parsed, the decision on the
// evaluator's verdicts in layouts of the fixture catalog, and rolewallctl's lookup of
// SSH_CONNECTION through the ancestors in a /proc tree written by the test.
#include "rolewall/lockout.hpp"
#include "support.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>

using namespace rolewall;
using test::fixture_layout;
using test::scope;

namespace {

SshConnection parsed(const std::string &text) {
    auto c = parse_ssh_connection(text);
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
    return *c;
}

} // namespace

TEST_CASE("SSH_CONNECTION is parsed into client, server and their ports") {
    SshConnection c = parsed("192.0.2.9 50022 192.0.2.1 22");
    CHECK(c.client == *Cidr::parse("192.0.2.9"));
    CHECK(c.client_port == 50022);
    CHECK(c.server == *Cidr::parse("192.0.2.1"));
    CHECK(c.server_port == 22);
    CHECK(c.interface.empty());
    c.interface = "lan0";
    CHECK(connection_text(c) == "192.0.2.9 -> 192.0.2.1:22 on lan0");

    SshConnection mapped = parsed("::ffff:192.0.2.9 50022 ::ffff:192.0.2.1 2222");
    CHECK(mapped.client == *Cidr::parse("192.0.2.9")); // IPv4 on the wire
    CHECK(mapped.server_port == 2222);
    SshConnection zoned = parsed("fe80::9%lan0 50022 fe80::1 22");
    CHECK(zoned.interface == "lan0");
    CHECK(connection_text(zoned) == "fe80::9 -> [fe80::1]:22 on lan0");

    for (const char *bad :
         {"", "192.0.2.9 50022 192.0.2.1", "192.0.2.9 50022 192.0.2.1 22 x",
          "192.0.2.9 0 192.0.2.1 22", "192.0.2.9 1 192.0.2.1 65536", "192.0.2.9 -1 192.0.2.1 22",
          "host 1 192.0.2.1 22", "192.0.2.0/24 1 192.0.2.1 22", "192.0.2.9 1 2001:db8::1 22",
          "fe80::9%lan* 1 fe80::1 22"}) {
        INFO(bad);
        auto refused = parse_ssh_connection(bad);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == Errc::invalid_argument);
    }
}

TEST_CASE("The guard refuses only what drops a connection that was accepted") {
    SshConnection c = parsed("192.0.2.9 50022 192.0.2.1 22");
    c.interface = "lan0";
    Layout on_lan = fixture_layout({{"remote", scope({"lan0"}, {})}});
    Layout on_wan = fixture_layout({{"remote", scope({"wan0"}, {})}});
    Layout none = fixture_layout({});
    std::vector<std::string> warnings;
    auto decide = [&](const Layout &before, const Layout &after, bool force, bool confirm) {
        Packet p = new_connection(c);
        return check_lock_out(c, evaluate(before, p), evaluate(after, p), "disable remote", force,
                              confirm, warnings);
    };
    CHECK(decide(on_lan, on_lan, false, false));
    CHECK(decide(on_wan, none, false, false)); // it was not accepted before
    CHECK(decide(none, on_lan, false, false));
    CHECK(warnings.empty());
    auto refused = decide(on_lan, on_wan, false, false);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::lock_out);
    CHECK(refused.error().message ==
          "disable remote would lock you out: a new SSH connection like yours, 192.0.2.9 -> "
          "192.0.2.1:22 on lan0, would be dropped (role remote accepts it now); use --force, or "
          "--confirm DURATION to try it");
    CHECK(decide(on_lan, none, true, false));
    CHECK(decide(on_lan, none, false, true));
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].rfind("--force: a new SSH connection like yours, 192.0.2.9", 0) == 0);
    CHECK(warnings[1].rfind("--confirm: ", 0) == 0);
    c.interface = "lo"; // the host itself: always accepted
    CHECK(decide(on_lan, none, false, false));
}

TEST_CASE("rolewallctl finds SSH_CONNECTION in the nearest ancestor that has it") {
    testsupport::TempDir proc;
    auto process = [&](int pid, int ppid, const std::string &env) {
        proc.write(std::to_string(pid) + "/stat",
                   std::to_string(pid) + " (a (b) c) S " + std::to_string(ppid) + " 1 1 0\n");
        proc.write(std::to_string(pid) + "/environ", env);
    };
    using namespace std::string_literals;
    process(1, 0, "SSH_CONNECTION=init\0"s);
    process(10, 1, "SSH_CONNECTION=198.51.100.7 40000 198.51.100.1 22\0HOME=/root\0"s);
    process(20, 10, "PATH=/bin\0SSH_CONNECTION=192.0.2.9 50022 192.0.2.1 22\0"s);
    process(30, 20, "SUDO_USER=admin\0"s);                         // sudo dropped it
    process(40, 30, "X=SSH_CONNECTION=no\0"s);                     // not a variable of that name
    proc.write("50/stat", "50 (unreadable environ) S 40 1 1 0\n"); // no environ: passed over
    CHECK(find_ssh_connection(proc.path(), 50) == "192.0.2.9 50022 192.0.2.1 22");
    CHECK(find_ssh_connection(proc.path(), 20) == "192.0.2.9 50022 192.0.2.1 22");
    CHECK(find_ssh_connection(proc.path(), 10) == "198.51.100.7 40000 198.51.100.1 22");
    CHECK(find_ssh_connection(proc.path(), 1) == std::nullopt); // init is not asked
    CHECK(find_ssh_connection(proc.path(), 99) == std::nullopt);
}
