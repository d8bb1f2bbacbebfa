// The libnftnl objects of table inet rolewall for a layout, built in one place and used four
// ways: sent as a creation batch (transaction.cpp), hashed into the fingerprint
// (fingerprint.cpp), compared with what the kernel holds (compare.cpp) and printed for the
// golden tests. A change in a rule builder therefore reaches all four.
#pragma once

#include "objects.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

// Set ids number the sets created in one batch from 1, in the order they are created, so that
// the same layout always gets the same ids.
class SetIdAllocator {
  public:
    std::uint32_t add(const std::string &name) {
        ids_[name] = next_;
        return next_++;
    }
    std::uint32_t next() { return next_++; } // an anonymous set
    const SetIds &ids() const { return ids_; }

  private:
    SetIds ids_;
    std::uint32_t next_ = 1;
};

struct NamedSet {
    SetPtr decl;                        // the declaration, with its id
    const SetContent *content{nullptr}; // its spec and elements, in the layout
    std::uint32_t id = 0;
};

struct RuleObject {
    RulePtr rule;
    std::string role;                      // "" for the skeleton
    std::optional<AnonymousSet> anonymous; // the constant set it looks up, created just before it
    bool dispatch = false; // a rule of chain roles: the kernel echoes it back with its handle
};

struct ChainObject {
    ChainPtr chain;
    std::string role; // "" for a base chain
};

// What one enabled role puts into the table.
struct RoleObjects {
    std::string role;
    ChainObject chain;                // role-<id>
    std::vector<NamedSet> sets;       // in name order
    std::vector<RuleObject> rules;    // of its chain
    std::vector<RuleObject> dispatch; // its two rules in chain roles
};

struct TableObjects {
    TablePtr table;
    std::vector<ChainObject> chains; // input, and roles unless fail-safe
    std::vector<RuleObject> input;   // the rules of chain input, ICMP sets attached
    std::vector<RoleObjects> roles;  // in id order
};

// Everything `layout` needs in table inet `table` (flags and comment of the table as given).
// Elements of named sets stay in the layout (NamedSet::content), which must outlive the result.
TableObjects table_objects(const std::string &table, std::uint32_t flags, const Layout &layout,
                           const std::string &comment);

// One role's objects, with set ids from `ids` (shared by everything created in one batch).
RoleObjects role_objects(const std::string &table, const Layout &layout, const RoleChain &role,
                         SetIdAllocator &ids);

} // namespace rolewall::kernel
