// The shipped polkit policy with the real polkitd on the test bus. polkitd runs in a mount
// namespace of its own where /usr/share/polkit-1/actions holds only the shipped
// systemd/org.rolewall1.policy and the rules directories only the test's rules, so the
// machine's own polkit configuration neither matters nor changes. The answers are polkitd's:
// this is what the policy means on a real system, which tests/bus/fake_polkit cannot show.
#include "checks.hpp"
#include "skip.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <sys/mount.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bustest;

namespace {

const char *const polkitd_binary = "/usr/lib/polkit-1/polkitd";

// polkitd on the bus at `address`, reading the shipped policy and `rules` (a rules.d file's
// text; none when empty). Its log is <dir>/polkitd.log.
class RealPolkit {
  public:
    RealPolkit(const std::string &address, const fs::path &dir, const std::string &rules) {
        fs::path actions = dir / "polkit-actions", rules_dir = dir / "polkit-rules",
                 empty = dir / "polkit-empty";
        for (const auto &d : {actions, rules_dir, empty}) {
            fs::create_directories(d);
            fs::permissions(d, fs::perms(0755));
        }
        fs::copy_file(source_dir() + "/systemd/org.rolewall1.policy",
                      actions / "org.rolewall1.policy", fs::copy_options::overwrite_existing);
        if (!rules.empty()) std::ofstream(rules_dir / "50-rolewall-test.rules") << rules;
        std::string log = (dir / "polkitd.log").string();
        pid_t parent = getpid();
        pid_ = fork();
        if (pid_ == 0) {
            testsupport::die_with_parent(parent, SIGTERM);
            if (unshare(CLONE_NEWNS) != 0 ||
                mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                mount(actions.c_str(), "/usr/share/polkit-1/actions", nullptr, MS_BIND, nullptr) !=
                    0 ||
                mount(rules_dir.c_str(), "/etc/polkit-1/rules.d", nullptr, MS_BIND, nullptr) != 0 ||
                mount(empty.c_str(), "/usr/share/polkit-1/rules.d", nullptr, MS_BIND, nullptr) != 0)
                _exit(2);
            FILE *out = std::freopen(log.c_str(), "w", stdout);
            if (!out || dup2(fileno(stdout), 2) < 0) _exit(3);
            setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
            execl(polkitd_binary, polkitd_binary, "--no-debug", static_cast<char *>(nullptr));
            _exit(4);
        }
        auto deadline = Clock::now() + 10s;
        while (!name_has_owner(address, "org.freedesktop.PolicyKit1")) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("polkitd exited: " + read_file(log));
            }
            if (Clock::now() > deadline) throw std::runtime_error("polkitd did not start");
            std::this_thread::sleep_for(20ms);
        }
    }
    ~RealPolkit() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }
    RealPolkit(const RealPolkit &) = delete;
    RealPolkit &operator=(const RealPolkit &) = delete;

  private:
    pid_t pid_ = -1;
};

bool have_polkitd() {
    return access(polkitd_binary, X_OK) == 0;
}

// uid 65534 enables "dc" for the runtime: "" when allowed, else the error's name.
std::string nobody_enables(Setup &s) {
    return as_uid(nobody, s.address(),
                  [](Client &c) { return error_of([&] { c.EnableRole("dc", runtime()); }); });
}

const char *const grant_nogroup =
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id == \"org.rolewall1.manage\" && subject.isInGroup(\"nogroup\"))\n"
    "        return polkit.Result.YES;\n"
    "});\n";

const char *const refuse_everyone =
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id == \"org.rolewall1.manage\") return polkit.Result.NO;\n"
    "});\n";

} // namespace

TEST_CASE("polkitd knows the shipped action with the documented defaults") {
    if (!have_polkitd()) ROLEWALL_SKIP("polkitd is not installed (Debian package polkitd)");
    BUSTEST_NEEDS_REAL_ROOT("polkitd runs as its own user");
    Setup s;
    RealPolkit polkit(s.address(), s.dir.path(), "");
    RunOptions options;
    options.env["DBUS_SYSTEM_BUS_ADDRESS"] = s.address();
    auto r = run({"pkaction", "--verbose", "--action-id", "org.rolewall1.manage"}, options);
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("implicit any:      auth_admin\n") != std::string::npos);
    CHECK(r.out.find("implicit inactive: auth_admin\n") != std::string::npos);
    CHECK(r.out.find("implicit active:   auth_admin_keep\n") != std::string::npos);
}

TEST_CASE("With the real polkitd and the shipped policy, uid 65534 is refused") {
    if (!have_polkitd()) ROLEWALL_SKIP("polkitd is not installed (Debian package polkitd)");
    BUSTEST_NEEDS_REAL_ROOT("polkitd runs as its own user");
    Setup s;
    RealPolkit polkit(s.address(), s.dir.path(), "");
    CHECK(nobody_enables(s) == error_access_denied);
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote"});
}

TEST_CASE("A rules.d rule granting nobody's group lets uid 65534 change the firewall") {
    if (!have_polkitd()) ROLEWALL_SKIP("polkitd is not installed (Debian package polkitd)");
    BUSTEST_NEEDS_REAL_ROOT("polkitd runs as its own user");
    Setup s;
    RealPolkit polkit(s.address(), s.dir.path(), grant_nogroup);
    CHECK(nobody_enables(s).empty());
    CHECK(enabled(s.client()) == std::set<std::string>{"dc", "remote"});
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
}

TEST_CASE("Root is never asked about: a rule refusing everyone does not stop it") {
    if (!have_polkitd()) ROLEWALL_SKIP("polkitd is not installed (Debian package polkitd)");
    BUSTEST_NEEDS_REAL_ROOT("polkitd runs as its own user");
    Setup s;
    RealPolkit polkit(s.address(), s.dir.path(), refuse_everyone);
    CHECK(nobody_enables(s) == error_access_denied); // the rule is in force
    s.client().EnableRole("vpn", runtime());
    CHECK(enabled(s.client()) == std::set<std::string>{"remote", "vpn"});
}
