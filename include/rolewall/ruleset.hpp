// What rolewall puts into the kernel: table inet rolewall with two base chains (input, roles)
// and, for each ENABLED role only, its chain, its sets and its two dispatch rules in chain
// roles. Nothing for a disabled role, with one exception: a role disabled at run time keeps
// its chain, sets and rules, every set empty (a shell, which nothing reaches), until the next
// full build of the layout (start, reload). Re-scoping an enabled role, disabling it and
// enabling it again change only elements: creating a role's objects costs the kernel four
// times what filling its sets does.
//
// For an enabled role "ad-dc" the table holds:
//   set ad-dc_tcp   { type inet_service; flags interval; }  TCP ports (when the role has any)
//   set ad-dc_udp   { type inet_service; flags interval; }  UDP ports (when the role has any)
//   set ad-dc_proto { type inet_proto; }                    bare IP protocols (when it has any)
//   set ad-dc_if    { type ifname; flags interval; }        interface scope ("lan0", "vlan*")
//   set ad-dc_anyif { type nf_proto; }                      {ipv4, ipv6} when not interface-scoped
//   set ad-dc_v4    { type ipv4_addr; flags interval; }     sources (0.0.0.0/0 when unscoped)
//   set ad-dc_v6    { type ipv6_addr; flags interval; }     sources (::/0 when unscoped)
//   chain roles { ...; iifname @ad-dc_if jump role-ad-dc; meta nfproto @ad-dc_anyif jump
//                 role-ad-dc; ... }                          (roles in id order)
//   chain role-ad-dc { ip saddr @ad-dc_v4 tcp dport @ad-dc_tcp counter accept; ... } (two
//                 rules, IPv4 and IPv6, per port set the role has; their counters are the role's)
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace rolewall {

inline constexpr const char *table_name = "rolewall"; // family inet
inline constexpr const char *input_chain = "input";
inline constexpr const char *roles_chain = "roles";

// The fixed matches of chain input's skeleton, for the rule builders and the packet evaluator.
// icmp type { destination-unreachable, time-exceeded, parameter-problem }
inline constexpr std::array<std::uint8_t, 3> essential_icmp_types = {3, 11, 12};
// icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem,
//   mld-listener-query, mld-listener-report, mld2-listener-report, nd-router-solicit,
//   nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }
inline constexpr std::array<std::uint8_t, 11> essential_icmpv6_types = {
    1, 2, 3, 4, 130, 131, 143, 133, 134, 135, 136};
inline constexpr std::uint8_t icmp_echo_request = 8, icmpv6_echo_request = 128;
inline constexpr std::uint16_t dhcpv6_client_port = 546; // ip6 daddr fe80::/64 udp dport 546
// Before the policy, when Layout::log_drops: a copy of what it drops goes to rolewalld
// (drops.hpp), at most 50 a second: limit rate 50/second burst 50 packets log group 7405
inline constexpr std::uint16_t drop_log_group = 7405;
inline constexpr std::uint32_t drop_log_rate = 50, drop_log_burst = 50;
inline constexpr const char *drop_log_comment = "a copy of what the policy drops, to rolewalld";

// Key types of rolewall's sets, with their nft datatype ids (nftables src/datatype.h).
enum class KeyType : std::uint32_t {
    ipv4_addr = 7,
    ipv6_addr = 8,
    inet_proto = 12,
    inet_service = 13,
    nf_proto = 2, // TYPE_NFPROTO
    ifname = 41,  // TYPE_IFNAME
};
std::size_t key_length(KeyType t); // bytes: 4, 16, 1, 2, 1, 16
const char *key_type_name(KeyType t);

using Bytes = std::vector<std::uint8_t>;

// A set key in the bytes the kernel stores (network order): at most 16 bytes (an IPv6 address,
// an interface name), held in place. Ordered as Bytes are (byte by byte, then by length).
class Key {
  public:
    static constexpr std::size_t capacity = 16;
    Key() = default;
    Key(std::initializer_list<std::uint8_t> bytes) : Key(bytes.begin(), bytes.size()) {}
    Key(const Bytes &bytes) : Key(bytes.data(), bytes.size()) {} // NOLINT: a Key is its bytes
    Key(const std::uint8_t *bytes, std::size_t n);
    operator Bytes() const { return Bytes(begin(), end()); } // NOLINT: a Key is its bytes

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const std::uint8_t *data() const { return bytes_.data(); }
    std::uint8_t *data() { return bytes_.data(); }
    const std::uint8_t *begin() const { return bytes_.data(); }
    const std::uint8_t *end() const { return bytes_.data() + size_; }
    std::uint8_t *begin() { return bytes_.data(); }
    std::uint8_t *end() { return bytes_.data() + size_; }
    std::uint8_t operator[](std::size_t i) const { return bytes_[i]; }
    std::uint8_t &operator[](std::size_t i) { return bytes_[i]; }

    friend bool operator==(const Key &a, const Key &b) {
        return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
    }
    friend std::strong_ordering operator<=>(const Key &a, const Key &b) {
        return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
    }

  private:
    std::array<std::uint8_t, capacity> bytes_{};
    std::uint8_t size_ = 0;
};

// An element's comment. The elements of one set mostly share their comment ("web: source
// scope" on 100,000 sources): copies share one string instead of holding one each.
class Comment {
  public:
    Comment() = default;
    Comment(std::string text);                                // NOLINT: a Comment is its text
    Comment(const char *text) : Comment(std::string(text)) {} // NOLINT: a Comment is its text
    const std::string &str() const { return text_ ? *text_ : none(); }
    operator const std::string &() const { return str(); } // NOLINT: a Comment is its text
    bool empty() const { return str().empty(); }
    std::size_t size() const { return str().size(); }

    friend bool operator==(const Comment &a, const Comment &b) {
        return a.text_ == b.text_ || a.str() == b.str();
    }
    friend std::strong_ordering operator<=>(const Comment &a, const Comment &b) {
        if (a.text_ == b.text_) return std::strong_ordering::equal;
        return a.str().compare(b.str()) <=> 0;
    }
    friend bool operator==(const Comment &a, const std::string &b) { return a.str() == b; }
    friend bool operator==(const Comment &a, const char *b) { return a.str() == b; }

  private:
    static const std::string &none();
    std::shared_ptr<const std::string> text_; // null: no comment
};

// A closed range [lo, hi] of keys in the bytes the kernel stores (network order). In sets
// without the interval flag, lo == hi. 56 bytes, with nothing of its own on the heap.
struct Element {
    Key lo;
    Key hi;
    Comment comment;
    bool operator==(const Element &) const = default;
};

struct SetSpec {
    std::string name;
    KeyType type = KeyType::inet_service;
    bool interval = false;
    std::string role; // the role the set belongs to
    bool operator==(const SetSpec &) const = default;
};

struct SetContent {
    SetSpec spec;
    std::vector<Element> elements; // sorted by lo, non-overlapping
    bool operator==(const SetContent &) const = default;
};

// A role's chain is "role-<id>": a role id may be an nft keyword ("ipsec"), which nft's
// parser would not take as a chain name, while "role-ipsec" is one word to it.
inline std::string role_chain(const std::string &role) {
    return "role-" + role;
}

struct RoleChain {
    std::string role;  // role id; the chain is role_chain(role)
    std::string title; // the chain's comment
    bool operator==(const RoleChain &) const = default;
};

// Everything rolewall wants in the kernel.
struct Layout {
    Policy policy = Policy::drop;
    // The built-in fail-safe table (failsafe_layout()): no roles and no chain roles; chain input
    // accepts TCP port 22 where it would jump to the roles.
    bool failsafe = false;
    // [firewall] log_drops: the rate-limited log rule before the policy (drops.hpp).
    bool log_drops = false;
    std::vector<RoleChain> roles; // the enabled roles and the shells, sorted by id
    std::vector<SetContent> sets; // their sets, sorted by name

    const SetContent *set(const std::string &name) const;
    const RoleChain *role(const std::string &id) const;
    // The sets of one role, in name order (what its chain and dispatch rules look up).
    std::vector<const SetContent *> role_sets(const std::string &id) const;
    // A role of `roles` that is a shell: disabled, its sets all empty. An enabled role always
    // has an element in a dispatch set (its interfaces, or both families).
    bool shell(const std::string &id) const;
    // Policy and fail-safe: what the base chains are made of. Layouts with the same skeleton
    // differ only in roles, which the backend changes in place.
    bool same_skeleton(const Layout &other) const {
        return policy == other.policy && failsafe == other.failsafe && log_drops == other.log_drops;
    }
};

// The suffixes of a role's sets, in name order: "<role>_anyif", "<role>_if", ...
inline constexpr std::array<const char *, 7> role_set_suffixes = {"anyif", "if", "proto", "tcp",
                                                                  "udp",   "v4", "v6"};

// The desired layout for a catalog and the enabled roles with their scopes (roles the catalog
// does not have are left out).
Layout build_layout(const Catalog &catalog, Policy policy, const RangeValues &ranges,
                    const std::map<std::string, Scope> &enabled);
// The same for a config: its policy, ranges and log_drops. The one place where a config's
// [firewall] settings go into a layout (the daemon, render, check, audit, recovery).
Layout config_layout(const Catalog &catalog, const Config &config,
                     const std::map<std::string, Scope> &enabled);

// The port the fail-safe table keeps open, so that an admin can log in and mend the config.
inline constexpr std::uint16_t failsafe_ssh_port = 22;

// The table rolewalld applies when it cannot load its config and the kernel holds no rolewall
// table, so that the host never runs without a firewall: policy drop, loopback,
// established/related, essential ICMP and ICMPv6 (as every layout has them) and TCP 22 (IPv4
// and IPv6, any interface, any source). Its table comment says it is the fail-safe.
Layout failsafe_layout();

// The comment of table inet rolewall, the one place that writes it:
// "managed by rolewalld; layout <fingerprint>", and for the fail-safe table
// "managed by rolewalld; fail-safe table (the configuration did not load); layout <fingerprint>".
std::string table_comment(const Layout &layout, const std::string &fingerprint);
// The fingerprint in such a comment; "" when the comment is not one rolewalld writes.
std::string fingerprint_in(const std::string &table_comment);

// Some roles' part of a layout (chain entry and sets), as update_role_sets() found it.
struct RoleParts {
    std::vector<std::string> ids;
    std::vector<RoleChain> roles;
    std::vector<SetContent> sets;
};

// Makes the part of `roles` in `layout` what build_layout() would make it for `enabled`, at
// the cost of those roles only: the others are not looked at. A role in `enabled` gets its
// chain entry and sets; any other that the layout holds becomes (or stays) a shell, its sets
// emptied. `layout` must come from build_layout() with the same catalog and ranges. Returns
// those roles' part as it was, for put_back_sets().
RoleParts update_role_sets(Layout &layout, const Catalog &catalog, const RangeValues &ranges,
                           const std::map<std::string, Scope> &enabled,
                           const std::vector<std::string> &roles);
void put_back_sets(Layout &layout, RoleParts parts);
// The layout without its shells: what build_layout() makes of the roles it has enabled.
Layout without_shells(Layout layout);
// Makes the part of each role of `ids` in `to` (chain entry and sets) what it is in `from`.
void copy_role_parts(Layout &to, const Layout &from, const std::vector<std::string> &ids);

// Interface names and patterns that lie inside a pattern of the list are dropped ("lan0" and
// "lan*" inside "la*"), and duplicates: the kernel refuses overlapping intervals, and the
// pattern covers them. The result is sorted. build_layout() uses it for every role.
std::vector<std::string> outermost_interfaces(std::vector<std::string> names);

// Element codecs. A comment longer than the kernel takes is cut; elements given the same
// Comment share its text.
Element port_element(PortRange r, Comment comment);
Element proto_element(std::uint8_t proto, Comment comment);
Element nfproto_element(std::uint8_t nfproto, Comment comment);   // NFPROTO_IPV4 = 2, IPV6 = 10
Element ifname_element(const std::string &name, Comment comment); // "lan0" or "vlan*"
Element cidr_element(const Cidr &c, Comment comment);
// Human form of an element's key, as nft prints it ("88", "49152-65535", "10.0.0.0/8",
// "\"lan0\"", "\"vlan*\"", "gre", "ipv4").
std::string element_key_str(KeyType t, const Element &e);

// The part of a difference that touches one set.
struct SetChange {
    std::string set;
    std::string role;
    KeyType type = KeyType::inet_service;
    bool interval = false;
    std::vector<Element> remove; // as they are in the kernel
    std::vector<Element> add;
};

// Element changes that turn `present` into `desired` (same fingerprint assumed). An element
// whose comment changed is removed and added again. Sets absent from `present` are treated as
// empty. Changes are ordered by set name.
std::vector<SetChange> diff(const std::vector<SetContent> &present,
                            const std::vector<SetContent> &desired);
// The same for one set, whose elements in the kernel are `present`.
SetChange diff_set(const std::vector<Element> &present, const SetContent &desired);

// The layout as an `nft -f` script that creates (or replaces) table inet rolewall, in the form
// `nft list table inet rolewall` prints it: for humans (and checked against the kernel's
// listing by the tests). `fingerprint` goes into the table comment; the kernel backend computes
// it from the messages it sends (nft_fingerprint() in daemon/kernel/nft_backend.hpp).
std::string render_nft(const Layout &layout, const std::string &fingerprint);

} // namespace rolewall
