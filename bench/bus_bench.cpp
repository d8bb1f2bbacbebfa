// rolewalld and its D-Bus API, measured end to end: a private dbus-daemon, the real daemon in a
// user + network namespace of its own, the real catalog. Needs root (like tests/bus).
//
//   build-bus/bench/bus_bench [--quick]
//
// Prints one line per measurement with the median (and p90 where it is a distribution), and
// the targets from issue 4.
#include "harness.hpp"
#include "stats.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char **environ;

using namespace bustest;
using bench::Stats;
using bench::stats;
using Micros = std::chrono::duration<double, std::micro>;

namespace {

template <typename F> double time_us(F &&f) {
    auto t0 = Clock::now();
    f();
    return Micros(Clock::now() - t0).count();
}

void line(const char *what, Stats s, const char *unit, const char *target) {
    std::printf("%-58s median %8.1f %s  p90 %8.1f %s   target %s\n", what, s.median, unit, s.p90,
                unit, target);
}

std::string all_roles_config(const std::string &catalog) {
    std::string out;
    for (const auto &e : std::filesystem::directory_iterator(catalog + "/roles"))
        out += "[roles." + e.path().stem().string() + "]\n";
    return out;
}

long vm_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string l; std::getline(in, l);)
        if (l.rfind("VmRSS:", 0) == 0) return std::stol(l.substr(6));
    return -1;
}

// posix_spawn + wait: what a shell does to run rolewallctl, without the shell.
double spawn_us(const std::vector<std::string> &argv) {
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int status = 0;
    auto t0 = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return -1;
    waitpid(pid, &status, 0);
    double us = Micros(Clock::now() - t0).count();
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "rolewallctl failed (status %d)\n", status);
        return -1;
    }
    return us;
}

// The shipped catalog, ssh enabled by the config.
Setup::Params shipped_catalog_ssh() {
    Setup::Params p;
    p.catalog = source_dir() + "/catalog";
    p.config = "[roles.ssh]\n";
    return p;
}

void round_trips(int n) {
    Setup s(shipped_catalog_ssh());
    Client &c = s.client();
    Options runtime{{"runtime", sdbus::Variant(true)}};
    std::vector<double> read, toggle_rt, toggle_saved, noop;
    for (int i = 0; i < 50; ++i)
        c.EnableRole("dns-server", runtime), c.DisableRole("dns-server", runtime);
    for (int i = 0; i < n; ++i) {
        read.push_back(time_us([&] { c.ListEnabled(); }));
        toggle_rt.push_back(time_us([&] { c.EnableRole("dns-server", runtime); }));
        noop.push_back(time_us([&] { c.EnableRole("dns-server", runtime); }));
        c.DisableRole("dns-server", runtime);
    }
    for (int i = 0; i < n / 4; ++i) {
        toggle_saved.push_back(time_us([&] { c.EnableRole("dns-server", {}); }));
        c.DisableRole("dns-server", {});
    }
    std::printf("D-Bus round trips (in-process sdbus-c++ client, root caller, %d calls):\n", n);
    line("  ListEnabled (read, no change)", stats(read), "us", "-");
    line("  EnableRole runtime, role already enabled (no change)", stats(noop), "us", "-");
    line("  EnableRole runtime (kernel transaction)", stats(toggle_rt), "us", "<= 500 us");
    line("  EnableRole persistent (kernel + state.toml fsync)", stats(toggle_saved), "us", "-");

    std::vector<double> ctl, version, truth, status;
    setenv("DBUS_SYSTEM_BUS_ADDRESS", s.address().c_str(), 1);
    for (int i = 0; i < n / 10; ++i) {
        truth.push_back(spawn_us({"/bin/true"}));
        version.push_back(spawn_us({ROLEWALLCTL, "--version"}));
        status.push_back(spawn_us({ROLEWALLCTL, "status"}));
        ctl.push_back(spawn_us({ROLEWALLCTL, "enable", "dns-server", "--runtime"}));
        c.DisableRole("dns-server", runtime);
    }
    std::printf("Processes (posix_spawn to exit, %d runs each):\n", n / 10);
    line("  /bin/true (what starting any process costs here)", stats(truth), "us", "-");
    line("  rolewallctl --version (start, dynamic linking, exit)", stats(version), "us", "-");
    line("  rolewallctl status (+ bus connection, one read call)", stats(status), "us", "-");
    line("  rolewallctl enable ROLE --runtime", stats(ctl), "us", "<= 5000 us");
}

// The same toggle while another role holds 30,000 sources (enabled over the bus first, as in
// tests/bus): a change rebuilds and compares only the toggled role's sets.
void big_scope_round_trips(int n) {
    Setup s(shipped_catalog_ssh());
    Client &c = s.client();
    std::vector<std::string> many;
    for (int i = 0; i < 30000; ++i)
        many.push_back("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                       "." + std::to_string(i % 256) + "/32");
    Options runtime{{"runtime", sdbus::Variant(true)}};
    c.EnableRole("ssh", {{"sources", sdbus::Variant(many)}, {"runtime", sdbus::Variant(true)}});
    std::vector<double> toggle;
    for (int i = 0; i < 50; ++i)
        c.EnableRole("dns-server", runtime), c.DisableRole("dns-server", runtime);
    for (int i = 0; i < n; ++i) {
        toggle.push_back(time_us([&] { c.EnableRole("dns-server", runtime); }));
        c.DisableRole("dns-server", runtime);
    }
    std::printf("A toggle while another role holds 30,000 sources (%d calls):\n", n);
    line("  EnableRole runtime (kernel transaction)", stats(toggle), "us", "-");
}

void cold_starts(int n) {
    std::string catalog = source_dir() + "/catalog";
    std::vector<double> starts, restarts, inside;
    long rss = -1, rss_idle = -1;
    std::size_t roles = 0;
    for (int i = 0; i < n; ++i) {
        Setup::Params p;
        p.catalog = catalog;
        p.config = all_roles_config(catalog);
        p.start_daemon = false;
        p.notify = true;
        // The kernel tears the previous run's namespace down in the background; let it finish
        // so that it does not compete with this start.
        std::this_thread::sleep_for(300ms);
        Setup s(p); // a fresh namespace: no table yet
        auto t0 = Clock::now();
        s.daemon.start();
        if (!s.notify->wait_for("READY=1", 10s))
            throw std::runtime_error("no READY=1:\n" + s.daemon.log());
        starts.push_back(Micros(Clock::now() - t0).count());
        // The daemon's own account: "ruleset applied ... in N ms" (load + plan + apply).
        std::string log = s.daemon.log();
        if (auto at = log.find(") in "); at != std::string::npos)
            inside.push_back(1000.0 * std::stod(log.substr(at + 5)));
        if (i == 0) {
            wait_for_daemon(s.address());
            roles = s.client().EnabledRoles().size();
            rss_idle = vm_rss_kib(s.daemon.pid());
            for (int k = 0; k < 200; ++k)
                s.client().ListRoles(), s.client().GetRole("ad-dc");
            rss = vm_rss_kib(s.daemon.pid());
            // Restarts: the table from the previous run is in the kernel already.
            for (int k = 0; k < n; ++k) {
                s.daemon.stop(SIGTERM);
                auto r0 = Clock::now();
                s.daemon.start();
                if (!s.notify->wait_for("READY=1", 10s))
                    throw std::runtime_error("no READY=1 on restart");
                restarts.push_back(Micros(Clock::now() - r0).count());
            }
        }
    }
    std::printf("Start, %zu roles enabled (exec to READY=1, %d runs):\n", roles, n);
    line("  cold: fresh namespace, the table is created", stats(starts), "us", "<= 20000 us");
    if (!inside.empty())
        line("    of which load + plan + apply (rolewalld's log, ms resolution)", stats(inside),
             "us", "-");
    line("  restart: the table is in the kernel already", stats(restarts), "us", "-");
    std::printf("Resident memory with the whole catalog enabled:\n");
    std::printf("  VmRSS after start %ld KiB, after 400 read calls %ld KiB                target "
                "<= 8192 KiB\n",
                rss_idle, rss);
}

} // namespace

int main(int argc, char **argv) {
    if (!have_root()) {
        std::fprintf(stderr, "bus_bench needs root (setns into its namespace)\n");
        return 77;
    }
    bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    try {
        round_trips(quick ? 200 : 2000);
        big_scope_round_trips(quick ? 200 : 2000);
        cold_starts(quick ? 5 : 30);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bus_bench: %s\n", e.what());
        return 1;
    }
}
