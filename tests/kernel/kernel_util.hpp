// Test helpers that read the kernel's view through nft.
#pragma once

#include "kernel/nft_backend.hpp"
#include "testns.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace testns {

using Json = nlohmann::ordered_json; // nft -j output, keys in document order

// render_nft() with the fingerprint the backend writes: what `nft -s list` shows of a table the
// backend made from `layout`.
inline std::string rendered(const rolewall::Layout &layout) {
    return rolewall::render_nft(layout, rolewall::nft_fingerprint(layout));
}

// `nft -s list table <family> <name>`: the table as text, counters left out (as render_nft
// writes it). Empty when the table does not exist.
std::string listing(const std::string &family = "inet", const std::string &name = "rolewall");
// The listing without what nft shows of an owned table (" # progname X" on the first line,
// the "flags owner" line and the blank line it adds): what render_nft() writes.
std::string without_owner(const std::string &listing);
// The listing with its sets and chains in the order render_nft() writes them (sets by name,
// chain input, chain roles, the roles' chains by name). The kernel lists them in the order
// they were created, and a role enabled later comes last: that order means nothing.
std::string canonical(const std::string &listing);
// canonical(without_owner(listing())): what render_nft() writes of the table.
std::string table_text();
// `nft -a -j list table ...` parsed: the objects of the "nftables" array after metainfo.
std::vector<Json> objects(const std::string &family = "inet", const std::string &name = "rolewall");
// Handles by object: "table", "chain input", "set ad-dc_tcp", "rule roles: iifname @web_if
// jump role-web comment \"web\"" (a rule by its chain and its text as nft lists it).
std::map<std::string, long long> handles(const std::string &family = "inet",
                                         const std::string &name = "rolewall");
// The ruleset generation: every committed transaction, anyone's, adds one.
std::uint32_t generation();
bool table_exists(const std::string &family = "inet", const std::string &name = "rolewall");

// Three roles covering every kind of set: ports and a bare protocol, an interface-scoped
// role, a source-scoped role.
std::vector<RoleSpec> sample_roles();

} // namespace testns
