// The observability members of /org/rolewall1: they translate, the core computes
// (explain.hpp, verdict.hpp, drops.hpp).
#include "errors.hpp"
#include "manager_service.hpp"
#include "rolewall/explain.hpp"

namespace rolewall::bus {

namespace {

using Options = std::map<std::string, sdbus::Variant>;

// An option of type T, or nullopt when absent; a wrong type is InvalidArgument naming it.
template <typename T>
std::optional<T> option(const Options &options, const std::string &key, const char *type) {
    auto it = options.find(key);
    if (it == options.end()) return std::nullopt;
    if (!it->second.containsValueOfType<T>())
        throw invalid_argument("option '" + key + "' must be of type " + type);
    return it->second.get<T>();
}

std::map<std::string, sdbus::Variant> drop_map(const DropEntry &e, const DropInsight &insight) {
    return {
        {"interface", sdbus::Variant(e.key.interface)},
        {"protocol", sdbus::Variant(protocol_name(e.key.protocol))},
        {"port", sdbus::Variant(e.key.port)},
        {"source", sdbus::Variant(address_str(e.key.source))},
        {"packets", sdbus::Variant(e.packets)},
        {"first_seen", sdbus::Variant(e.first_seen)},
        {"last_seen", sdbus::Variant(e.last_seen)},
        {"services", sdbus::Variant(insight.services)},
        {"roles", sdbus::Variant(insight.roles)},
        {"would_accept", sdbus::Variant(insight.would_accept)},
    };
}

} // namespace

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

// The drops name others' addresses: authorization first, then the options.
void ManagerService::ListDrops(
    sdbus::Result<std::vector<std::map<std::string, sdbus::Variant>>> &&result,
    std::map<std::string, sdbus::Variant> options) {
    Caller caller = authorizer_.identify(*getObject().getCurrentlyProcessedMessage());
    auto reply = std::make_shared<std::remove_reference_t<decltype(result)>>(std::move(result));
    authorizer_.check(caller, [this, reply, options = std::move(options)](const Decision &d) {
        try {
            if (!d.allowed) return reply->returnError(access_denied(d.why));
            reply->returnResults(guarded([&] { return list_drops(options); }));
        } catch (const sdbus::Error &e) {
            try {
                reply->returnError(e); // a bad option
            } catch (const sdbus::Error &) {
                // The caller or the bus went away: nothing to do.
            }
        }
    });
}

std::vector<std::map<std::string, sdbus::Variant>>
ManagerService::list_drops(const std::map<std::string, sdbus::Variant> &options) {
    for (const auto &[key, value] : options)
        if (key != "since" && key != "limit")
            throw invalid_argument("unknown option '" + key + "' (ListDrops takes since, limit)");
    auto since = option<std::uint64_t>(options, "since", "t");
    auto limit = option<std::uint32_t>(options, "limit", "u");
    const DropTable *table = hooks_.drops ? hooks_.drops() : nullptr;
    std::vector<std::map<std::string, sdbus::Variant>> out;
    if (!table) return out;
    DropExplainer explainer(manager_.catalog(), manager_.config().ranges,
                            [&](const std::string &role) { return enable_scope(manager_, role); });
    for (const DropEntry &e : table->list(since.value_or(0), limit.value_or(0)))
        out.push_back(drop_map(e, explainer.explain(e.key)));
    return out;
}

ManagerService::CounterReply ManagerService::GetCounters() {
    return guarded([&] {
        auto counters = manager_.counters();
        if (!counters) throw to_dbus_error(counters.error());
        std::vector<sdbus::Struct<std::string, uint64_t, uint64_t, uint64_t>> roles;
        const Layout &layout = manager_.layout();
        for (const RoleChain &r : layout.roles) { // the enabled roles, by id
            if (layout.shell(r.role)) continue;
            auto it = counters->roles.find(r.role);
            Count c = it != counters->roles.end() ? it->second : Count{};
            roles.emplace_back(r.role, c.packets, c.bytes, c.since_usec);
        }
        const Count &p = counters->policy;
        sdbus::Struct<uint64_t, uint64_t, uint64_t> policy(p.packets, p.bytes, p.since_usec);
        return CounterReply(std::move(roles), policy);
    });
}

} // namespace rolewall::bus
