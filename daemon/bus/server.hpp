// The daemon's presence on the system bus: one connection, the object /org/rolewall1 and the
// name org.rolewall1. The connection is driven by the daemon's own poll loop (fd(), events(),
// timeout_ms(), process()), so every handler runs on the daemon's one thread.
#pragma once

#include "manager_service.hpp"
#include "rolewall/error.hpp"
#include "rolewall/manager.hpp"

#include <memory>
#include <sdbus-c++/IConnection.h>

namespace rolewall::bus {

class BusServer {
  public:
    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set), exports the object and
    // then takes the name, so that the name never points at a missing object.
    // Errc::io with the reason when the bus is not there; Errc::access_denied naming the other
    // owner (pid, command, unique name) when the name is held by another process.
    static Result<std::unique_ptr<BusServer>> connect(Manager &manager, ServiceHooks hooks);
    ~BusServer();

    struct Poll {
        int fd = -1;
        short events = 0;
        int timeout_ms = -1; // -1: none
    };
    Poll poll_data() const;
    // Handles everything pending. Errc::io when the connection is gone: drop this object and
    // connect again.
    Status process();
    void publish(const Report &report);
    // PropertiesChanged(State): the daemon turned degraded or running.
    void publish_state();
    std::string unique_name() const;

  private:
    BusServer() = default;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerService> service_;
    bool busy_ = false; // process() stopped with requests left
};

} // namespace rolewall::bus
