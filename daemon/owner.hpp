// Who holds something rolewalld wanted: the process behind a netlink socket (the live owner of
// table inet rolewall), for messages that name it instead of "Operation not permitted".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace rolewall {

struct ProcessName {
    pid_t pid = 0;
    std::string command; // /proc/PID/comm, "" when unreadable
};

// The process holding the netfilter netlink socket with port id `port` in this network
// namespace: /proc/net/netlink gives the socket's inode, /proc/PID/fd the process holding it.
// nullopt when none is found (it exited, or /proc is not readable).
std::optional<ProcessName> netlink_owner(std::uint32_t port);

// "another rolewalld (pid 1234)", "another process, nft (pid 99)", or "another process
// (netlink port 5)" when its process cannot be found.
std::string describe_netlink_owner(std::uint32_t port);

} // namespace rolewall
