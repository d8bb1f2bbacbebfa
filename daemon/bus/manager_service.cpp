#include "manager_service.hpp"

#include "bus_names.hpp"
#include "errors.hpp"
#include "rolewall/paths.hpp"

#include <algorithm>
#include <memory>

namespace rolewall::bus {

ResultMap outcome_result(const RoleOutcome &o) {
    ResultMap out;
    auto describe = [&](const std::optional<EnabledRole> &r, const char *enabled,
                        const char *interfaces, const char *sources, const char *origin) {
        Scope scope = r ? r->scope : Scope{};
        out[enabled] = sdbus::Variant(r.has_value());
        out[interfaces] = sdbus::Variant(scope.interfaces);
        out[sources] = sdbus::Variant(source_strings(scope.sources));
        out[origin] = sdbus::Variant(std::string(r ? origin_name(r->origin) : ""));
    };
    out[result_changed] = sdbus::Variant(o.changed);
    describe(o.after, result_enabled, result_interfaces, result_sources, result_origin);
    describe(o.before, result_was_enabled, result_was_interfaces, result_was_sources,
             result_was_origin);
    out[result_warnings] = sdbus::Variant(o.warnings);
    if (o.expires) out[result_expires] = sdbus::Variant(o.expires);
    if (o.pending_deadline) out[result_pending_deadline] = sdbus::Variant(o.pending_deadline);
    return out;
}

std::vector<std::string> notice_texts(const std::vector<Notice> &notices) {
    std::vector<std::string> out;
    for (const auto &n : notices)
        out.push_back(n.message);
    return out;
}

ManagerService::ManagerService(sdbus::IConnection &connection, Manager &manager, ServiceHooks hooks)
    : AdaptorInterfaces(connection, object_path), manager_(manager), hooks_(std::move(hooks)),
      authorizer_(connection) {
    authorizer_.on_refused(hooks_.refused);
    registerAdaptor();
}

ManagerService::~ManagerService() {
    unregisterAdaptor();
}

void ManagerService::publish(const Report &report) {
    for (const auto &c : report.changes)
        emitRoleChanged(c.role, c.enabled);
    if (report.names_changed)
        getObject().emitPropertiesChangedSignal(interface_name, {"EnabledRoles"});
    if (report.pending_changed)
        getObject().emitPropertiesChangedSignal(interface_name,
                                                {"PendingChange", "PendingDeadline"});
}

std::vector<sdbus::Struct<std::string, std::string, bool>> ManagerService::ListRoles() {
    return guarded([&] {
        std::vector<sdbus::Struct<std::string, std::string, bool>> out;
        for (const auto &[id, role] : manager_.catalog().roles())
            out.emplace_back(id, role.title, manager_.find(id) != nullptr);
        return out;
    });
}

std::tuple<std::string, std::string, std::vector<std::string>,
           std::vector<sdbus::Struct<std::string, uint16_t, uint16_t, std::string, std::string>>,
           std::vector<sdbus::Struct<uint8_t, std::string, std::string, std::string>>, bool,
           std::vector<std::string>, std::vector<std::string>, std::string>
ManagerService::GetRole(const std::string &name) {
    return guarded([&] {
        const Catalog &catalog = manager_.catalog();
        const Role *role = catalog.role(name);
        if (!role)
            throw to_dbus_error(
                make_error(Errc::unknown_role, "there is no role '" + name + "' in the catalog"));
        std::vector<sdbus::Struct<std::string, uint16_t, uint16_t, std::string, std::string>> ports;
        for (const auto &p : catalog.role_ports(name, manager_.config().ranges))
            ports.emplace_back(l4_name(p.l4), p.ports.first, p.ports.last, p.service,
                               p.application);
        std::vector<sdbus::Struct<uint8_t, std::string, std::string, std::string>> protocols;
        for (const auto &p : catalog.role_ip_protocols(name))
            protocols.emplace_back(p.number, ip_protocol_name(p.number), p.service, p.application);
        const EnabledRole *enabled = manager_.find(name);
        Scope scope = enabled ? enabled->scope : Scope{};
        return std::make_tuple(role->title, role->description, catalog.role_services(name),
                               std::move(ports), std::move(protocols), enabled != nullptr,
                               scope.interfaces, source_strings(scope.sources),
                               std::string(enabled ? origin_name(enabled->origin) : ""));
    });
}

std::vector<
    sdbus::Struct<std::string, std::string, std::vector<std::string>, std::vector<std::string>>>
ManagerService::ListEnabled() {
    return guarded([&] {
        std::vector<sdbus::Struct<std::string, std::string, std::vector<std::string>,
                                  std::vector<std::string>>>
            out;
        for (const auto &[name, r] : manager_.enabled())
            out.emplace_back(name, origin_name(r.origin), r.scope.interfaces,
                             source_strings(r.scope.sources));
        return out;
    });
}

std::vector<sdbus::Struct<std::string, std::string, std::string, uint16_t, uint16_t,
                          std::vector<std::string>>>
ManagerService::WhichPort(const uint16_t &port, const std::string &protocol) {
    return guarded([&] {
        std::optional<L4> l4;
        if (protocol == "tcp")
            l4 = L4::tcp;
        else if (protocol == "udp")
            l4 = L4::udp;
        else if (!protocol.empty())
            throw invalid_argument("protocol '" + protocol +
                                   "' is not one of \"tcp\", \"udp\" or \"\" (both)");
        const Catalog &catalog = manager_.catalog();
        std::vector<sdbus::Struct<std::string, std::string, std::string, uint16_t, uint16_t,
                                  std::vector<std::string>>>
            out;
        for (const auto &use : catalog.which(port, l4, manager_.config().ranges))
            out.emplace_back(use.service->id, use.entry->application, l4_name(use.entry->l4),
                             use.ports.first, use.ports.last, catalog.roles_using(use.service->id));
        return out;
    });
}

std::map<std::string, ResultMap> ManagerService::DescribeEnabled() {
    return guarded([&] {
        std::map<std::string, ResultMap> out;
        const Config &config = manager_.config();
        for (const auto &[name, r] : manager_.enabled()) {
            ResultMap &d = out[name];
            d["origin"] = sdbus::Variant(std::string(origin_name(r.origin)));
            d["interfaces"] = sdbus::Variant(r.scope.interfaces);
            d["sources"] = sdbus::Variant(source_strings(r.scope.sources));
            if (auto t = manager_.timers().find(name); t != manager_.timers().end())
                d["expires"] = sdbus::Variant(t->second.expires);
            auto saved = manager_.saved().find(name);
            if (r.origin == RoleOrigin::state && saved != manager_.saved().end()) {
                d["saved_at"] = sdbus::Variant(saved->second.saved_at);
                d["saved_by"] = sdbus::Variant(saved->second.saved_by);
            }
            auto entry = config.roles.find(name);
            d["config_differs"] =
                sdbus::Variant(r.origin != RoleOrigin::config && entry != config.roles.end() &&
                               entry->second != r.scope);
        }
        return out;
    });
}

std::string ManagerService::RenderRuleset() {
    return guarded([&] { return manager_.rendered(); });
}

std::vector<std::string> ManagerService::EnabledRoles() {
    return manager_.enabled_names();
}

std::string ManagerService::Version() {
    return paths::version;
}

void ManagerService::EnableRole(sdbus::Result<ResultMap> &&result, std::string name,
                                std::map<std::string, sdbus::Variant>) {
    role_change(std::move(result), "enable", enable_options(manager_.config().limits),
                [this, name](RoleRequest &r) { return manager_.enable(name, r.scope, r.change); });
}

void ManagerService::DisableRole(sdbus::Result<ResultMap> &&result, std::string name,
                                 std::map<std::string, sdbus::Variant>) {
    role_change(std::move(result), "disable", disable_options(),
                [this, name](RoleRequest &r) { return manager_.disable(name, r.change); });
}

std::shared_ptr<Result<OptionSet>>
ManagerService::current_options(int index, const std::vector<OptionSpec> &spec) {
    // Shared, not copied: std::function copies its target, and a list may hold 65,536 items.
    return std::make_shared<Result<OptionSet>>(
        read_call_options(*getObject().getCurrentlyProcessedMessage(), index, spec));
}

namespace {

// "uid 0": who saved a state entry (the bus name would mean nothing later).
std::string saver(const Caller &c) {
    return c.uid ? "uid " + std::to_string(*c.uid) : describe(c);
}

} // namespace

void ManagerService::role_change(sdbus::Result<ResultMap> &&result, const std::string &what,
                                 const std::vector<OptionSpec> &spec,
                                 const std::function<Result<Report>(RoleRequest &)> &change) {
    auto options = current_options(1, spec);
    authorized_change(
        std::move(result), what,
        [options, change](const Caller &c) -> Result<Report> {
            if (!*options) return options->error();
            auto request = role_request(**options);
            if (!request) return request.error();
            request->change.who = saver(c);
            return change(*request);
        },
        [](sdbus::Result<ResultMap> &reply, const Report &r) {
            reply.returnResults(outcome_result(r.outcomes.at(0)));
        });
}

void ManagerService::RevertRoles(sdbus::Result<std::map<std::string, ResultMap>> &&result,
                                 std::vector<std::string> names,
                                 std::map<std::string, sdbus::Variant>) {
    auto options = current_options(1, revert_options());
    auto roles = std::make_shared<std::vector<std::string>>(std::move(names));
    authorized_change(
        std::move(result), "revert",
        [this, options, roles](const Caller &c) -> Result<Report> {
            if (!*options) return options->error();
            auto request = revert_request(*roles, **options);
            if (!request) return request.error();
            request->change.who = saver(c);
            return manager_.revert(request->all ? manager_.overlaid() : *roles, request->change);
        },
        [](sdbus::Result<std::map<std::string, ResultMap>> &reply, const Report &r) {
            std::map<std::string, ResultMap> out;
            for (const auto &o : r.outcomes)
                out.emplace(o.role, outcome_result(o));
            reply.returnResults(out);
        });
}

void ManagerService::Reload(sdbus::Result<std::vector<std::string>> &&result) {
    // The daemon's reload logs and publishes itself.
    authorized_change(
        std::move(result), "reload",
        [this](const Caller &c) { return hooks_.reload(c, ChangeOptions{}); },
        [](sdbus::Result<std::vector<std::string>> &reply, const Report &r) {
            reply.returnResults(notice_texts(r.notices));
        },
        false);
}

void ManagerService::ReloadWithOptions(sdbus::Result<std::vector<std::string>> &&result,
                                       std::map<std::string, sdbus::Variant>) {
    auto options = current_options(0, reload_options());
    authorized_change(
        std::move(result), "reload",
        [this, options](const Caller &c) -> Result<Report> {
            if (!*options) return options->error();
            auto request = reload_request(**options);
            if (!request) return request.error();
            request->who = saver(c);
            return hooks_.reload(c, *request);
        },
        [](sdbus::Result<std::vector<std::string>> &reply, const Report &r) {
            reply.returnResults(notice_texts(r.notices));
        },
        false);
}

void ManagerService::ConfirmPending(sdbus::Result<> &&result) {
    authorized_change(
        std::move(result), "confirm", [this](const Caller &) { return manager_.confirm_pending(); },
        [](sdbus::Result<> &reply, const Report &) { reply.returnResults(); });
}

void ManagerService::RevertPending(sdbus::Result<> &&result) {
    authorized_change(
        std::move(result), "confirm --abort",
        [this](const Caller &) { return manager_.revert_pending(); },
        [](sdbus::Result<> &reply, const Report &) { reply.returnResults(); });
}

std::string ManagerService::PendingChange() {
    auto p = manager_.pending();
    return p ? p->what : std::string();
}

uint64_t ManagerService::PendingDeadline() {
    auto p = manager_.pending();
    return p ? p->deadline : 0;
}

// Arguments are checked after authorization, so that a refused caller learns nothing but
// AccessDenied. The reply is sent after the signals, so a caller that got it has seen them.
template <typename Reply, typename Send>
void ManagerService::authorized_change(Reply &&result, const std::string &what,
                                       const Action &action, Send send, bool tell) {
    Caller caller = authorizer_.identify(*getObject().getCurrentlyProcessedMessage());
    // sdbus::Result is move-only and std::function copies: share it.
    auto reply = std::make_shared<std::decay_t<Reply>>(std::forward<Reply>(result));
    authorizer_.check(caller, [this, reply, what, caller, action, send, tell](const Decision &d) {
        try {
            if (!d.allowed) return reply->returnError(access_denied(d.why));
        } catch (const sdbus::Error &) {
            return; // the caller or the bus went away
        }
        auto job = [this, reply, what, caller, action, send, tell] {
            try {
                Result<Report> r = [&]() -> Result<Report> {
                    try {
                        return action(caller);
                    } catch (const std::exception &e) {
                        return make_error(Errc::io, std::string("internal error: ") + e.what());
                    }
                }();
                if (!r) return reply->returnError(to_dbus_error(r.error()));
                if (tell && hooks_.changed) hooks_.changed(*r, what, caller);
                send(*reply, *r);
            } catch (const sdbus::Error &) {
                // The reply could not be sent (the caller or the bus went away): nothing to do.
            }
        };
        if (hooks_.defer)
            hooks_.defer(std::move(job));
        else
            job();
    });
}

} // namespace rolewall::bus
