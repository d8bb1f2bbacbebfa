// Failing closed: what the Manager does when it cannot start (degraded mode), and reading the
// kernel back to tell whether it holds what the daemon put there.
#include "rolewall/manager.hpp"
#include "rolewall/verdict.hpp"

#include <string>

namespace rolewall {

const char *ruleset_name(Ruleset r) {
    switch (r) {
    case Ruleset::roles:
        return "roles";
    case Ruleset::last_good:
        return "last-good";
    case Ruleset::fail_safe:
        return "fail-safe";
    }
    return "?";
}

const char *kernel_match_name(KernelMatch::State s) {
    switch (s) {
    case KernelMatch::State::matches:
        return "matches";
    case KernelMatch::State::differs:
        return "differs";
    case KernelMatch::State::unknown:
        return "unknown";
    }
    return "?";
}

Status Manager::check_running() const {
    if (!health_.degraded) return Ok{};
    return make_error(
        Errc::degraded,
        "rolewalld runs degraded and takes no change but a reload: " + health_.error.message +
            " ('rolewallctl status' shows every problem; fix them, then "
            "'rolewallctl reload')");
}

// The kernel holds a table: the last good state, kept exactly as it is and taken over, so that
// nothing (`nft flush ruleset`, a stray nft) can remove it while the daemon runs degraded. No
// table (or one that cannot be read) gives way to the fail-safe, in one transaction; a
// fail-safe table left by a degraded daemon before is applied again (the backend compares it
// and keeps it if it is exactly that), so that it is called the fail-safe, not last good. A table
// another live process owns is neither: that process is the firewall, and this daemon cannot
// run (the error names the owner's netlink port; the daemon names its process).
Result<Report> Manager::hold(const Error &why) {
    Report report;
    auto there = backend_.presence();
    if (there && there->other_owner)
        return make_error(Errc::kernel_rejected,
                          "table inet rolewall belongs to another live process (netlink port " +
                              std::to_string(*there->other_owner) + ")");
    if (there && there->exists && !there->failsafe) {
        // Taken over when it can be; when not (raced by another process: then that one's
        // error), the table stays as it is all the same.
        auto kept = backend_.keep();
        if (!kept) {
            if (auto again = backend_.presence(); again && again->other_owner) return kept.error();
            report.notices.push_back({"the table inet rolewall the kernel holds is kept as it "
                                      "is, but could not be taken over: " +
                                          kept.error().message,
                                      ""});
        }
        // What the kernel holds, as far as the sets tell it: what Explain and audit evaluate.
        // The policy is not in the sets: drop, as every layout's default.
        auto sets = backend_.read();
        layout_ =
            layout_from_sets(sets ? std::move(*sets) : std::vector<SetContent>{}, Policy::drop);
        health_ = {true, why, Ruleset::last_good};
        return report;
    }
    Layout failsafe = failsafe_layout();
    auto applied = backend_.apply(failsafe, ApplyHint::everything());
    if (!applied) return applied.error();
    report.applied = true;
    report.apply = *applied;
    layout_ = std::move(failsafe);
    health_ = {true, why, Ruleset::fail_safe};
    return report;
}

KernelMatch Manager::verify_kernel() {
    KernelMatch m;
    if (health_.ruleset == Ruleset::last_good) {
        m.differences.push_back("degraded: the table was kept as the kernel held it at start; "
                                "there is nothing rolewalld built to compare it with");
        return m;
    }
    auto check = backend_.verify(layout_);
    if (!check) {
        m.differences.push_back("the kernel could not be read: " + check.error().message);
        return m;
    }
    m.differences = std::move(check->differences);
    m.state = check->matches ? KernelMatch::State::matches : KernelMatch::State::differs;
    return m;
}

} // namespace rolewall
