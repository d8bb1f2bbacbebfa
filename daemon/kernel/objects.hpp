// libnftnl objects for table inet rolewall, each built exactly as nft 1.0.6 builds the same
// statement (checked with `nft --debug=netlink,mnl`), so `nft list` prints our table the way
// render_nft() writes it.
#pragma once

#include "nl_objects.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <linux/netfilter/nf_tables.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

inline constexpr std::uint32_t table_flag_owner = NFT_TABLE_F_OWNER; // 0x2
// NFT_TABLE_F_PERSIST (kernel >= 6.9): the table outlives its owner's socket. Missing from
// the 6.1 uapi headers this builds against.
inline constexpr std::uint32_t table_flag_persist = 0x4;

// Set ids tie objects created in one batch together (NEWSET needs one; lookups and element
// messages name the set by it too, as nft does).
using SetIds = std::map<std::string, std::uint32_t>;

// table inet <name> { flags <flags>; comment "<comment>" }
TablePtr table_object(const std::string &name, std::uint32_t flags, const std::string &comment);
// table inet <name>: a reference, for deleting or for adopting (flags only)
TablePtr table_ref(const std::string &name);
std::optional<std::uint32_t> table_flags_of(const nftnl_table *t);
// The table comment, "" when there is none.
std::string table_comment(const nftnl_table *t);

// set <name> { type <type>; flags interval; }
SetPtr set_object(const std::string &table, const SetSpec &spec, std::uint32_t id);

// The elements of one NEWSETELEM/DELSETELEM: each range [lo, hi] becomes a start element
// (with its comment when `comments`) and, in interval sets, an END element at hi + 1 unless hi
// is the largest key.  `id` is the set's id when it is created in the same batch (or 0).
SetPtr elements_object(const std::string &table, const std::string &set, bool interval,
                       const std::vector<Element> &elements, bool comments, std::uint32_t id);

// The anonymous sets that the skeleton's ICMP rules look up.
struct AnonymousSet {
    SetPtr set; // with its elements
    std::uint32_t id;
};
// icmp type { destination-unreachable, time-exceeded, parameter-problem }
AnonymousSet icmp_types_set(const std::string &table, std::uint32_t id);
// icmpv6 type { destination-unreachable, packet-too-big, ..., nd-neighbor-advert }
AnonymousSet icmpv6_types_set(const std::string &table, std::uint32_t id);

// chain input { type filter hook input priority filter; policy drop; }
ChainPtr input_chain_object(const std::string &table);
// chain <name> { comment "<comment>" }
ChainPtr chain_object(const std::string &table, const std::string &name,
                      const std::string &comment);

// The rules of chain input, in order (see render.cpp for their nft text): `jump roles`, or in
// the fail-safe layout `tcp dport 22 accept`, between the skeleton and the policy.
std::vector<RulePtr> input_rules(const std::string &table, const Layout &layout,
                                 std::uint32_t icmp_set_id, std::uint32_t icmpv6_set_id);
// The two rules of chain roles that enter a role's chain.
std::vector<RulePtr> roles_rules(const std::string &table, const RoleChain &role,
                                 const SetIds &ids);
// The rules of a role's chain: for each of its port sets in `ids` (tcp, udp, proto), one rule
// for IPv4 sources and one for IPv6 sources.
std::vector<RulePtr> role_rules(const std::string &table, const RoleChain &role, const SetIds &ids);

// The text of the TLV of `type` in nft userdata, "" when absent.
std::string udata_string(const void *data, std::uint32_t len, std::uint8_t type);

// Element codec helpers shared with the reader.
Key key_successor(Key key); // key + 1, big-endian byte arithmetic
bool key_is_max(const Key &key);
Key key_predecessor(Key key);

} // namespace rolewall::kernel
