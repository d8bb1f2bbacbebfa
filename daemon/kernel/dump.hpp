// Reading table inet rolewall back from the kernel: the table, its sets and their elements, and
// for a full comparison everything else it holds (chains, rules, objects, flowtables).
#pragma once

#include "netlink.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

struct KernelTable {
    std::uint64_t handle = 0;
    std::uint32_t flags = 0;
    std::optional<std::uint32_t> owner; // netlink port id of the owning socket
    std::string comment;
};

// The ruleset generation (bumped by every commit, anyone's).
Result<std::uint32_t> read_generation(NetlinkSocket &sock);

// GETTABLE inet <name>; nullopt when there is no such table.
Result<std::optional<KernelTable>> read_table(NetlinkSocket &sock, const std::string &name);

// Every named set of the table with its elements, sorted by name; interval sets come back as
// ranges [lo, hi] (the kernel's start and END elements paired again).
Result<std::vector<SetContent>> read_sets(NetlinkSocket &sock, const std::string &table);

// The spec of a set as the kernel lists it; nullopt for sets rolewall does not make
// (anonymous ones, unknown key types). Its role is the name up to the last '_'.
std::optional<SetSpec> spec_of(const nftnl_set *s);

// One element as the kernel lists it.
struct RawElement {
    Bytes key;
    bool end = false; // NFT_SET_ELEM_INTERVAL_END
    std::string comment;
};

// A set as the kernel lists it, declaration and elements.
struct KernelSet {
    SetPtr decl;
    std::string name;
    bool anonymous = false;
    std::vector<RawElement> elements; // in dump order
};

// Everything in a table but the table itself.
struct KernelContent {
    std::vector<ChainPtr> chains;
    std::vector<RulePtr> rules;      // chain by chain, each chain's rules in order
    std::vector<KernelSet> sets;     // named and anonymous, sorted by name
    std::vector<std::string> others; // objects and flowtables: "object \"x\"", "flowtable \"y\""
};
// The rules of the table, chain by chain, each chain's rules in order (with their counters).
Result<std::vector<RulePtr>> read_rules(NetlinkSocket &sock, const std::string &table);
Result<KernelContent> read_content(NetlinkSocket &sock, const std::string &table);
// Pairs start and END elements (any order) into ranges sorted by lo. An END without a start
// before it (nft writes one at key 0) is dropped; a start without an END runs to the largest
// key.
std::vector<Element> rebuild_ranges(std::vector<RawElement> raw, bool interval);

} // namespace rolewall::kernel
