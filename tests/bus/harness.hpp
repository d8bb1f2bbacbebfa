// The integration harness: a throwaway user + network namespace, a private dbus-daemon with a
// system-bus-like policy, the real rolewalld running inside the namespace, and clients.
//
// Nothing here touches the host: the namespace has its own empty ruleset, the bus has its own
// socket under a temporary directory, and every child process dies with the test process
// (PR_SET_PDEATHSIG) if the test crashes.
#pragma once

#include "bus_names.hpp"
#include "rolewall/bus/manager_proxy.h"
#include "rolewall/ruleset.hpp"
#include "run.hpp"
#include "skip.hpp"
#include "support.hpp"

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bustest {

using testsupport::fixture_catalog;
using testsupport::read_file;
using testsupport::source_dir;
using testsupport::TempDir;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Who runs the tests. Real root runs all of them. Anyone else runs them inside a user namespace
// of their own where they are uid 0, as under `unshare -r` (enter_test_namespace(), called by
// main before anything starts a thread): the private bus, the clients and rolewalld (in a user +
// network namespace below that one, as always) then see each other as root, as they do on a real
// system bus. What a user namespace cannot give is skipped by BUSTEST_NEEDS_REAL_ROOT(what): a
// client with another uid (65534), files of another owner, named network namespaces for traffic,
// the real polkitd.
// Returns "" when the tests can run, else why not (not root and no user namespaces).
std::string enter_test_namespace();
bool real_root(); // the tests run as the machine's root, not in a user namespace
// The benchmarks (bench/): they run as real root only.
bool have_root();

using testsupport::Run;
struct RunOptions {
    std::map<std::string, std::string> env; // added to (or, with empty value, removed from) ours
    std::optional<uid_t> uid;               // setuid (and setgid to the same number) first
    pid_t netns_of = 0;                     // enter this process's network namespace first
    std::chrono::milliseconds timeout = 20s;
};
// Runs a program with testsupport::run, first entering the namespace and taking the uid.
Run run(const std::vector<std::string> &argv, const RunOptions &options = {});

// A user + network namespace like `unshare -rn`, kept alive by a holder process.
class Netns {
  public:
    Netns();
    ~Netns();
    Netns(const Netns &) = delete;
    Netns &operator=(const Netns &) = delete;
    pid_t holder() const { return holder_; }

    // `nft ARGS` inside the namespace.
    Run nft(const std::vector<std::string> &args) const;
    bool table_exists() const;
    // Roles whose sets hold elements, from `nft -j list table inet rolewall`.
    std::set<std::string> kernel_roles() const;
    // The sets of table inet rolewall as the kernel backend reads them.
    std::vector<rolewall::SetContent> read_sets() const;

  private:
    pid_t holder_ = -1;
};

// A dbus-daemon with its own socket <dir>/bus.sock and a policy modelled on the system bus:
// default deny for owning names and method calls, the shipped org.rolewall1.conf included,
// and org.freedesktop.PolicyKit1 ownable by root (for the fake polkit).
class PrivateBus {
  public:
    // `service_dir`: where the bus looks for activation files (.service); none when empty.
    explicit PrivateBus(std::filesystem::path dir, bool start_now = true,
                        const std::filesystem::path &service_dir = {});
    ~PrivateBus();
    PrivateBus(const PrivateBus &) = delete;
    PrivateBus &operator=(const PrivateBus &) = delete;
    void start();
    void stop();
    bool running() const { return pid_ > 0; }
    std::string address() const { return "unix:path=" + socket_.string(); }

  private:
    std::filesystem::path dir_;
    std::filesystem::path socket_;
    pid_t pid_ = -1;
};

// sd_notify's receiving end: a datagram socket at <dir>/notify.sock (or at `path`).
class NotifySocket {
  public:
    explicit NotifySocket(const std::filesystem::path &dir,
                          const std::string &name = "notify.sock");
    ~NotifySocket();
    std::string path() const { return path_.string(); }
    // Waits for a datagram containing `line` (e.g. "READY=1"); false on timeout. `each` runs
    // on every datagram as it arrives (before the check).
    bool wait_for(const std::string &line, std::chrono::milliseconds timeout,
                  const std::function<void(const std::string &)> &each = {});
    const std::vector<std::string> &received() const { return received_; }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

// The real rolewalld (from the build tree) inside a Netns, its stderr in <dir>/rolewalld.log.
class DaemonProcess {
  public:
    struct Options {
        std::filesystem::path config;
        std::filesystem::path catalog;
        std::filesystem::path local_catalog;
        std::filesystem::path state_dir;
        std::string bus_address;   // DBUS_SYSTEM_BUS_ADDRESS
        std::string notify_socket; // NOTIFY_SOCKET; empty: unset
        std::vector<std::string> extra_args;
        std::string binary = ROLEWALLD;
        // When set: run as under systemd (INVOCATION_ID set) in a mount namespace of its own
        // where this directory is /run/systemd/journal, so sd_journal_send() reaches a socket
        // the test bound at <journal_dir>/socket instead of the host's journal.
        std::filesystem::path journal_dir;
        // When set: run as real root in this named network namespace (/run/netns/NAME, as
        // `ip netns add` makes them) instead of the Netns, for traffic tests.
        std::string netns_name;
    };
    DaemonProcess(const Netns &ns, std::filesystem::path dir, Options options);
    ~DaemonProcess();
    void start();
    // Sends `sig` and waits for the exit; returns the exit code (128 + signal when killed).
    int stop(int sig = SIGTERM);
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    Options &options() { return options_; }
    std::string log() const;

  private:
    const Netns &ns_;
    std::filesystem::path dir_;
    Options options_;
    pid_t pid_ = -1;
};

// The generated proxy on a private connection, recording RoleChanged and PropertiesChanged.
struct ConnectionHolder {
    std::unique_ptr<sdbus::IConnection> connection_;
};
class Client final
    : private ConnectionHolder,
      public sdbus::ProxyInterfaces<org::rolewall1::Manager_proxy, sdbus::Properties_proxy,
                                    sdbus::Introspectable_proxy> {
  public:
    explicit Client(const std::string &address);
    ~Client();
    sdbus::IConnection &connection() { return *connection_; }
    // Handles incoming messages until `done` or the timeout; returns done().
    bool pump(const std::function<bool()> &done, std::chrono::milliseconds timeout = 5s);

    std::vector<std::pair<std::string, bool>> role_changed;
    std::vector<std::vector<std::string>> properties_changed; // names of changed properties

  private:
    void onRoleChanged(const std::string &name, const bool &enabled) override;
    void onPropertiesChanged(const std::string &interface,
                             const std::map<std::string, sdbus::Variant> &changed,
                             const std::vector<std::string> &invalidated) override;
};

// tests/bus/fake_polkit on the bus: answers every CheckAuthorization with `answer` ("yes", "no"
// or "challenge"), and logs the questions to <dir>/polkit.log
// ("system-bus-name :1.7 org.rolewall1.manage 0").
class FakePolkit {
  public:
    FakePolkit(const std::string &address, const std::string &answer,
               const std::filesystem::path &dir);
    ~FakePolkit();
    std::string questions() const { return read_file(log_); }

  private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
};

// The D-Bus error name of a call ("" when it succeeded).
std::string error_of(const std::function<void()> &call);
using Options = std::map<std::string, sdbus::Variant>;

// Whether someone owns `name` on the bus at `address`.
bool name_has_owner(const std::string &address, const std::string &name);
// Polls until org.rolewall1 is owned (true) or the timeout passes.
bool wait_for_daemon(const std::string &address, std::chrono::milliseconds timeout = 10s);

// Runs `body` in a child process as `uid` with its own connection to `address`; returns what
// body returned (e.g. an error name), or "child failed: ..." when the child did not finish.
std::string as_uid(uid_t uid, const std::string &address,
                   const std::function<std::string(Client &)> &body,
                   std::chrono::milliseconds timeout = 20s);

// A whole test setup: temp dir, namespace, bus, config, daemon and a root client.
struct Setup {
    struct Params {
        std::string config = "[roles.remote]\n";
        std::string catalog = fixture_catalog();
        bool start_bus = true;
        bool start_daemon = true;
        bool notify = false;
        std::string binary = ROLEWALLD;
    };
    Setup() : Setup(Params{}) {}
    explicit Setup(const Params &p);
    ~Setup();

    TempDir dir;
    Netns ns;
    PrivateBus bus;
    std::unique_ptr<NotifySocket> notify;
    DaemonProcess daemon;
    std::string address() const { return bus.address(); }
    std::filesystem::path state_file() const { return dir.path() / "state" / "state.toml"; }
    Client &client(); // created on first use (the daemon must be on the bus)
    void restart();   // SIGTERM, start again, wait for the bus
    // rolewallctl with DBUS_SYSTEM_BUS_ADDRESS pointing at the private bus.
    Run ctl(const std::vector<std::string> &args, std::optional<uid_t> uid = {});

  private:
    std::unique_ptr<Client> client_;
};

// Checks that the kernel, EnabledRoles/ListEnabled and (when given) the state file agree:
// the kernel's sets are exactly build_layout() of the enabled roles with their scopes.
// Returns an empty string when they do, else what differs.
std::string consistency(Setup &s, const std::string &catalog_dir);

} // namespace bustest

// In a TEST_CASE body: skips the test unless it runs as real root, saying what needs it.
#define BUSTEST_NEEDS_REAL_ROOT(what)                                                              \
    do {                                                                                           \
        if (!::bustest::real_root()) ROLEWALL_SKIP(std::string("needs real root: ") + (what));     \
    } while (false)
