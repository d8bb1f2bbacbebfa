// Recent drops: what the policy dropped, as the kernel's rate-limited copies (NFLOG) tell it,
// kept in a bounded table keyed by input interface, protocol, destination port and source, and
// explained with the catalog: the services and roles that use the port, and which of them,
// enabled as `rolewallctl enable ROLE` would enable them, would accept it.
//
// The receiver of the copies is a DropReceiver (the kernel side, daemon/kernel/nflog.cpp, is
// the real one); the table and the packet parsing here know no netlink.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/explain.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rolewall {

// The NFLOG group and the kernel's rate limit are in ruleset.hpp (drop_log_group, ..._rate).
// Bytes of each dropped packet copied to rolewalld: the IP header (IPv4 with options: 60,
// IPv6: 40 plus a few extension headers) and the first bytes of the transport header.
inline constexpr std::uint32_t drop_copy_bytes = 128;
// Keys the table keeps; when full, the key seen longest ago goes.
inline constexpr std::size_t drop_table_size = 4096;

struct DropKey {
    std::string interface; // input interface name ("" when unknown)
    std::uint8_t protocol = 0;
    std::uint16_t port = 0; // TCP/UDP destination port, ICMP type; 0 for other protocols
    Cidr source;            // the host address (prefix 32/128)
    auto operator<=>(const DropKey &) const = default;
};

struct DropEntry {
    DropKey key;
    std::uint64_t packets = 0;    // copies received (the kernel sends at most drop_log_rate/s)
    std::uint64_t first_seen = 0; // CLOCK_REALTIME usec
    std::uint64_t last_seen = 0;
};

class DropTable {
  public:
    explicit DropTable(std::size_t capacity = drop_table_size) : capacity_(capacity) {}
    // Counts one packet of `key` seen at `now` (CLOCK_REALTIME usec). True when the key is
    // new to the table.
    bool record(const DropKey &key, std::uint64_t now);
    // Entries last seen at or after `since`, busiest first (then the most recent), at most
    // `limit` (0: all).
    std::vector<DropEntry> list(std::uint64_t since = 0, std::size_t limit = 0) const;
    std::size_t size() const { return index_.size(); }
    std::size_t capacity() const { return capacity_; }
    void clear();

  private:
    std::size_t capacity_;
    std::list<DropEntry> order_; // least recently seen first
    std::map<DropKey, std::list<DropEntry>::iterator> index_;
};

// One dropped packet as the receiver got it.
struct DroppedPacket {
    std::string interface;
    std::vector<std::uint8_t> network; // from the IP header on (as much as was copied)
};

// The key of a dropped packet from its network header: IPv4 or IPv6 (extension headers
// skipped), the destination port of TCP, UDP, UDP-Lite, SCTP and DCCP (0 for a non-first
// fragment), the ICMP type. nullopt when the bytes are not a packet.
std::optional<DropKey> drop_key(std::string interface, std::span<const std::uint8_t> network);

// What the catalog says about a drop.
struct DropInsight {
    std::vector<std::string> services;     // catalog services that use the port or protocol
    std::vector<std::string> roles;        // roles that use the port or protocol
    std::vector<std::string> would_accept; // of them: enabled as `enable ROLE` would, accept it
};
DropInsight explain_drop(const Layout &layout, const Catalog &catalog, const RangeValues &ranges,
                         const DropKey &key, const ScopeOf &enable_scope_of);

// explain_drop() for many keys against one state (one ListDrops call): what depends only on
// the protocol and port (services, roles) and each role's layout as enabling it would make it
// are worked out once, not once per key (4,096 keys: ~0.7 s one by one). The catalog, ranges
// and scopes must not change while it is used.
class DropExplainer {
  public:
    DropExplainer(const Catalog &catalog, const RangeValues &ranges, ScopeOf enable_scope_of)
        : catalog_(catalog), ranges_(ranges), scope_of_(std::move(enable_scope_of)) {}
    // It keeps references: a temporary catalog or range table would dangle.
    DropExplainer(const Catalog &, RangeValues &&, ScopeOf) = delete;
    DropExplainer(Catalog &&, const RangeValues &, ScopeOf) = delete;
    DropInsight explain(const DropKey &key);

  private:
    struct PortUse {
        std::vector<std::string> services, roles;
    };
    const Catalog &catalog_;
    const RangeValues &ranges_;
    ScopeOf scope_of_;
    std::map<std::pair<std::uint8_t, std::uint16_t>, PortUse> ports_;
    std::map<std::string, Layout> enabled_alone_; // role -> its layout, enabled as `enable` would
};

// "dropped 445/tcp from 192.0.2.7 on lan0: file-server, ad-dc would open it" (the journal line
// for a new key).
std::string drop_line(const DropKey &key, const DropInsight &insight);

// Where the copies come from (the kernel: NFLOG; tests: anything).
class DropReceiver {
  public:
    virtual ~DropReceiver() = default;
    virtual int fd() const = 0; // poll it for POLLIN
    // Takes every packet waiting, without blocking.
    virtual Result<std::vector<DroppedPacket>> receive() = 0;
};
using DropReceiverFactory = std::function<Result<std::unique_ptr<DropReceiver>>()>;

} // namespace rolewall
