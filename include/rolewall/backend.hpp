// The kernel side behind a small interface, so role logic is tested without privileges.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace rolewall {

struct ApplyReport {
    enum class Kind { unchanged, elements, created, replaced };
    Kind kind = Kind::unchanged;
    std::size_t added = 0; // elements
    std::size_t removed = 0;
    std::size_t messages = 0; // netlink messages in the transaction
};

class Backend {
  public:
    virtual ~Backend() = default;

    // Makes the kernel hold `desired` in one transaction: by element difference when the
    // table's fingerprint matches, else by replacing the table atomically. On failure the
    // kernel keeps what it had and the error names the role and service that caused it.
    virtual Result<ApplyReport> apply(const Layout &desired) = 0;

    // As apply(), for a caller that knows only the sets of `roles` can differ from the layout
    // it last applied (roles toggled or re-scoped). A backend may then compare only those
    // sets, so that a toggle costs the same however large other roles' scopes are.
    virtual Result<ApplyReport> apply_roles(const Layout &desired,
                                            const std::vector<std::string> &roles) {
        (void)roles;
        return apply(desired);
    }

    // Asks the kernel to validate `desired` without committing anything.
    virtual Status check(const Layout &desired) = 0;

    // What the kernel holds now (sets of table inet rolewall), empty when there is no table.
    virtual Result<std::vector<SetContent>> read() = 0;
};

// A backend that records the layouts it is given (for tests of role logic).
class RecordingBackend : public Backend {
  public:
    Result<ApplyReport> apply(const Layout &desired) override;
    Result<ApplyReport> apply_roles(const Layout &desired,
                                    const std::vector<std::string> &roles) override;
    Status check(const Layout &desired) override;
    Result<std::vector<SetContent>> read() override;

    std::vector<Layout> applied;
    std::vector<std::vector<std::string>> hints; // the roles of each apply_roles() call
    bool fail_next = false; // the next apply fails with kernel_rejected and changes nothing
};

} // namespace rolewall
