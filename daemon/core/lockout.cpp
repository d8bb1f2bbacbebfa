#include "rolewall/lockout.hpp"

#include "rolewall/explain.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <ifaddrs.h>
#include <iterator>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>

namespace rolewall {

namespace {

Error bad(const std::string &message) {
    return make_error(Errc::invalid_argument, message);
}

std::optional<std::uint16_t> parse_port(const std::string &text) {
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    int n = std::stoi(text);
    if (n < 1 || n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(n);
}

// One host address; an IPv4-mapped one as the IPv4 address (make_packet's rule for sources).
Result<Cidr> parse_host(const std::string &text, const char *what) {
    auto p = make_packet(text, 1, "tcp", "");
    if (!p)
        return bad(std::string(what) + " address '" + text + "' is not one IPv4 or IPv6 address");
    return p->source;
}

} // namespace

Result<SshConnection> parse_ssh_connection(const std::string &text) {
    std::istringstream in(text);
    std::vector<std::string> parts{std::istream_iterator<std::string>(in), {}};
    if (parts.size() != 4)
        return bad("'" + text + "' is not \"CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT\"");
    SshConnection c;
    std::string client = parts[0];
    if (auto zone = client.find('%'); zone != std::string::npos) { // fe80::9%lan0
        c.interface = client.substr(zone + 1);
        client.resize(zone);
        std::string why;
        if (!valid_interface_name(c.interface, &why) || c.interface.back() == '*')
            return bad("the zone of the client address '" + parts[0] + "' is not an interface");
    }
    auto client_address = parse_host(client, "client");
    if (!client_address) return client_address.error();
    auto server_address = parse_host(parts[2], "server");
    if (!server_address) return server_address.error();
    auto client_port = parse_port(parts[1]), server_port = parse_port(parts[3]);
    if (!client_port || !server_port)
        return bad("'" + (client_port ? parts[3] : parts[1]) + "' is not a port (1-65535)");
    if (client_address->v6 != server_address->v6)
        return bad("the client and server addresses are not of the same IP version");
    c.client = *client_address;
    c.client_port = *client_port;
    c.server = *server_address;
    c.server_port = *server_port;
    return c;
}

namespace {

bool is_own_address(const Cidr &address) {
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0) return false;
    bool found = false;
    for (ifaddrs *i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_INET && !address.v6)
            found = std::memcmp(&reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr,
                                address.addr.data(), 4) == 0;
        else if (i->ifa_addr->sa_family == AF_INET6 && address.v6)
            found = std::memcmp(&reinterpret_cast<sockaddr_in6 *>(i->ifa_addr)->sin6_addr,
                                address.addr.data(), 16) == 0;
    }
    freeifaddrs(list);
    return found;
}

} // namespace

bool locate(SshConnection &c) {
    if (!is_own_address(c.server)) return false;
    if (c.interface.empty()) c.interface = route_interface(c.client);
    return !c.interface.empty();
}

std::string connection_text(const SshConnection &c) {
    std::string server = address_str(c.server);
    if (c.server.v6) server = "[" + server + "]";
    return address_str(c.client) + " -> " + server + ":" + std::to_string(c.server_port) + " on " +
           c.interface;
}

Packet new_connection(const SshConnection &c) {
    Packet p;
    p.interface = c.interface;
    p.source = c.client;
    p.destination = c.server;
    p.protocol = ipproto_tcp;
    p.port = c.server_port;
    return p;
}

Status check_lock_out(const SshConnection &c, const Verdict &before, const Verdict &after,
                      const std::string &what, bool force, bool confirm,
                      std::vector<std::string> &warnings) {
    if (before.action != Verdict::Action::accept || after.action == Verdict::Action::accept)
        return Ok{};
    std::string fate = after.action == Verdict::Action::reject ? "rejected" : "dropped";
    std::string by = before.role.empty() ? before.rule : "role " + before.role;
    std::string connection = "a new SSH connection like yours, " + connection_text(c);
    if (force || confirm) {
        warnings.push_back(std::string(force ? "--force" : "--confirm") + ": " + connection +
                           ", is " + fate + " now (" + by + " accepted it); open connections stay");
        return Ok{};
    }
    return make_error(Errc::lock_out, what + " would lock you out: " + connection + ", would be " +
                                          fate + " (" + by +
                                          " accepts it now); use --force, or --confirm "
                                          "DURATION to try it");
}

namespace {

std::optional<std::string> variable_in(const std::filesystem::path &file) {
    std::ifstream in(file, std::ios::binary);
    constexpr std::string_view name = "SSH_CONNECTION=";
    for (std::string entry; std::getline(in, entry, '\0');)
        if (entry.compare(0, name.size(), name) == 0) return entry.substr(name.size());
    return std::nullopt;
}

// The parent of `pid` from <proc>/<pid>/stat ("pid (comm) state ppid ..."); 0 when unknown.
pid_t parent_of(const std::filesystem::path &proc, pid_t pid) {
    std::ifstream in(proc / std::to_string(pid) / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto close = stat.rfind(')'); // comm may hold spaces and parentheses
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return rest ? ppid : 0;
}

} // namespace

std::optional<std::string> find_ssh_connection(const std::filesystem::path &proc, pid_t pid) {
    for (int depth = 0; pid > 1 && depth < 64; ++depth) {
        if (auto value = variable_in(proc / std::to_string(pid) / "environ")) return value;
        pid = parent_of(proc, pid);
    }
    return std::nullopt;
}

} // namespace rolewall
