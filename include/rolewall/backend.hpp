// The kernel side behind a small interface, so role logic is tested without privileges.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace rolewall {

struct ApplyReport {
    enum class Kind { unchanged, elements, created, replaced };
    Kind kind = Kind::unchanged;
    std::size_t added = 0; // elements
    std::size_t removed = 0;
    std::size_t messages = 0; // netlink messages in the transaction
};

// Which roles a change may have touched: the backend may take every other role's sets to be
// as it last applied them. A caller that does not know (start, reload) says everything().
class ApplyHint {
  public:
    static ApplyHint everything() { return ApplyHint(true, {}); }
    static ApplyHint only(std::vector<std::string> roles) {
        return ApplyHint(false, std::move(roles));
    }

    bool all() const { return all_; }
    // The roles named; empty when all().
    const std::vector<std::string> &roles() const { return roles_; }
    // Whether the sets of `role` may differ from what the backend last applied.
    bool covers(const std::string &role) const {
        return all_ || std::find(roles_.begin(), roles_.end(), role) != roles_.end();
    }

  private:
    ApplyHint(bool all, std::vector<std::string> roles) : all_(all), roles_(std::move(roles)) {}
    bool all_;
    std::vector<std::string> roles_;
};

class Backend {
  public:
    virtual ~Backend() = default;

    // Makes the kernel hold `desired` in one transaction: by element difference when the
    // table's fingerprint matches, else by replacing the table atomically. On failure the
    // kernel keeps what it had and the error names the role and service that caused it.
    // With a hint naming roles, a backend may compare only those roles' sets, so that a
    // toggle costs the same however large other roles' scopes are. There is no overload
    // without a hint, so no caller (nor a wrapper) can lose it.
    virtual Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) = 0;

    // Asks the kernel to validate `desired` without committing anything.
    virtual Status check(const Layout &desired) = 0;

    // What the kernel holds now (sets of table inet rolewall), empty when there is no table.
    virtual Result<std::vector<SetContent>> read() = 0;
};

} // namespace rolewall
