// The host's listening TCP and UDP sockets, from the kernel's socket diagnostics (sock_diag
// over netlink, what `ss -ltun` reads), with the process that owns each one (from /proc).
#pragma once

#include "rolewall/error.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rolewall::ctl {

struct Listener {
    std::uint8_t protocol = 6; // IPPROTO_TCP or IPPROTO_UDP
    std::uint16_t port = 0;
    std::string address; // the bound address: "0.0.0.0", "::", "192.0.2.1"
    bool v6 = false;
    bool v6only = false;        // an IPv6 socket that does not take IPv4 too
    std::string interface;      // SO_BINDTODEVICE, "" when not bound to one
    std::uint32_t inode = 0;    // the socket's inode, to find its owner
    pid_t pid = 0;              // 0 when no process was found (another user's, without root)
    std::string process;        // its comm ("smbd"), "" when unknown
    bool loopback_only() const; // bound to 127.0.0.0/8 or ::1: not reachable from outside
};

// TCP sockets in LISTEN and unconnected UDP sockets, IPv4 and IPv6, of the calling thread's
// network namespace, sorted by protocol, port and address; owners looked up in /proc (all of
// them as root). Errc::io when the kernel cannot be asked.
Result<std::vector<Listener>> listening_sockets();

} // namespace rolewall::ctl
