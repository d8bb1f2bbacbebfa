// The counters of table inet rolewall: the counter expressions of each chain summed (a role's
// chain has one per accept rule, chain input one per policy rule), and since when rolewalld
// can vouch for them.
#pragma once

#include "nl_objects.hpp"
#include "rolewall/backend.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rolewall::kernel {

// Per chain name, what its counter expressions counted (since_usec left 0).
using ChainCounts = std::map<std::string, Count>;
ChainCounts chain_counts(const std::vector<RulePtr> &rules);

// Since when each chain of the table counts, and what it held then: a chain this backend
// created counts from zero; one it found in the kernel counts from the moment it was found,
// what it held then subtracted.
class CounterClock {
  public:
    // The table was created anew with `layout`: every chain counts from zero, from `now`.
    void table_created(const Layout &layout, std::uint64_t now);
    // There is no table.
    void clear() { start_.clear(); }
    void role_created(const std::string &role, std::uint64_t now);
    void role_removed(const std::string &role);
    // Chains read from the kernel: those the clock does not know count from `now` on.
    void seen(const ChainCounts &counts, std::uint64_t now);
    // The counters to report for the counts read now (chains unknown so far are seen now; a
    // count below its start was reset behind the backend's back and counts from zero, now).
    Counters report(const ChainCounts &counts, std::uint64_t now);

  private:
    std::map<std::string, Count> start_; // per chain: the counts it started from, and when
};

} // namespace rolewall::kernel
