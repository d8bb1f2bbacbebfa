// The observability members of /org/rolewall1: they translate, the core computes
// (explain.hpp, verdict.hpp).
#include "errors.hpp"
#include "manager_service.hpp"
#include "rolewall/explain.hpp"

namespace rolewall::bus {

std::map<std::string, sdbus::Variant> ManagerService::Explain(const std::string &source,
                                                              const uint16_t &port,
                                                              const std::string &protocol,
                                                              const std::string &interface) {
    return guarded([&] {
        auto packet = make_packet(source, port, protocol, interface);
        if (!packet) throw to_dbus_error(packet.error());
        // The daemon's own namespace decides where a packet from there comes in.
        if (packet->interface.empty()) packet->interface = route_interface(packet->source);
        Explanation e =
            explain(manager_.layout(), manager_.catalog(), manager_.config().ranges, *packet,
                    [&](const std::string &role) { return enable_scope(manager_, role); });
        return std::map<std::string, sdbus::Variant>{
            {"verdict", sdbus::Variant(std::string(action_name(e.verdict.action)))},
            {"role", sdbus::Variant(e.verdict.role)},
            {"rule", sdbus::Variant(e.verdict.rule)},
            {"interface", sdbus::Variant(e.packet.interface)},
            {"roles", sdbus::Variant(e.roles)},
            {"would_accept", sdbus::Variant(e.would_accept)},
            {"commands", sdbus::Variant(e.commands)},
        };
    });
}

} // namespace rolewall::bus
