// A Backend that records the layouts it is given, for tests of role logic without a kernel
// (the interface is include/rolewall/backend.hpp; this stub lives with the tests).
#pragma once

#include "rolewall/backend.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

class RecordingBackend : public rolewall::Backend {
  public:
    rolewall::Result<rolewall::ApplyReport> apply(const rolewall::Layout &desired,
                                                  const rolewall::ApplyHint &hint) override;
    rolewall::Status check(const rolewall::Layout &desired) override;
    rolewall::Result<rolewall::KernelCheck> verify(const rolewall::Layout &expected) override;
    rolewall::Result<std::vector<rolewall::SetContent>> read() override;
    // exists once a layout was applied (failsafe as the last one says); other_owner as set.
    rolewall::Result<rolewall::TablePresence> presence() override;
    // Counts the calls; changes nothing.
    rolewall::Result<rolewall::ApplyReport> keep() override;
    // `counts`, for the roles of the last layout applied (zero for the others).
    rolewall::Result<rolewall::Counters> counters() override;

    std::vector<rolewall::Layout> applied;
    std::vector<rolewall::ApplyHint> hints; // the hint of each apply() call
    int kept = 0;                           // keep() calls
    rolewall::Counters counts;              // what counters() reports
    // When set: another live process owns the table (presence() says so; apply() is refused).
    std::optional<std::uint32_t> other_owner;
    bool fail_next = false; // the next apply fails with kernel_rejected and changes nothing
};

} // namespace testsupport
