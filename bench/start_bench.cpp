// Cold start with the shipped config (etc/rolewall/rolewall.toml: ssh enabled, policy drop)
// and the shipped catalog, in a fresh namespace each time (no table in the kernel yet):
//   - exec to READY=1 (the ruleset is in the kernel),
//   - rolewalld's own work: load + plan + apply, from its log line ("... in N ms"),
//   - exec to its name owned on a private dbus-daemon, and to serving there: the first call
//     answered (the State property reads "running").
// With Debian's firewalld installed (it is not a build or test dependency), the same two times
// for firewalld (org.fedoraproject.FirewallD1; serving: its state property reads "RUNNING"),
// side by side, and the ratio of the times to serving: firewalld
// runs as root in a network namespace of its own (unshare(CLONE_NEWNET)), with a private bus
// of its own; it never sees the host's ruleset or system bus. Needs root. Not run by CI.
//
//   build/bench/start_bench [--quick] [--firewalld /usr/sbin/firewalld]
#include "harness.hpp"
#include "stats.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sys/wait.h>
#include <thread>

using namespace bustest;
using bench::stats;
using Millis = std::chrono::duration<double, std::milli>;

namespace {

void line(const char *what, const std::vector<double> &v, const char *target) {
    if (v.empty()) return;
    bench::Stats s = stats(v);
    std::printf("  %-58s median %7.2f ms  p90 %7.2f ms  (%zu runs)  %s\n", what, s.median, s.p90,
                v.size(), target);
}

// Watches a daemon come up on the bus, over one connection made beforehand, every 100 µs:
// when its name is owned, and when it first answers a call (it serves). The two differ for a
// daemon that takes its name before it has finished starting: the bus then holds the call
// until the daemon's loop runs. The times are known to within a round trip (~0.1 ms).
class BusWatch {
  public:
    explicit BusWatch(const std::string &address)
        : conn_(sdbus::createSessionBusConnectionWithAddress(address)),
          bus_(sdbus::createProxy(*conn_, "org.freedesktop.DBus", "/org/freedesktop/DBus")) {}

    // Milliseconds from `t0` until `name` is owned; negative after `timeout`.
    double until_owned(const std::string &name, Clock::time_point t0,
                       std::chrono::milliseconds timeout) {
        while (Clock::now() - t0 < timeout) {
            bool has = false;
            bus_->callMethod("NameHasOwner")
                .onInterface("org.freedesktop.DBus")
                .withArguments(name)
                .storeResultsTo(has);
            if (has) return Millis(Clock::now() - t0).count();
            std::this_thread::sleep_for(100us);
        }
        return -1;
    }

    // Milliseconds from `t0` until `service` answers a read of the string property
    // `interface`.`property` on `path` with `value`; negative after `timeout`.
    double until_answers(const std::string &service, const std::string &path,
                         const std::string &interface, const std::string &property,
                         const std::string &value, Clock::time_point t0,
                         std::chrono::milliseconds timeout) {
        auto proxy = sdbus::createProxy(*conn_, service, path);
        while (Clock::now() - t0 < timeout) {
            try {
                sdbus::Variant got;
                proxy->callMethod("Get")
                    .onInterface("org.freedesktop.DBus.Properties")
                    .withArguments(interface, property)
                    .withTimeout(timeout)
                    .storeResultsTo(got);
                if (got.get<std::string>() == value) return Millis(Clock::now() - t0).count();
            } catch (const sdbus::Error &) {
                // Not on the bus yet.
            }
            std::this_thread::sleep_for(100us);
        }
        return -1;
    }

  private:
    std::unique_ptr<sdbus::IConnection> conn_;
    std::unique_ptr<sdbus::IProxy> bus_;
};

// Returns the median time to serving.
double rolewalld_starts(int n) {
    std::vector<double> ready, own, owned, serving;
    for (int i = 0; i < n; ++i) {
        Setup::Params p;
        p.catalog = source_dir() + "/catalog";
        p.config = read_file(source_dir() + "/etc/rolewall/rolewall.toml");
        p.start_daemon = false;
        p.notify = true;
        // The kernel tears the previous run's namespace down in the background; let it finish
        // so that it does not compete with this start.
        std::this_thread::sleep_for(300ms);
        Setup s(p);
        BusWatch watch(s.address());
        auto t0 = Clock::now();
        s.daemon.start();
        if (!s.notify->wait_for("READY=1", 10s))
            throw std::runtime_error("no READY=1:\n" + s.daemon.log());
        ready.push_back(Millis(Clock::now() - t0).count());
        owned.push_back(watch.until_owned(rolewall::bus::service_name, t0, 10s));
        double t = watch.until_answers(rolewall::bus::service_name, rolewall::bus::object_path,
                                       rolewall::bus::interface_name, "State", "running", t0, 10s);
        if (owned.back() < 0 || t < 0)
            throw std::runtime_error("rolewalld never served on the bus:\n" + s.daemon.log());
        serving.push_back(t);
        // "ruleset applied with 1 role enabled (...) in N ms": load + plan + apply.
        std::string log = s.daemon.log();
        if (auto at = log.find(") in "); at != std::string::npos)
            own.push_back(std::stod(log.substr(at + 5)));
    }
    std::printf("rolewalld, shipped config and catalog, table created (exec to ...):\n");
    line("READY=1 (the ruleset is in the kernel)", ready, "");
    line("  of which its own work: load + plan + apply (its log, 1 ms steps)", own, "<= 10 ms");
    line("its name owned on the bus (org.rolewall1)", owned, "");
    line("serving: the State property read back as \"running\"", serving, "");
    return stats(serving).median;
}

// firewalld as root in a new network namespace, on the private bus at `address`.
pid_t spawn_firewalld(const std::string &binary, const std::string &address,
                      const std::filesystem::path &log) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    testsupport::die_with_parent(parent);
    if (unshare(CLONE_NEWNET) != 0) _exit(120);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
    unsetenv("NOTIFY_SOCKET");
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(binary.c_str(), binary.c_str(), "--nofork", "--nopid", static_cast<char *>(nullptr));
    _exit(127);
}

// Returns the median time to serving.
double firewalld_starts(const std::string &binary, int n) {
    std::vector<double> owned, serving;
    for (int i = 0; i < n; ++i) {
        std::this_thread::sleep_for(300ms);
        TempDir dir;
        PrivateBus bus(dir.path(), false);
        // firewalld's own bus policy (root owns org.fedoraproject.FirewallD1) on top.
        std::string conf = read_file(dir.path() / "bus.conf");
        conf.insert(conf.rfind("</busconfig>"),
                    "  <include>/usr/share/dbus-1/system.d/FirewallD.conf</include>\n");
        std::ofstream(dir.path() / "bus.conf") << conf;
        bus.start();
        BusWatch watch(bus.address());
        auto t0 = Clock::now();
        pid_t pid = spawn_firewalld(binary, bus.address(), dir.path() / "firewalld.log");
        // firewalld takes its name first, then loads its config and builds its ruleset; its
        // loop answers once that is done, with the state property "RUNNING".
        double name = watch.until_owned("org.fedoraproject.FirewallD1", t0, 30s);
        double t =
            watch.until_answers("org.fedoraproject.FirewallD1", "/org/fedoraproject/FirewallD1",
                                "org.fedoraproject.FirewallD1", "state", "RUNNING", t0, 30s);
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
        if (name < 0 || t < 0)
            throw std::runtime_error("firewalld never served on the bus:\n" +
                                     read_file(dir.path() / "firewalld.log"));
        owned.push_back(name);
        serving.push_back(t);
    }
    std::printf("firewalld, its default config (exec to ...):\n");
    line("its name owned on the bus (org.fedoraproject.FirewallD1)", owned, "");
    line("serving: the state property read back as \"RUNNING\"", serving, "");
    return stats(serving).median;
}

} // namespace

int main(int argc, char **argv) {
    if (!have_root()) {
        std::fprintf(stderr, "start_bench needs root (setns into its namespace)\n");
        return 77;
    }
    bool quick = false;
    std::string firewalld = "/usr/sbin/firewalld";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        if (std::strcmp(argv[i], "--firewalld") == 0 && i + 1 < argc) firewalld = argv[++i];
    }
    try {
        double ours = rolewalld_starts(quick ? 5 : 30);
        if (access(firewalld.c_str(), X_OK) == 0) {
            double theirs = firewalld_starts(firewalld, quick ? 3 : 10);
            std::printf("serving on the bus, medians: rolewalld %.1fx faster than firewalld"
                        "  (target >= 20x)\n",
                        theirs / ours);
        } else
            std::printf("firewalld: %s is not installed: no comparison\n", firewalld.c_str());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "start_bench: %s\n", e.what());
        return 1;
    }
}
