#include "recording_backend.hpp"

namespace testsupport {

using namespace rolewall;

Result<ApplyReport> RecordingBackend::apply(const Layout &desired, const ApplyHint &hint) {
    hints.push_back(hint);
    if (fail_next) {
        fail_next = false;
        return make_error(Errc::kernel_rejected, "the kernel refused the change (test)");
    }
    ApplyReport r;
    if (applied.empty()) {
        r.kind = ApplyReport::Kind::created;
    } else if (applied.back().fingerprint() != desired.fingerprint()) {
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

Result<std::vector<SetContent>> RecordingBackend::read() {
    if (applied.empty()) return std::vector<SetContent>{};
    return applied.back().sets;
}

} // namespace testsupport
