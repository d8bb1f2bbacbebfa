// From plan to messages: what goes into a batch to create table inet rolewall for a layout,
// to replace it, to change elements; and what a refusal means in terms of roles and services.
#pragma once

#include "batch.hpp"
#include "netlink.hpp"
#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rolewall::kernel {

// Everything `layout` needs in one table: the table (flags, comment with the layout's
// `fingerprint`), chains, sets with their elements, rules, in the order nft -f creates them.
void add_creation(Batch &batch, const std::string &table, std::uint32_t flags, const Layout &layout,
                  const std::string &fingerprint);

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
