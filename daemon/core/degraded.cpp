// Failing closed: what the Manager does when it cannot start (degraded mode), and reading the
// kernel back to tell whether it holds what the daemon put there.
#include "rolewall/manager.hpp"

#include <algorithm>

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

// The kernel holds a table with sets: the last good state, kept exactly as it is. Anything
// else (no table, a table without sets, one that cannot even be read) gives way to the
// fail-safe, in one transaction.
Result<Report> Manager::hold(const Error &why) {
    Report report;
    auto sets = backend_.read();
    if (sets && !sets->empty()) {
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

namespace {

bool same_elements(const SetContent &a, const SetContent &b) {
    return a.elements == b.elements;
}

// Set by set: missing, extra, or with other elements.
std::vector<std::string> set_differences(const std::vector<SetContent> &want,
                                         const std::vector<SetContent> &have) {
    std::vector<std::string> out;
    auto by_name = [](const SetContent &s, const std::string &n) { return s.spec.name < n; };
    for (const SetContent &w : want) {
        auto it = std::lower_bound(have.begin(), have.end(), w.spec.name, by_name);
        if (it == have.end() || it->spec.name != w.spec.name)
            out.push_back("set " + w.spec.name + " is missing");
        else if (!(it->spec == w.spec) || !same_elements(*it, w))
            out.push_back("set " + w.spec.name + " holds other elements than rolewalld put there");
    }
    for (const SetContent &h : have) {
        auto it = std::lower_bound(want.begin(), want.end(), h.spec.name, by_name);
        if (it == want.end() || it->spec.name != h.spec.name)
            out.push_back("set " + h.spec.name + " is not one rolewalld made");
    }
    return out;
}

} // namespace

KernelMatch Manager::verify_kernel() {
    KernelMatch m;
    if (health_.ruleset == Ruleset::last_good) {
        m.differences.push_back("degraded: the table was kept as the kernel held it at start; "
                                "there is nothing rolewalld built to compare it with");
        return m;
    }
    auto sets = backend_.read();
    if (!sets) {
        m.differences.push_back("the kernel could not be read: " + sets.error().message);
        return m;
    }
    m.differences = set_differences(layout_.sets, *sets);
    m.state = m.differences.empty() ? KernelMatch::State::matches : KernelMatch::State::differs;
    return m;
}

} // namespace rolewall
