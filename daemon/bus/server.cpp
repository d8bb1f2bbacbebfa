#include "server.hpp"

#include "bus_names.hpp"

#include <cstdint>
#include <fstream>
#include <sdbus-c++/IProxy.h>

namespace rolewall::bus {

namespace {

// "pid 1234, rolewalld, :1.5": who owns `name`, as the bus daemon says; "" when nobody does.
std::string owner_of(sdbus::IConnection &connection, const std::string &name) {
    try {
        auto bus = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        std::string unique;
        bus->callMethod("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name)
            .storeResultsTo(unique);
        std::uint32_t pid = 0;
        bus->callMethod("GetConnectionUnixProcessID")
            .onInterface("org.freedesktop.DBus")
            .withArguments(unique)
            .storeResultsTo(pid);
        std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
        std::string command;
        std::getline(comm, command);
        return "pid " + std::to_string(pid) + (command.empty() ? "" : ", " + command) + ", " +
               unique;
    } catch (const sdbus::Error &) {
        return {};
    }
}

} // namespace

Result<std::unique_ptr<BusServer>> BusServer::connect(Manager &manager, ServiceHooks hooks) {
    std::unique_ptr<BusServer> server(new BusServer);
    try {
        server->connection_ = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error &e) {
        return make_error(Errc::io, "cannot connect to the system bus: " + e.getMessage());
    }
    try {
        server->service_ =
            std::make_unique<ManagerService>(*server->connection_, manager, std::move(hooks));
        server->connection_->requestName(service_name);
    } catch (const sdbus::Error &e) {
        if (std::string owner = owner_of(*server->connection_, service_name); !owner.empty())
            return make_error(Errc::access_denied,
                              std::string("the name ") + service_name +
                                  " on the system bus is held by another process (" + owner +
                                  "): is another rolewalld running?");
        return make_error(Errc::io, std::string("cannot take the name ") + service_name +
                                        " on the system bus: " + e.getMessage());
    }
    return server;
}

BusServer::~BusServer() {
    // The object goes before the connection it is registered on.
    service_.reset();
    connection_.reset();
}

BusServer::Poll BusServer::poll_data() const {
    auto p = connection_->getEventLoopPollData();
    return {p.fd, p.events, busy_ ? 0 : p.getPollTimeout()};
}

Status BusServer::process() {
    // A bounded batch, so that a flood of calls cannot keep the loop from its signals; when
    // the batch ran out, poll_data() asks for an immediate return to come back here.
    constexpr int batch = 64;
    try {
        busy_ = false;
        for (int i = 0; i < batch; ++i)
            if (!connection_->processPendingRequest()) return Ok{};
        busy_ = true;
        return Ok{};
    } catch (const sdbus::Error &e) {
        return make_error(Errc::io, "the system bus connection failed: " + e.getMessage());
    }
}

void BusServer::publish(const Report &report) {
    try {
        service_->publish(report);
    } catch (const sdbus::Error &) {
        // A broken connection shows up in process(); nothing to publish to until then.
    }
}

void BusServer::publish_state() {
    try {
        service_->publish_state();
    } catch (const sdbus::Error &) {
        // As publish().
    }
}

std::string BusServer::unique_name() const {
    try {
        return connection_->getUniqueName();
    } catch (const sdbus::Error &) {
        return {};
    }
}

} // namespace rolewall::bus
