// Planning a transaction in place: which roles' objects go, which come, which elements change,
// given what the backend knows the kernel holds (its cache) and the layout wanted.
#pragma once

#include "batch.hpp"
#include "dump.hpp"
#include "rolewall/backend.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

// What the backend believes the kernel holds: table inet rolewall as of its last read or
// successful commit.
struct Cache {
    std::optional<KernelTable> table;   // nullopt: no table
    bool ours = false;                  // the table's owner is our socket
    std::optional<std::uint32_t> genid; // generation of the read, for the first batch after it
    // known: the table is exactly `held` (read back and compared, or committed since).
    // Otherwise it is to be replaced, and `differences` says why.
    bool known = false;
    Layout held;
    std::vector<std::string> differences;
    // Per role in `held`, the handles of its two rules in chain roles, in chain order.
    std::map<std::string, std::vector<std::uint64_t>> dispatch;
};

struct Steps {
    // false: a role's dispatch rules have no known handle, so the table cannot be changed in
    // place (it is replaced instead).
    bool feasible = true;
    std::vector<std::string> removed; // roles whose objects go (a changed role goes and comes)
    std::vector<std::string> added;   // roles whose objects come
    std::vector<std::string> touched; // every role whose part of the table changes
    std::vector<SetChange> changes;   // element changes of roles kept in place
    bool empty() const { return removed.empty() && added.empty() && changes.empty(); }
};

// One transaction to make: its kind, its steps, and the batch (none when the kernel already
// holds the layout).
struct Plan {
    ApplyReport report;
    Steps steps;
    bool replace = false; // DELTABLE (if any) + creation
    std::optional<SealedBatch> batch;
};

// The roles the hint covers, compared between `held` and `desired`: a role that keeps its
// chain title and set declarations changes only elements; any other change removes and adds
// its objects (chain, sets, rules, dispatch rules).
Steps role_steps(const Cache &c, const Layout &desired, const ApplyHint &hint);

// The messages: removals, element changes, additions (dispatch rules in role order).
void add_steps(Batch &batch, const Cache &c, const Layout &desired, const Steps &steps);

// The elements the steps add and remove, into the report.
void count_elements(const Cache &c, const Layout &desired, const Steps &steps, ApplyReport &report);

} // namespace rolewall::kernel
