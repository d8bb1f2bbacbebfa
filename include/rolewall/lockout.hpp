// The lock-out guard: a change that would drop a new SSH connection like the caller's own is
// refused, unless forced or made with confirm (then it goes through with a warning).
//
// rolewallctl sends its SSH_CONNECTION ("CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT", as sshd
// sets it) with every change; under sudo, which drops it, it is looked up in the ancestors'
// environments (find_ssh_connection). The daemon locates the connection in its own network
// namespace (locate): the input interface is the one of the route back to the client. It then
// asks the packet evaluator (verdict.hpp) about the first packet of a new TCP connection from
// the client to the server port on that interface, in the layout before and after the change:
// accepted before and not after is a lock-out.
//
// No check is made when there is no SSH_CONNECTION, when the server address is not an
// address of the daemon's host (the session does not end here), or when there is no route back
// to the client. A client on the host itself arrives on "lo", which is always accepted. IPv6
// works the same way; an IPv4-mapped address ("::ffff:192.0.2.9") is the IPv4 address it is on
// the wire, and a link-local client with a zone ("fe80::9%lan0") arrives on that interface.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/scope.hpp"
#include "rolewall/verdict.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rolewall {

struct SshConnection {
    Cidr client; // host addresses (prefix 32 or 128)
    std::uint16_t client_port = 0;
    Cidr server;
    std::uint16_t server_port = 0;
    std::string interface; // where the client's packets arrive: locate(), or the client's zone
    bool operator==(const SshConnection &) const = default;
};

// "192.0.2.9 50022 192.0.2.1 22". Errc::invalid_argument saying which part is wrong.
Result<SshConnection> parse_ssh_connection(const std::string &text);

// Fills in the interface in the calling thread's network namespace. false when the firewall
// there does not carry the connection: the server address is none of its own, or there is no
// route back to the client.
bool locate(SshConnection &connection);

// "192.0.2.9 -> 192.0.2.1:22 on lan0", "2001:db8::9 -> [2001:db8::1]:22 on lan0".
std::string connection_text(const SshConnection &connection);

// The first packet of a new connection like this one (TCP to the server port).
Packet new_connection(const SshConnection &connection);

// The guard's decision about a change (`what`: "disable ssh", "reload"), given the verdicts
// for new_connection() in the layout before and after it. A lock-out is Errc::lock_out naming
// the role that accepts the connection now and the connection, unless `force` or `confirm`:
// then Ok, and a warning is added to `warnings`.
Status check_lock_out(const SshConnection &connection, const Verdict &before, const Verdict &after,
                      const std::string &what, bool force, bool confirm,
                      std::vector<std::string> &warnings);

// rolewallctl's SSH_CONNECTION: the value in the environment of process `pid` (read from
// <proc>/<pid>/environ), else in its parent's, and so on up to (not including) pid 1; the
// first one found. Processes whose environment cannot be read are passed over. nullopt: none.
std::optional<std::string> find_ssh_connection(const std::filesystem::path &proc, pid_t pid);

} // namespace rolewall
