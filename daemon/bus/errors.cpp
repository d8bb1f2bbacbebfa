#include "errors.hpp"

#include "bus_names.hpp"

namespace rolewall::bus {

const char *error_name(Errc code) {
    switch (code) {
    case Errc::unknown_role:
        return error_unknown_role;
    case Errc::unknown_service:
        return error_unknown_service;
    case Errc::invalid_argument:
        return error_invalid_argument;
    case Errc::access_denied:
        return error_access_denied;
    case Errc::kernel_rejected:
        return error_kernel_rejected;
    case Errc::invalid_config:
        return error_invalid_config;
    case Errc::io:
        return error_failed;
    case Errc::degraded:
        return error_degraded;
    case Errc::limit_exceeded:
        return error_limit_exceeded;
    case Errc::pending:
        return error_pending;
    case Errc::nothing_pending:
        return error_nothing_pending;
    case Errc::lock_out:
        return error_lock_out;
    }
    return error_failed;
}

sdbus::Error to_dbus_error(const Error &error) {
    std::string message = error.describe();
    switch (error.code) {
    case Errc::kernel_rejected:
    case Errc::io:
        if (message.find("nothing was changed") == std::string::npos)
            message += "; nothing was changed";
        break;
    case Errc::invalid_config:
        message += "\n(the firewall keeps running as it was)";
        break;
    default:
        break;
    }
    return sdbus::Error(error_name(error.code), message);
}

sdbus::Error invalid_argument(const std::string &message) {
    return sdbus::Error(error_invalid_argument, message);
}

sdbus::Error access_denied(const std::string &message) {
    return sdbus::Error(error_access_denied, message);
}

} // namespace rolewall::bus
