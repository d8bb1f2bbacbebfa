// The object /org/rolewall1: translates D-Bus calls into Manager calls and back. It parses
// arguments, checks authorization, calls the core and maps its errors (errors.cpp); the role
// logic itself is in Manager.
#pragma once

#include "authorizer.hpp"
#include "options.hpp"
#include "rolewall/bus/manager_adaptor.h"
#include "rolewall/drops.hpp"
#include "rolewall/manager.hpp"

#include <functional>
#include <memory>
#include <string>

namespace rolewall::bus {

// What the owner of the service (the daemon) does around changes.
struct ServiceHooks {
    // Performs a reload for a caller: the daemon adds sd_notify, logging and publish() around
    // Manager::reload().
    std::function<Result<Report>(const Caller &, const ChangeOptions &)> reload;
    // Called after every successful change made over the bus, before the reply is sent:
    // the daemon logs it and calls publish().
    std::function<void(const Report &, const std::string &what, const Caller &)> changed;
    // Called for every call refused for want of authorization: the daemon logs it.
    Authorizer::Refused refused;
    // The table of recent drops, or nullptr when drops are not recorded.
    std::function<const DropTable *()> drops;
    // Runs an authorized change later, on the daemon's loop, outside sd-bus's dispatch (so
    // that the loop can answer reads while the kernel applies it). Unset: run at once.
    std::function<void(std::function<void()>)> defer;
};

using ResultMap = std::map<std::string, sdbus::Variant>;
// The result a{sv} of EnableRole/DisableRole for what the change did to its role.
ResultMap outcome_result(const RoleOutcome &outcome);
// The messages of `notices`, in order (Reload's reply, GetStatus overrides).
std::vector<std::string> notice_texts(const std::vector<Notice> &notices);

class ManagerService final : public sdbus::AdaptorInterfaces<org::rolewall1::Manager_adaptor> {
  public:
    ManagerService(sdbus::IConnection &connection, Manager &manager, ServiceHooks hooks);
    ~ManagerService();

    // RoleChanged for every changed role, then PropertiesChanged(EnabledRoles) when the set of
    // names changed.
    void publish(const Report &report);
    // PropertiesChanged(State).
    void publish_state();

  private:
    std::vector<sdbus::Struct<std::string, std::string, bool>> ListRoles() override;
    std::tuple<
        std::string, std::string, std::vector<std::string>,
        std::vector<sdbus::Struct<std::string, uint16_t, uint16_t, std::string, std::string>>,
        std::vector<sdbus::Struct<uint8_t, std::string, std::string, std::string>>, bool,
        std::vector<std::string>, std::vector<std::string>, std::string>
    GetRole(const std::string &name) override;
    std::vector<
        sdbus::Struct<std::string, std::string, std::vector<std::string>, std::vector<std::string>>>
    ListEnabled() override;
    void EnableRole(sdbus::Result<ResultMap> &&result, std::string name,
                    std::map<std::string, sdbus::Variant> options) override;
    void DisableRole(sdbus::Result<ResultMap> &&result, std::string name,
                     std::map<std::string, sdbus::Variant> options) override;
    void Reload(sdbus::Result<std::vector<std::string>> &&result) override;
    void ReloadWithOptions(sdbus::Result<std::vector<std::string>> &&result,
                           std::map<std::string, sdbus::Variant> options) override;
    void ConfirmPending(sdbus::Result<> &&result) override;
    void RevertPending(sdbus::Result<> &&result) override;
    std::string PendingChange() override;
    uint64_t PendingDeadline() override;
    void RevertRoles(sdbus::Result<std::map<std::string, ResultMap>> &&result,
                     std::vector<std::string> names,
                     std::map<std::string, sdbus::Variant> options) override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, uint16_t, uint16_t,
                              std::vector<std::string>>>
    WhichPort(const uint16_t &port, const std::string &protocol) override;
    // Observability (insight_service.cpp): Explain, ListDrops, GetCounters.
    std::map<std::string, sdbus::Variant> Explain(const std::string &source, const uint16_t &port,
                                                  const std::string &protocol,
                                                  const std::string &interface) override;
    void ListDrops(sdbus::Result<std::vector<std::map<std::string, sdbus::Variant>>> &&result,
                   std::map<std::string, sdbus::Variant> options) override;
    std::vector<std::map<std::string, sdbus::Variant>>
    list_drops(const std::map<std::string, sdbus::Variant> &options);
    using CounterReply =
        std::tuple<std::vector<sdbus::Struct<std::string, uint64_t, uint64_t, uint64_t>>,
                   sdbus::Struct<uint64_t, uint64_t, uint64_t>>;
    CounterReply GetCounters() override;
    // Catalog details (catalog_service.cpp): GetService.
    std::map<std::string, sdbus::Variant> GetService(const std::string &id) override;
    // Health (status_service.cpp): GetStatus, State.
    std::map<std::string, sdbus::Variant> GetStatus() override;
    std::string State() override;
    std::string RenderRuleset() override;
    std::map<std::string, ResultMap> DescribeEnabled() override;
    std::vector<std::string> EnabledRoles() override;
    std::string Version() override;

    using Action = std::function<Result<Report>(const Caller &)>;
    // Authorizes the caller of the current message, runs `action`, tells hooks_.changed (when
    // `tell`) and answers `result` with send(result, report).
    template <typename Reply, typename Send>
    void authorized_change(Reply &&result, const std::string &what, const Action &action, Send send,
                           bool tell = true);
    // EnableRole and DisableRole: options read from the raw message now (it is the current
    // message only during the handler), checked after authorization.
    void role_change(sdbus::Result<ResultMap> &&result, const std::string &what,
                     const std::vector<OptionSpec> &spec,
                     const std::function<Result<Report>(RoleRequest &)> &change);
    // Options of the current message (argument `index`), shared: a list may be long.
    std::shared_ptr<Result<OptionSet>> current_options(int index,
                                                       const std::vector<OptionSpec> &spec);

    Manager &manager_;
    ServiceHooks hooks_;
    Authorizer authorizer_;
};

} // namespace rolewall::bus
