#include "traffic.hpp"

#include "testns.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace testns {

namespace {

struct Addr {
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = AF_INET;
};

Addr make_addr(const std::string &text, std::uint16_t port) {
    Addr a;
    if (text.find(':') != std::string::npos) {
        auto *s6 = reinterpret_cast<sockaddr_in6 *>(&a.ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        inet_pton(AF_INET6, text.c_str(), &s6->sin6_addr);
        a.len = sizeof *s6;
        a.family = AF_INET6;
    } else {
        auto *s4 = reinterpret_cast<sockaddr_in *>(&a.ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        inet_pton(AF_INET, text.c_str(), &s4->sin_addr);
        a.len = sizeof *s4;
    }
    return a;
}

bool wait_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & events);
}

// A socket created in namespace `ns`.
int socket_in(const std::string &ns, int family, int type, int proto) {
    InNetns in(ns);
    return socket(family, type | SOCK_CLOEXEC, proto);
}

int bound_socket(int family, int type, int proto, std::uint16_t port) {
    int fd = socket(family, type | SOCK_CLOEXEC, proto);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (type == SOCK_RAW) return fd;
    Addr any = make_addr(family == AF_INET6 ? "::" : "0.0.0.0", port);
    if (bind(fd, reinterpret_cast<sockaddr *>(&any.ss), any.len) != 0) {
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM) listen(fd, 64);
    return fd;
}

// The hosts of earlier runs that were killed before their destructor ran (rw-gw-<pid> and the
// others, where <pid> no longer lives): removed, so that they do not pile up in `ip netns`.
void sweep_dead_hosts() {
    static const std::regex name_pattern("rw-(gw|lan|wan)-([0-9]{1,9})");
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator("/run/netns", ec)) {
        std::string name = entry.path().filename().string();
        std::smatch m;
        if (!std::regex_match(name, m, name_pattern)) continue;
        if (kill(static_cast<pid_t>(std::stol(m[2].str())), 0) == 0 || errno != ESRCH) continue;
        run({"ip", "netns", "del", name});
    }
}

} // namespace

InNetns::InNetns(const std::string &name) {
    back_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        setns(fd, CLONE_NEWNET);
        close(fd);
    }
}

InNetns::~InNetns() {
    if (back_ < 0) return;
    setns(back_, CLONE_NEWNET);
    close(back_);
}

Hosts::Hosts() {
    sweep_dead_hosts();
    std::string pid = std::to_string(getpid());
    gw = "rw-gw-" + pid;
    lan = "rw-lan-" + pid;
    wan = "rw-wan-" + pid;
    const std::vector<std::vector<std::string>> steps = {
        {"netns", "add", gw},
        {"netns", "add", lan},
        {"netns", "add", wan},
        {"-n", gw, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan},
        {"-n", gw, "link", "add", "wan0", "type", "veth", "peer", "name", "eth0", "netns", wan},
        {"-n", gw, "addr", "add", "192.0.2.1/24", "dev", "lan0"},
        {"-n", gw, "addr", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad"},
        {"-n", gw, "addr", "add", "198.51.100.1/24", "dev", "wan0"},
        {"-n", gw, "addr", "add", "2001:db8:2::1/64", "dev", "wan0", "nodad"},
        {"-n", lan, "addr", "add", "192.0.2.2/24", "dev", "eth0"},
        {"-n", lan, "addr", "add", "2001:db8:1::2/64", "dev", "eth0", "nodad"},
        {"-n", wan, "addr", "add", "198.51.100.2/24", "dev", "eth0"},
        {"-n", wan, "addr", "add", "2001:db8:2::2/64", "dev", "eth0", "nodad"},
        {"-n", gw, "link", "set", "lan0", "up"},
        {"-n", gw, "link", "set", "wan0", "up"},
        {"-n", lan, "link", "set", "eth0", "up"},
        {"-n", wan, "link", "set", "eth0", "up"},
        {"-n", gw, "link", "set", "lo", "up"},
    };
    for (const auto &step : steps) {
        std::vector<std::string> argv{"ip"};
        argv.insert(argv.end(), step.begin(), step.end());
        Run r = run(argv);
        if (r.status != 0) {
            error_ = "ip";
            for (const auto &a : step)
                error_ += " " + a;
            error_ += ": " + r.out;
            return;
        }
    }
    ok_ = true;
}

Hosts::~Hosts() {
    for (const std::string &ns : {gw, lan, wan})
        run({"ip", "netns", "del", ns});
}

std::string Hosts::gw_address(const std::string &client, bool v6) const {
    if (client == lan) return v6 ? "2001:db8:1::1" : "192.0.2.1";
    return v6 ? "2001:db8:2::1" : "198.51.100.1";
}

Servers::Servers(const std::vector<std::uint16_t> &tcp, const std::vector<std::uint16_t> &udp,
                 const std::vector<std::uint8_t> &raw) {
    for (int family : {AF_INET, AF_INET6}) {
        bool v6 = family == AF_INET6;
        for (auto port : tcp)
            sockets_.push_back({bound_socket(family, SOCK_STREAM, 0, port), 0, 0, v6});
        for (auto port : udp)
            sockets_.push_back({bound_socket(family, SOCK_DGRAM, 0, port), 1, 0, v6});
        for (auto proto : raw)
            sockets_.push_back({bound_socket(family, SOCK_RAW, proto, 0), 2, proto, v6});
    }
    if (pipe2(stop_, O_CLOEXEC) == 0) thread_ = std::thread([this] { serve(); });
}

Servers::~Servers() {
    if (stop_[1] >= 0 && write(stop_[1], "x", 1) < 0) {
    }
    if (thread_.joinable()) thread_.join();
    for (const auto &s : sockets_)
        close(s.fd);
    close(stop_[0]);
    close(stop_[1]);
}

unsigned Servers::raw_received(std::uint8_t proto, bool v6) const {
    return raw_counts_[proto][v6 ? 1 : 0].load();
}

void Servers::serve() {
    std::vector<pollfd> fds{{stop_[0], POLLIN, 0}};
    for (const auto &s : sockets_)
        fds.push_back({s.fd, POLLIN, 0});
    char buf[2048];
    while (poll(fds.data(), fds.size(), -1) >= 0 && !(fds[0].revents & POLLIN)) {
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            const Socket &s = sockets_[i - 1];
            if (s.kind == 0) {
                int c = accept4(s.fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) close(c);
                continue;
            }
            sockaddr_storage from{};
            socklen_t len = sizeof from;
            ssize_t n =
                recvfrom(s.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &len);
            if (n < 0) continue;
            if (s.kind == 1)
                sendto(s.fd, buf, static_cast<std::size_t>(n), 0,
                       reinterpret_cast<sockaddr *>(&from), len);
            else
                ++raw_counts_[s.proto][s.v6 ? 1 : 0];
        }
    }
}

bool tcp_connects(const std::string &ns, const std::string &address, std::uint16_t port,
                  int timeout_ms) {
    Addr to = make_addr(address, port);
    int fd = socket_in(ns, to.family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    bool ok = false;
    if (connect(fd, reinterpret_cast<sockaddr *>(&to.ss), to.len) == 0) {
        ok = true;
    } else if (errno == EINPROGRESS && wait_for(fd, POLLOUT, timeout_ms)) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        ok = err == 0;
    }
    close(fd);
    return ok;
}

bool udp_echoes(const std::string &ns, const std::string &address, std::uint16_t port,
                int timeout_ms) {
    Addr to = make_addr(address, port);
    int fd = socket_in(ns, to.family, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    const char ping[] = "rolewall";
    bool ok = sendto(fd, ping, sizeof ping, 0, reinterpret_cast<sockaddr *>(&to.ss), to.len) > 0 &&
              wait_for(fd, POLLIN, timeout_ms);
    char buf[64];
    ok = ok && recv(fd, buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof ping);
    close(fd);
    return ok;
}

bool raw_arrives(const std::string &ns, const std::string &address, std::uint8_t proto,
                 const Servers &servers, int timeout_ms) {
    Addr to = make_addr(address, 0);
    bool v6 = to.family == AF_INET6;
    unsigned before = servers.raw_received(proto, v6);
    int fd = socket_in(ns, to.family, SOCK_RAW, proto);
    if (fd < 0) return false;
    const char payload[] = "rolewall";
    sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr *>(&to.ss), to.len);
    close(fd);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (servers.raw_received(proto, v6) != before) return true;
        usleep(5000);
    }
    return false;
}

} // namespace testns
