// rolewalld under a flood to closed ports: the policy's log rule lets the kernel send at most
// 50 copies a second (limit rate 50/second burst 50), so the daemon's CPU must not grow with
// the flood. A client namespace sends UDP to closed ports of the gateway, where the real
// rolewalld runs with the shipped catalog, at a paced rate (default 100,000 packets/s) for a
// few seconds, with log_drops on and then off; rolewalld's CPU (utime + stime from
// /proc/PID/stat) is measured over the flood. Needs root (named network namespaces).
//
//   build/bench/drops_bench [packets_per_second] [seconds]
//   build/bench/drops_bench --list [calls]     ListDrops' work with a full table (no root)
#include "harness.hpp"
#include "rolewall/catalog.hpp"
#include "rolewall/drops.hpp"
#include "rolewall/ruleset.hpp"
#include "rolewall/verdict.hpp"
#include "stats.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace bustest;
using namespace rolewall;

namespace {

const std::string gw = "rwdb-gw-" + std::to_string(getpid());
const std::string client = "rwdb-c-" + std::to_string(getpid());

void ip(const std::vector<std::string> &args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    Run r = run(argv);
    if (r.status != 0) throw std::runtime_error("ip failed: " + r.err);
}

struct Namespaces {
    Namespaces() {
        ip({"netns", "add", gw});
        ip({"netns", "add", client});
        ip({"-n", gw, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns",
            client});
        ip({"-n", gw, "addr", "add", "192.0.2.1/24", "dev", "lan0"});
        ip({"-n", client, "addr", "add", "192.0.2.2/24", "dev", "eth0"});
        for (const auto &ns : {gw, client}) {
            ip({"-n", ns, "link", "set", "lo", "up"});
            ip({"-n", ns, "link", "set", ns == gw ? "lan0" : "eth0", "up"});
        }
    }
    ~Namespaces() {
        run({"ip", "netns", "del", gw});
        run({"ip", "netns", "del", client});
    }
};

double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string f;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14) utime = std::stoul(f);
        if (i == 15) stime = std::stoul(f);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// UDP to ports 20000-20999 of the gateway from the client namespace, paced in batches of 100
// every 1/(rate/100) s. Returns the packets sent.
std::uint64_t flood(unsigned rate, unsigned seconds) {
    std::uint64_t sent = 0;
    std::thread t([&] {
        int fd = open(("/run/netns/" + client).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
        close(fd);
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);
        char payload[16] = {};
        const unsigned batch = 100;
        auto period = std::chrono::nanoseconds(1000000000ull * batch / rate);
        auto next = std::chrono::steady_clock::now(), end = next + std::chrono::seconds(seconds);
        while (next < end) {
            for (unsigned i = 0; i < batch; ++i) {
                to.sin_port = htons(static_cast<std::uint16_t>(20000 + (sent % 1000)));
                if (sendto(s, payload, sizeof payload, MSG_DONTWAIT,
                           reinterpret_cast<sockaddr *>(&to), sizeof to) > 0)
                    ++sent;
            }
            next += period;
            std::this_thread::sleep_until(next);
        }
        close(s);
    });
    t.join();
    return sent;
}

void measure(const char *what, const std::string &config, unsigned rate, unsigned seconds) {
    Setup::Params p;
    p.config = config;
    p.catalog = source_dir() + "/catalog";
    p.start_daemon = false;
    Setup s(p);
    s.daemon.options().netns_name = gw;
    s.daemon.start();
    if (!wait_for_daemon(s.address())) throw std::runtime_error("no rolewalld");
    double idle0 = cpu_seconds(s.daemon.pid());
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    double idle = cpu_seconds(s.daemon.pid()) - idle0;
    double cpu0 = cpu_seconds(s.daemon.pid());
    auto t0 = Clock::now();
    std::uint64_t sent = flood(rate, seconds);
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the last flush
    double cpu = cpu_seconds(s.daemon.pid()) - cpu0;
    std::size_t keys = s.client().ListDrops({}).size();
    std::printf("%-14s flood %9.0f packets/s for %.1f s: rolewalld CPU %5.2f %% of a core "
                "(idle %5.2f %%), %zu drop keys\n",
                what, static_cast<double>(sent) / wall, wall, 100.0 * cpu / wall,
                100.0 * idle / seconds, keys);
}

// What ListDrops computes per call with a full table: the 4,096 keys, each explained with the
// catalog (services and roles using the port, which of them would accept it), on the shipped
// catalog. Keys on ports the catalog uses (the dearest case: several roles
// per key), from 4,096 sources, scopes as `enable ROLE` gives them with no config entry. No
// root, no daemon: the core functions list_drops() calls.
void list_cost(unsigned calls) {
    auto catalog = Catalog::load(source_dir() + "/catalog");
    if (!catalog) throw std::runtime_error(catalog.error().message);
    RangeValues ranges = default_range_values();
    const std::uint16_t ports[] = {445, 139, 135, 80,  443,  88,   389, 53,  3389, 21,   25,
                                   110, 143, 161, 514, 1433, 5985, 123, 137, 636,  3268, 8080};
    DropTable table;
    for (std::uint32_t i = 0; table.size() < drop_table_size; ++i) {
        DropKey k;
        k.interface = "lan0";
        k.protocol = i % 3 ? ipproto_tcp : ipproto_udp;
        k.port = ports[i % std::size(ports)];
        k.source = *Cidr::parse("10." + std::to_string(i >> 16 & 255) + "." +
                                std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255));
        table.record(k, 1000000u + i);
    }
    ScopeOf any = [](const std::string &) { return Scope{}; };
    std::vector<double> ms;
    std::size_t roles = 0;
    for (unsigned c = 0; c < calls; ++c) {
        auto t0 = Clock::now();
        DropExplainer explainer(*catalog, ranges, any); // one per call, as ListDrops makes it
        for (const DropEntry &e : table.list())
            roles += explainer.explain(e.key).roles.size();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    bench::Stats took = bench::stats(ms);
    std::printf("ListDrops' work with %zu keys: median %.1f ms, max %.1f ms over %u calls "
                "(%.1f roles per key)\n",
                table.size(), took.median, took.max, calls,
                static_cast<double>(roles) / calls / static_cast<double>(table.size()));
}

int run_bench(int argc, char **argv) {
    if (argc > 1 && std::string(argv[1]) == "--list") {
        list_cost(argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 5);
        return 0;
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "drops_bench: needs root (network namespaces)\n");
        return 77;
    }
    unsigned rate = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 100000;
    unsigned seconds = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 5;
    Namespaces ns;
    measure("log_drops on", "[roles.ssh]\n", rate, seconds);
    measure("log_drops off", "[firewall]\nlog_drops = false\n\n[roles.ssh]\n", rate, seconds);
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        return run_bench(argc, argv);
    } catch (const std::exception &e) { // a failed step (ip, the daemon, a bad argument)
        std::fprintf(stderr, "drops_bench: %s\n", e.what());
        return 1;
    }
}
