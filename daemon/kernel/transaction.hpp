// From plan to messages: what goes into a batch to create table inet rolewall for a layout,
// to replace it, to add or remove a role in place, to change elements; and what a refusal
// means in terms of roles and services.
#pragma once

#include "batch.hpp"
#include "build.hpp"
#include "netlink.hpp"
#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

// What of the objects goes into the batch: a creation sends everything; the fingerprint hashes
// the rest without the table (whose comment holds the fingerprint) and the named sets'
// elements (which toggles change).
enum class Part { everything, skeleton };

// The objects in the order nft -f creates them: table, chains, sets with their elements,
// chain input's rules, the dispatch rules (echoed back with their handles), the roles' rules.
void add_creation(Batch &batch, const TableObjects &objects, Part part = Part::everything);

// One role in place: its chain, sets with elements, its rules, and its two dispatch rules
// inserted before the rule whose handle is `before` (the first dispatch rule of the next role
// in id order), or appended when there is none. The dispatch rules are echoed back.
void add_role(Batch &batch, const RoleObjects &role, std::optional<std::uint64_t> before);

// One role out: its dispatch rules (by handle), its chain (and with it its rules), its sets.
void add_role_removal(Batch &batch, const std::string &table, const std::string &role,
                      const std::vector<std::uint64_t> &dispatch,
                      const std::vector<std::string> &sets);

// delete table inet <table>
void add_table_delete(Batch &batch, const std::string &table);

// add table inet <table> { flags <flags>; }: takes over an orphaned table (persist without an
// owner) for this socket.
void add_table_adoption(Batch &batch, const std::string &table, std::uint32_t flags);

// Element changes, set by set: deletions before additions (an element whose comment changed
// is deleted and added again in the same transaction).
void add_changes(Batch &batch, const std::string &table, const std::vector<SetChange> &changes);

// The Error for a batch the kernel refused: names the role, service and set of the first
// failing message with the kernel's reason.
Error describe_refusal(const SealedBatch &batch, const BatchOutcome &outcome);

} // namespace rolewall::kernel
