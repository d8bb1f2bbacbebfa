// rolewalld under big calls: the memory a role with 100,000 sources costs and gives back, and
// how long other clients wait while a call at the cap (65,536 sources) is applied. A private
// dbus-daemon and the real daemon in a namespace of its own, as in tests/bus; needs root.
//
//   build/bench/big_call_bench [--quick] [--only memory|latency]
//
// Prints the figures next to their targets (docs/PERFORMANCE.md).
#include "harness.hpp"
#include "stats.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace bustest;
using Millis = std::chrono::duration<double, std::milli>;

namespace {

struct Memory {
    long rss_kib = -1; // VmRSS
    long hwm_kib = -1; // VmHWM: the peak
};

Memory memory_of(pid_t pid) {
    Memory m;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("VmRSS:", 0) == 0) m.rss_kib = std::stol(l.substr(6));
        if (l.rfind("VmHWM:", 0) == 0) m.hwm_kib = std::stol(l.substr(6));
    }
    return m;
}

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

// n distinct networks: IPv4 /32s from 10.0.0.0 on, every fourth an IPv6 /128 instead, so that
// both sets are big.
std::vector<std::string> sources(std::size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        char buf[64];
        if (i % 4 == 3)
            std::snprintf(buf, sizeof buf, "2001:db8:%zx:%zx::1/128", i >> 16, i & 0xffff);
        else
            std::snprintf(buf, sizeof buf, "10.%zu.%zu.%zu/32", i >> 16 & 0xff, i >> 8 & 0xff,
                          i & 0xff);
        out.push_back(buf);
    }
    return out;
}

Setup::Params shipped() {
    Setup::Params p;
    p.catalog = source_dir() + "/catalog";
    // 100,000 sources are above the default cap (65,536): the memory case raises it.
    p.config = "[firewall]\nmax_sources_per_role = 100000\n\n[roles.ssh]\n";
    return p;
}

// Lets the daemon settle, then reads its memory.
Memory settled(Setup &s) {
    for (int i = 0; i < 20; ++i)
        s.client().ListEnabled();
    std::this_thread::sleep_for(200ms);
    return memory_of(s.daemon.pid());
}

void line(const char *what, double value, const char *unit, const std::string &target) {
    std::printf("  %-62s %9.1f %s   target %s\n", what, value, unit, target.c_str());
}

void memory(std::size_t n, bool persistent) {
    Setup s(shipped());
    Memory base = settled(s);
    auto many = sources(n);
    Options options{{"sources", sdbus::Variant(many)}};
    if (!persistent) options["runtime"] = sdbus::Variant(true);
    auto t0 = Clock::now();
    s.client().EnableRole("web-server", options);
    double took = Millis(Clock::now() - t0).count();
    many.clear();
    many.shrink_to_fit();
    Memory held = settled(s);
    Memory restarted;
    if (persistent) { // the state file holds them: a restart reads them back
        s.restart();
        restarted = settled(s);
    }
    s.client().DisableRole("web-server",
                           persistent ? Options{} : Options{{"runtime", sdbus::Variant(true)}});
    Memory after = settled(s);
    std::printf("A role with %zu sources (%s):\n", n,
                persistent ? "persistent: state.toml holds them" : "runtime");
    line("EnableRole round trip", took, "ms", "-");
    line("VmRSS before", mib(base.rss_kib), "MiB", "-");
    line("VmRSS while the role holds them (minus before)", mib(held.rss_kib - base.rss_kib), "MiB",
         "<= 40 MiB");
    line("VmHWM, the peak during the call (minus VmRSS before)", mib(held.hwm_kib - base.rss_kib),
         "MiB", "-");
    if (persistent)
        line("VmRSS after a restart that reads them back (minus before)",
             mib(restarted.rss_kib - base.rss_kib), "MiB", "<= 40 MiB");
    line("VmRSS after the role is disabled (minus before)", mib(after.rss_kib - base.rss_kib),
         "MiB", "<= 8 MiB");
}

// One client sends a call at the cap while another reads in a loop: how long does a read wait?
void latency(std::size_t n, int rounds) {
    Setup s(shipped());
    Client &reader = s.client();
    std::vector<double> waits, calls;
    for (int r = 0; r < rounds; ++r) {
        auto many = sources(n);
        if (r % 2) many[0] = "10.255.255.254/32"; // another scope each time: a real change
        pid_t pid = fork();
        if (pid == 0) {
            try {
                Client big(s.address());
                big.connection().setMethodCallTimeout(60s);
                big.EnableRole("web-server", {{"sources", sdbus::Variant(many)},
                                              {"runtime", sdbus::Variant(true)}});
            } catch (...) {
                _exit(1);
            }
            _exit(0);
        }
        auto t0 = Clock::now();
        int status = 0;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            auto r0 = Clock::now();
            reader.ListEnabled();
            waits.push_back(Millis(Clock::now() - r0).count());
            std::this_thread::sleep_for(2ms);
        }
        calls.push_back(Millis(Clock::now() - t0).count());
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error("the big EnableRole failed:\n" + s.daemon.log());
    }
    bench::Stats wait = bench::stats(waits), call = bench::stats(calls);
    std::printf("Reads while another client's EnableRole of %zu sources is applied (%d calls, "
                "%zu reads):\n",
                n, rounds, waits.size());
    line("the big call, from the client's fork to its exit (median)", call.median, "ms", "-");
    line("ListEnabled from another client, median", wait.median, "ms", "-");
    line("ListEnabled from another client, worst", wait.max, "ms", "<= 250 ms");
}

} // namespace

int main(int argc, char **argv) {
    if (!have_root()) {
        std::fprintf(stderr, "big_call_bench needs root (setns into its namespace)\n");
        return 77;
    }
    bool quick = false;
    std::string only; // "memory" or "latency": one half alone (for a profiler)
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
    }
    try {
        if (only != "latency") {
            memory(100000, false);
            memory(100000, true);
        }
        if (only != "memory") latency(65536, quick ? 3 : 10);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "big_call_bench: %s\n", e.what());
        return 1;
    }
}
