// The kernel side behind a small interface, so role logic is tested without privileges.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/ruleset.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rolewall {

struct ApplyReport {
    // elements: changed in place (roles' chains, sets and rules added or removed, elements
    // changed), the rest of the table and other roles' rule handles untouched.
    enum class Kind { unchanged, elements, created, replaced };
    Kind kind = Kind::unchanged;
    std::size_t added = 0; // elements
    std::size_t removed = 0;
    std::size_t messages = 0; // netlink messages in the transaction
    // When the backend read the table back (first apply, ApplyHint::repair()) and it was not
    // exactly what rolewalld had built: what differed ("chain input: policy accept, expected
    // drop"). The table was then replaced (kind replaced).
    std::vector<std::string> differences;
};

// Whether the kernel holds exactly a layout (Backend::verify()).
struct KernelCheck {
    bool matches = false;
    std::vector<std::string> differences; // empty when it matches
};

// Whether the kernel holds table inet rolewall, and whose it is (Backend::presence()).
struct TablePresence {
    bool exists = false;
    // The netlink port of the live socket that owns the table when it is not this backend's
    // (another rolewalld): the table cannot be changed while it lives. nullopt: the table is
    // ours, orphaned (its owner went away; persist kept it), or has no owner flag at all.
    std::optional<std::uint32_t> other_owner;
    bool failsafe = false; // its comment says it is the fail-safe table
    std::string comment;   // the table comment as the kernel holds it
};

// What a kernel counter counted, and since when (Backend::counters()).
struct Count {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t since_usec = 0; // CLOCK_REALTIME microseconds since which it counts
    bool operator==(const Count &) const = default;
};

// The counters of table inet rolewall: per enabled role what its chain's accept rules
// accepted (one counter per rule, summed), and what the final policy rule(s) dropped or
// rejected. A role counts from the moment its chain was created (enabling it); toggling or
// re-scoping another role leaves it alone, re-scoping the role itself too (only elements
// change), disabling it removes its chain and its counts. A table this backend found in the
// kernel (a restart) counts from the moment it first read it: what it counted before is
// subtracted, so that since_usec is true.
struct Counters {
    std::map<std::string, Count> roles; // by role id
    Count policy;
};

// Which roles a change may have touched: the backend may take every other role's part of the
// table to be as it last applied it. A caller that does not know says everything(); Reload
// says repair(): read the whole table back first and replace it if it is not exactly what the
// backend last applied (someone changed it).
class ApplyHint {
  public:
    static ApplyHint everything() { return ApplyHint(true, false, {}); }
    static ApplyHint repair() { return ApplyHint(true, true, {}); }
    static ApplyHint only(std::vector<std::string> roles) {
        return ApplyHint(false, false, std::move(roles));
    }

    bool all() const { return all_; }
    bool read_back() const { return read_back_; }
    // The roles named; empty when all().
    const std::vector<std::string> &roles() const { return roles_; }
    // Whether the part of `role` may differ from what the backend last applied.
    bool covers(const std::string &role) const {
        return all_ || std::find(roles_.begin(), roles_.end(), role) != roles_.end();
    }

  private:
    ApplyHint(bool all, bool read_back, std::vector<std::string> roles)
        : all_(all), read_back_(read_back), roles_(std::move(roles)) {}
    bool all_;
    bool read_back_;
    std::vector<std::string> roles_;
};

class Backend {
  public:
    virtual ~Backend();

    // Makes the kernel hold `desired` in one transaction: in place when the table is what the
    // backend last applied with the same skeleton (policy, fail-safe), else by replacing the
    // table atomically (never open or closed in between). The first apply reads the whole
    // table back: a leftover table is kept only if it is exactly what `desired` makes. On
    // failure the kernel keeps what it had and the error names the role and service that
    // caused it. With a hint naming roles, a backend may look only at those roles, so that a
    // toggle costs the same however large other roles' scopes are. There is no overload
    // without a hint, so no caller (nor a wrapper) can lose it.
    virtual Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) = 0;

    // Asks the kernel to validate `desired` without committing anything.
    virtual Status check(const Layout &desired) = 0;

    // Reads the whole table back and compares it with `expected`: for status, not for a toggle
    // (it costs a read of every object and element). Changes nothing.
    virtual Result<KernelCheck> verify(const Layout &expected) = 0;

    // What the kernel holds now (sets of table inet rolewall), empty when there is no table.
    virtual Result<std::vector<SetContent>> read() = 0;

    // Whether the kernel holds table inet rolewall and who owns it, read fresh; sends nothing.
    virtual Result<TablePresence> presence() = 0;

    // Keeps the table exactly as it is, but makes it this backend's: an orphaned table
    // (persist, owner gone) is taken over for this socket, so that nothing else (`nft flush
    // ruleset`, a stray nft) can remove it while rolewalld runs. Nothing else is sent: kind
    // unchanged, messages 0 or 1. No table: unchanged, nothing sent. A table another live
    // process owns: Error kernel_rejected naming its netlink port. The next apply() reads the
    // table back and compares it as a first apply does.
    virtual Result<ApplyReport> keep() = 0;

    // The fingerprint this backend writes into the table comment for `layout`, so that
    // render_nft(layout, fingerprint(layout)) is the table as the kernel lists it ("" when the
    // backend writes none).
    virtual std::string fingerprint(const Layout &) const { return {}; }

    // Reads the counters of the table now (one dump of its rules; nothing changes). No table:
    // no roles, a zero policy count.
    virtual Result<Counters> counters() = 0;
};

} // namespace rolewall
