#include "recording_backend.hpp"

namespace testsupport {

using namespace rolewall;

Result<ApplyReport> RecordingBackend::apply(const Layout &desired, const ApplyHint &hint) {
    hints.push_back(hint);
    if (other_owner)
        return make_error(Errc::kernel_rejected, "the table belongs to another process (test)");
    if (fail_next) {
        fail_next = false;
        return make_error(Errc::kernel_rejected, "the kernel refused the change (test)");
    }
    ApplyReport r;
    if (applied.empty()) {
        r.kind = ApplyReport::Kind::created;
    } else if (!applied.back().same_skeleton(desired)) {
        r.kind = ApplyReport::Kind::replaced;
    } else {
        auto changes = diff(applied.back().sets, desired.sets);
        for (const auto &c : changes) {
            r.added += c.add.size();
            r.removed += c.remove.size();
        }
        r.kind = changes.empty() ? ApplyReport::Kind::unchanged : ApplyReport::Kind::elements;
    }
    applied.push_back(desired);
    return r;
}

Status RecordingBackend::check(const Layout &) {
    return Ok{};
}

Result<KernelCheck> RecordingBackend::verify(const Layout &expected) {
    KernelCheck out;
    out.matches = !applied.empty() && applied.back().roles == expected.roles &&
                  applied.back().sets == expected.sets && applied.back().same_skeleton(expected);
    if (!out.matches) out.differences.push_back("the last layout applied differs (test)");
    return out;
}

Result<std::vector<SetContent>> RecordingBackend::read() {
    if (applied.empty()) return std::vector<SetContent>{};
    return applied.back().sets;
}

Result<TablePresence> RecordingBackend::presence() {
    TablePresence p;
    p.exists = !applied.empty();
    p.failsafe = p.exists && applied.back().failsafe;
    p.other_owner = other_owner;
    return p;
}

Result<ApplyReport> RecordingBackend::keep() {
    ++kept;
    return ApplyReport{};
}

Result<Counters> RecordingBackend::counters() {
    Counters out;
    out.policy = counts.policy;
    if (applied.empty()) return out;
    for (const RoleChain &r : applied.back().roles) {
        auto it = counts.roles.find(r.role);
        out.roles[r.role] = it != counts.roles.end() ? it->second : Count{};
    }
    return out;
}

} // namespace testsupport
