// Three hosts in network namespaces for traffic tests: a gateway "gw" running the firewall,
// a client on its LAN side and one on its WAN side, with addresses from the documentation
// ranges only (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32), inside these namespaces only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace testns {

// Creates the namespaces and links; deletes them in the destructor, also after a failure.
class Hosts {
  public:
    Hosts();
    ~Hosts();
    Hosts(const Hosts &) = delete;
    Hosts &operator=(const Hosts &) = delete;

    bool ok() const { return ok_; }
    const std::string &error() const { return error_; }

    std::string gw, lan, wan; // namespace names, unique per process

    // The gateway's address on the link of `client` (lan or wan).
    std::string gw_address(const std::string &client, bool v6) const;

  private:
    bool ok_ = false;
    std::string error_;
};

// Moves the calling thread into a named network namespace; back where it was on destruction.
// Sockets keep the namespace they were created in.
class InNetns {
  public:
    explicit InNetns(const std::string &name);
    ~InNetns();
    InNetns(const InNetns &) = delete;
    InNetns &operator=(const InNetns &) = delete;

  private:
    int back_ = -1;
};

// Listeners on the gateway: TCP (accepted and closed), UDP (echoed back) and raw IP
// protocols (counted), for IPv4 and IPv6, served by one thread. Create it inside the gateway's
// namespace.
class Servers {
  public:
    Servers(const std::vector<std::uint16_t> &tcp, const std::vector<std::uint16_t> &udp,
            const std::vector<std::uint8_t> &raw);
    ~Servers();
    Servers(const Servers &) = delete;
    Servers &operator=(const Servers &) = delete;

    unsigned raw_received(std::uint8_t proto, bool v6) const;

  private:
    void serve();
    struct Socket {
        int fd;
        int kind; // 0 tcp listener, 1 udp, 2 raw
        std::uint8_t proto;
        bool v6;
    };
    std::vector<Socket> sockets_;
    int stop_[2] = {-1, -1};
    std::atomic<unsigned> raw_counts_[256][2] = {};
    std::thread thread_;
};

// Client probes from a client namespace to `address`, each waiting at most `timeout_ms`.
bool tcp_connects(const std::string &ns, const std::string &address, std::uint16_t port,
                  int timeout_ms);
bool udp_echoes(const std::string &ns, const std::string &address, std::uint16_t port,
                int timeout_ms);
// Sends one packet of IP protocol `proto`; true when the servers counted it.
bool raw_arrives(const std::string &ns, const std::string &address, std::uint8_t proto,
                 const Servers &servers, int timeout_ms);

} // namespace testns
