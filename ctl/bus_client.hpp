// rolewallctl's side of the bus: the proxy generated from org.rolewall1.Manager.xml, and the
// one way verbs reach rolewalld (connection, timeout, errors -> messages and exit codes).
#pragma once

#include "bus_names.hpp"
#include "rolewall/bus/manager_proxy.h"

#include <functional>
#include <string>

namespace rolewall::ctl {

// The generated proxy on our own connection. registerProxy() is not called: it would install
// a match rule for RoleChanged (one more round trip to the bus) that no verb listens to.
class Client final : public sdbus::ProxyInterfaces<org::rolewall1::Manager_proxy> {
  public:
    explicit Client(sdbus::IConnection &connection)
        : ProxyInterfaces(connection, bus::service_name, bus::object_path) {}
    ~Client() = default;

  private:
    void onRoleChanged(const std::string &, const bool &) override {}
};

// Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set) and runs `call`; a D-Bus error
// is reported on stderr and becomes the exit code (ctl.hpp).
int with_daemon(const std::function<int(Client &)> &call);

struct Options;
// After a reload: the Samba warnings of ctl.hpp for the roles the daemon has in force.
void warn_samba_disagreements(const Options &o, Client &daemon);

} // namespace rolewall::ctl
