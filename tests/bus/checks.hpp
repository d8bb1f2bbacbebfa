// Small helpers shared by the integration test files.
#pragma once

#include "harness.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace bustest {

using rolewall::bus::error_access_denied;
using rolewall::bus::error_failed;
using rolewall::bus::error_invalid_argument;
using rolewall::bus::error_invalid_config;
using rolewall::bus::error_kernel_rejected;
using rolewall::bus::error_limit_exceeded;
using rolewall::bus::error_unknown_role;

inline constexpr uid_t nobody = 65534;

inline std::set<std::string> enabled(Client &c) {
    std::vector<std::string> v = c.EnabledRoles();
    return {v.begin(), v.end()};
}

inline std::string origin_of(Client &c, const std::string &role) {
    for (const auto &r : c.ListEnabled())
        if (r.get<0>() == role) return r.get<1>();
    return "";
}

// The message of a refused call, checking its error name.
inline std::string refusal(const std::string &name, const std::function<void()> &call) {
    try {
        call();
    } catch (const sdbus::Error &e) {
        CHECK(e.getName() == name);
        return e.getMessage();
    }
    FAIL("the call succeeded");
    return "";
}

inline Options sources(const std::vector<std::string> &s) {
    return {{"sources", sdbus::Variant(s)}};
}
inline Options runtime() {
    return {{"runtime", sdbus::Variant(true)}};
}

// `nft -s list table inet rolewall` in the namespace without what tells who owns it (the
// " # progname X" nft adds to the first line, the table's flags line): its content alone.
inline std::string table_listing(const Netns &ns) {
    std::string out = ns.nft({"-s", "list", "table", "inet", "rolewall"}).out;
    auto at = out.find(" # progname ");
    if (at != std::string::npos && at < out.find('\n')) out.erase(at, out.find('\n') - at);
    at = out.find("\n\tflags ");
    if (at != std::string::npos && at < out.find("\n\tcomment "))
        out.erase(at, out.find('\n', at + 1) - at);
    return out;
}

// Waits (at most `within`) for RoleChanged(role, enabled); false when it did not come.
inline bool signalled(Client &c, const std::string &role, bool enabled,
                      std::chrono::milliseconds within) {
    return c.pump(
        [&] {
            for (const auto &[name, on] : c.role_changed)
                if (name == role && on == enabled) return true;
            return false;
        },
        within);
}

// One key of a result a{sv} (EnableRole, DisableRole, RevertRoles), of type T.
template <typename T> T get(const Options &result, const std::string &key) {
    auto it = result.find(key);
    if (it == result.end()) throw std::runtime_error("no key '" + key + "' in the result");
    return it->second.get<T>();
}

} // namespace bustest
