#include "owner.hpp"

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace rolewall {

namespace {

constexpr int netlink_netfilter = 12; // NETLINK_NETFILTER

// The inode of the netfilter netlink socket with port id `port`, from /proc/net/netlink
// ("sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode").
std::optional<unsigned long> socket_inode(std::uint32_t port) {
    std::ifstream in("/proc/net/netlink");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string sk, groups;
        int protocol = -1;
        std::uint32_t portid = 0;
        unsigned long rmem, wmem, dump, locks, drops, inode = 0;
        if (!(fields >> sk >> protocol >> portid >> groups >> rmem >> wmem >> dump >> locks >>
              drops >> inode))
            continue;
        if (protocol == netlink_netfilter && portid == port) return inode;
    }
    return std::nullopt;
}

bool holds_socket(const std::string &pid, const std::string &link) {
    std::string dir = "/proc/" + pid + "/fd";
    DIR *fds = opendir(dir.c_str());
    if (!fds) return false;
    bool found = false;
    char target[64];
    while (dirent *fd = readdir(fds)) {
        std::string path = dir + "/" + fd->d_name;
        ssize_t n = readlink(path.c_str(), target, sizeof target);
        if (n > 0 && std::string(target, static_cast<std::size_t>(n)) == link) {
            found = true;
            break;
        }
    }
    closedir(fds);
    return found;
}

} // namespace

std::optional<ProcessName> netlink_owner(std::uint32_t port) {
    auto inode = socket_inode(port);
    if (!inode) return std::nullopt;
    std::string link = "socket:[" + std::to_string(*inode) + "]";
    DIR *proc = opendir("/proc");
    if (!proc) return std::nullopt;
    std::optional<ProcessName> out;
    while (dirent *p = readdir(proc)) {
        std::string pid = p->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (!holds_socket(pid, link)) continue;
        ProcessName name{static_cast<pid_t>(std::stol(pid)), {}};
        std::ifstream comm("/proc/" + pid + "/comm");
        std::getline(comm, name.command);
        out = name;
        break;
    }
    closedir(proc);
    return out;
}

std::string describe_netlink_owner(std::uint32_t port) {
    auto owner = netlink_owner(port);
    if (!owner) return "another process (netlink port " + std::to_string(port) + ")";
    std::string pid = "(pid " + std::to_string(owner->pid) + ")";
    if (owner->command == "rolewalld") return "another rolewalld " + pid;
    if (owner->command.empty()) return "another process " + pid;
    return "another process, " + owner->command + " " + pid;
}

} // namespace rolewall
