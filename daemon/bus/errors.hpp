// Core errors -> named D-Bus errors: the one place where the mapping lives.
#pragma once

#include "rolewall/error.hpp"

#include <sdbus-c++/Error.h>
#include <string>

namespace rolewall::bus {

// The D-Bus error name for a core error kind.
const char *error_name(Errc code);
// The error to send: its name and one sentence (with the diagnostics of a bad config).
sdbus::Error to_dbus_error(const Error &error);
sdbus::Error invalid_argument(const std::string &message);
sdbus::Error access_denied(const std::string &message);

// Runs a read-only handler: core errors become named D-Bus errors; nothing else escapes into
// sd-bus's C callbacks.
template <typename F> auto guarded(F &&f) -> decltype(f()) {
    try {
        return f();
    } catch (const sdbus::Error &) {
        throw;
    } catch (const std::exception &e) {
        throw to_dbus_error(make_error(Errc::io, std::string("internal error: ") + e.what()));
    }
}

} // namespace rolewall::bus
