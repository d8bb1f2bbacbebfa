// rolewallctl audit against the real daemon: listeners in the daemon's network namespace
// (rolewallctl runs outside it and enters it), their verdicts from the layout the daemon
// applies, the catalog roles that would open them, and the ports opened for nothing; then
// offline, from the kernel's table.
#include "checks.hpp"
#include "json_schema.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace bustest;

namespace {

// The fixture catalog: remote (ssh 22/tcp), vpn (pptp 1723/tcp, gre), dc (kerberos 88, rpc 135
// and the dynamic range; includes remote).
const char *config = "[roles.remote]\n"
                     "interfaces = [\"lan0\"]\n"
                     "\n"
                     "[roles.vpn]\n";

// A child in the namespace of `holder` listening on TCP 22 and 88 (any address), TCP 135 on
// 127.0.0.1 and UDP 88 (IPv6), until destroyed.
class Listeners {
  public:
    explicit Listeners(pid_t holder) {
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            int ns = open(("/proc/" + std::to_string(holder) + "/ns/net").c_str(), O_RDONLY);
            if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(1);
            listen_on(AF_INET, SOCK_STREAM, "0.0.0.0", 22);
            listen_on(AF_INET, SOCK_STREAM, "0.0.0.0", 88);
            listen_on(AF_INET, SOCK_STREAM, "127.0.0.1", 135);
            listen_on(AF_INET6, SOCK_DGRAM, "::", 88);
            if (write(ready[1], "x", 1) != 1) _exit(1);
            pause();
            _exit(0);
        }
        close(ready[1]);
        char c;
        REQUIRE(read(ready[0], &c, 1) == 1);
        close(ready[0]);
    }
    ~Listeners() {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }

  private:
    static void listen_on(int family, int type, const char *address, std::uint16_t port) {
        int fd = socket(family, type, 0);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (family == AF_INET6) {
            auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            inet_pton(AF_INET6, address, &a->sin6_addr);
            len = sizeof *a;
        } else {
            auto *a = reinterpret_cast<sockaddr_in *>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            inet_pton(AF_INET, address, &a->sin_addr);
            len = sizeof *a;
        }
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) _exit(2);
        if (type == SOCK_STREAM && listen(fd, 4) != 0) _exit(3);
    }
    pid_t pid_ = -1;
};

const nlohmann::json *socket_of(const nlohmann::json &doc, const std::string &proto, int port) {
    for (const auto &s : doc.at("sockets"))
        if (s.at("protocol") == proto && s.at("port") == port) return &s;
    return nullptr;
}

} // namespace

TEST_CASE("audit reports each listener of the daemon's namespace with its verdict and roles") {
    Setup::Params p;
    p.config = config;
    Setup s(p);
    Listeners listeners(s.ns.holder());
    std::string cfg = (s.dir.path() / "rolewall.toml").string();
    Run r = s.ctl({"audit", "--json", "--catalog", fixture_catalog(), "--config", cfg});
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(testsupport::check_json_output("audit", r.out).empty());
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc.at("ruleset").get<std::string>().rfind("rolewalld (pid ", 0) == 0);

    const auto *ssh = socket_of(doc, "tcp", 22);
    REQUIRE(ssh);
    CHECK(ssh->at("verdict") == "accept");
    CHECK(ssh->at("accepted_by") == nlohmann::json::array({"remote (on lan0)"}));
    CHECK(ssh->at("roles") == nlohmann::json::array({"dc", "remote"}));
    CHECK(ssh->at("process") == "bus_tests");

    const auto *kerberos = socket_of(doc, "tcp", 88);
    REQUIRE(kerberos);
    CHECK(kerberos->at("verdict") == "drop");
    CHECK(kerberos->at("rule") == "policy drop");
    CHECK(kerberos->at("roles") == nlohmann::json::array({"dc"}));
    const auto *kerberos_udp = socket_of(doc, "udp", 88);
    REQUIRE(kerberos_udp);
    CHECK(kerberos_udp->at("address") == "::");
    CHECK(kerberos_udp->at("verdict") == "drop");

    const auto *rpc = socket_of(doc, "tcp", 135);
    REQUIRE(rpc);
    CHECK(rpc->at("rule") == "bound to loopback: local only");

    // vpn opens 1723/tcp where nothing listens; remote's 22 has its listener.
    CHECK(doc.at("unused") == nlohmann::json::parse(R"([{"role": "vpn", "port": "1723/tcp"}])"));

    r = s.ctl({"audit", "--catalog", fixture_catalog(), "--config", cfg});
    CHECK(r.status == 0);
    CHECK(r.out.find("accept: remote (on lan0)") != std::string::npos);
    CHECK(r.out.find("  vpn 1723/tcp\n") != std::string::npos);
}

TEST_CASE("audit without the daemon reads the kernel's table and says so") {
    Setup::Params p;
    p.config = config;
    Setup s(p);
    REQUIRE(s.daemon.stop() == 0); // its table stays in the kernel
    Listeners listeners(s.ns.holder());
    std::string cfg = (s.dir.path() / "rolewall.toml").string();
    // rolewallctl runs inside the namespace: there is no daemon to find it by.
    RunOptions o;
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = s.address();
    o.netns_of = s.ns.holder();
    Run r =
        run({ROLEWALLCTL, "audit", "--json", "--catalog", fixture_catalog(), "--config", cfg}, o);
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc.at("ruleset") == "the kernel's table inet rolewall (rolewalld is not running)");
    const auto *ssh = socket_of(doc, "tcp", 22);
    REQUIRE(ssh);
    CHECK(ssh->at("accepted_by") == nlohmann::json::array({"remote (on lan0)"}));
    CHECK(socket_of(doc, "tcp", 88)->at("verdict") == "drop");
}
