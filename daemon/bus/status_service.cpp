// The health members of /org/rolewall1: GetStatus and the State property. They translate;
// the Manager knows how the daemon stands (degraded.cpp).
#include "bus_names.hpp"
#include "errors.hpp"
#include "manager_service.hpp"

#include <chrono>
#include <cstdint>

namespace rolewall::bus {

namespace {

// Degraded: the message and every problem, "file:line:column: message", one per line.
std::string error_text(const Health &h) {
    return h.degraded ? h.error.describe() : std::string();
}

} // namespace

std::map<std::string, sdbus::Variant> ManagerService::GetStatus() {
    return guarded([&] {
        const Health &h = manager_.health();
        KernelMatch kernel = manager_.verify_kernel();
        return std::map<std::string, sdbus::Variant>{
            {"state", sdbus::Variant(State())},
            {"error", sdbus::Variant(error_text(h))},
            {"ruleset", sdbus::Variant(std::string(ruleset_name(h.ruleset)))},
            {"kernel", sdbus::Variant(std::string(kernel_match_name(kernel.state)))},
            {"kernel_differences", sdbus::Variant(kernel.differences)},
            {"started", sdbus::Variant(manager_.started_at())},
            // when the daemon answered, for countdowns in clients whose clock differs
            {"now", sdbus::Variant(realtime_usec())},
            {"overrides", sdbus::Variant(notice_texts(manager_.overrides()))},
            {"log_drops", sdbus::Variant(hooks_.drops && hooks_.drops() != nullptr)},
            // the change that waits for confirmation ("" / 0 when none)
            {"pending", sdbus::Variant(PendingChange())},
            {"pending_deadline", sdbus::Variant(PendingDeadline())},
            {"pending_by", sdbus::Variant(manager_.pending() ? manager_.pending()->by : "")},
        };
    });
}

std::string ManagerService::State() {
    return manager_.health().degraded ? "degraded" : "running";
}

void ManagerService::publish_state() {
    getObject().emitPropertiesChangedSignal(interface_name, {"State"});
}

} // namespace rolewall::bus
