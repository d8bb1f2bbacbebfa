#include "listeners.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <map>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <tuple>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

// TCP states (include/net/tcp_states.h): LISTEN for TCP; CLOSE is what an unconnected UDP
// socket reports (ss -lu).
constexpr int tcp_listen = 10, tcp_close = 7;
// Large enough for many inet_diag messages per read (each is about 100 bytes).
constexpr std::size_t read_buffer = 32768;

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

std::string address_text(int family, const std::uint32_t *addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, addr, buf, sizeof buf);
    return buf;
}

Listener from_message(const inet_diag_msg *m, int family, std::uint8_t protocol, int len) {
    Listener l;
    l.protocol = protocol;
    l.port = ntohs(m->id.idiag_sport);
    l.v6 = family == AF_INET6;
    l.address = address_text(family, m->id.idiag_src);
    l.inode = m->idiag_inode;
    if (m->id.idiag_if != 0) {
        char name[IF_NAMESIZE] = {};
        if (if_indextoname(m->id.idiag_if, name)) l.interface = name;
    }
    int rest = len - static_cast<int>(NLMSG_LENGTH(sizeof *m));
    for (auto *a = reinterpret_cast<const rtattr *>(m + 1); RTA_OK(a, rest); a = RTA_NEXT(a, rest))
        if (a->rta_type == INET_DIAG_SKV6ONLY)
            l.v6only = *static_cast<const std::uint8_t *>(RTA_DATA(a)) != 0;
    return l;
}

// One dump request for a family and protocol; appends what the kernel answers.
Status dump(int family, std::uint8_t protocol, std::vector<Listener> &out) {
    Fd s{socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
    if (s.fd < 0) return make_error(Errc::io, std::string("sock_diag: ") + std::strerror(errno));
    struct {
        nlmsghdr h;
        inet_diag_req_v2 r;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = static_cast<std::uint8_t>(family);
    req.r.sdiag_protocol = protocol;
    req.r.idiag_states = 1u << (protocol == IPPROTO_TCP ? tcp_listen : tcp_close);
    // The kernel adds INET_DIAG_SKV6ONLY to every AF_INET6 answer without being asked.
    if (send(s.fd, &req, sizeof req, 0) < 0)
        return make_error(Errc::io, std::string("sock_diag: ") + std::strerror(errno));
    std::vector<char> buf(read_buffer);
    for (;;) {
        ssize_t n = recv(s.fd, buf.data(), buf.size(), 0);
        if (n < 0) return make_error(Errc::io, std::string("sock_diag: ") + std::strerror(errno));
        int len = static_cast<int>(n);
        for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data()); NLMSG_OK(h, len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return Ok{};
            if (h->nlmsg_type == NLMSG_ERROR) {
                auto *e = static_cast<nlmsgerr *>(NLMSG_DATA(h));
                return make_error(Errc::io, std::string("sock_diag: ") + std::strerror(-e->error));
            }
            auto *m = static_cast<const inet_diag_msg *>(NLMSG_DATA(h));
            out.push_back(from_message(m, family, protocol, static_cast<int>(h->nlmsg_len)));
        }
    }
}

std::string read_line(const std::string &path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

// inode -> pid, from the "socket:[INODE]" links in /proc/PID/fd.
std::map<std::uint32_t, pid_t> socket_owners() {
    std::map<std::uint32_t, pid_t> out;
    DIR *proc = opendir("/proc");
    if (!proc) return out;
    while (dirent *p = readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(p->d_name));
        if (pid <= 0) continue;
        std::string dir = std::string("/proc/") + p->d_name + "/fd";
        DIR *fds = opendir(dir.c_str());
        if (!fds) continue;
        while (dirent *f = readdir(fds)) {
            char target[64] = {};
            std::string link = dir + "/" + f->d_name;
            ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
            unsigned long inode = 0;
            if (n > 0 && std::sscanf(target, "socket:[%lu]", &inode) == 1)
                out.emplace(static_cast<std::uint32_t>(inode), pid);
        }
        closedir(fds);
    }
    closedir(proc);
    return out;
}

} // namespace

bool Listener::loopback_only() const {
    if (v6) return address == "::1";
    return address.rfind("127.", 0) == 0;
}

Result<std::vector<Listener>> listening_sockets() {
    std::vector<Listener> out;
    for (int family : {AF_INET, AF_INET6})
        for (std::uint8_t protocol : {std::uint8_t(IPPROTO_TCP), std::uint8_t(IPPROTO_UDP)})
            if (auto st = dump(family, protocol, out); !st) return st.error();
    auto owners = socket_owners();
    for (Listener &l : out) {
        auto it = owners.find(l.inode);
        if (it == owners.end()) continue;
        l.pid = it->second;
        l.process = read_line("/proc/" + std::to_string(l.pid) + "/comm");
    }
    std::sort(out.begin(), out.end(), [](const Listener &a, const Listener &b) {
        return std::tie(a.protocol, a.port, a.v6, a.address) <
               std::tie(b.protocol, b.port, b.v6, b.address);
    });
    return out;
}

} // namespace rolewall::ctl
