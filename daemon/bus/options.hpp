// The a{sv} options of the changing methods, read from the raw message.
//
// sdbus-c++ decodes an a{sv} into a std::map, which silently keeps the first of two equal keys,
// so a front-end that checks the last key would approve one thing and the daemon do another.
// read_options() therefore walks the message itself, entry by entry, and refuses (naming the
// key) an unknown key, a duplicate key, a value of the wrong type, and an array longer than
// the key allows, before it reads any further.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/manager.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <variant>
#include <vector>

namespace rolewall::bus {

// The D-Bus types options have: b, u, s, as.
using OptionValue = std::variant<bool, std::uint32_t, std::string, std::vector<std::string>>;

struct OptionSpec {
    const char *key;
    const char *type;          // "b", "u", "s" or "as"
    std::size_t max_items = 0; // "as": the longest list (0: no bound)
};

// The options of one call, each key once, each value of its declared type.
class OptionSet {
  public:
    bool has(const std::string &key) const { return values_.count(key) != 0; }
    std::optional<bool> boolean(const std::string &key) const;
    std::optional<std::uint32_t> number(const std::string &key) const;
    std::optional<std::string> string(const std::string &key) const;
    std::optional<std::vector<std::string>> strings(const std::string &key) const;
    // Adds an option; Errc::invalid_argument when the key is not in `spec`, is there already,
    // or has another type.
    Status add(const std::vector<OptionSpec> &spec, std::string key, OptionValue value);

  private:
    std::map<std::string, OptionValue> values_;
};

// The option specs of each method (API: docs/DBUS.md), with the caps of `limits` on lists.
std::vector<OptionSpec> enable_options(const ScopeLimits &limits);
std::vector<OptionSpec> disable_options();
std::vector<OptionSpec> revert_options();
std::vector<OptionSpec> reload_options();

// Reads the a{sv} at `message`'s read position. Errc::invalid_argument naming the key, or
// Errc::limit_exceeded for a list over its bound (reading stops there).
Result<OptionSet> read_options(sdbus::Message &message, const std::vector<OptionSpec> &spec);
// The same for the a{sv} that is argument `index` (0-based) of the method call being handled;
// the arguments before it must be strings or string arrays.
Result<OptionSet> read_call_options(const sdbus::Message &call, int index,
                                    const std::vector<OptionSpec> &spec);

// What EnableRole/DisableRole ask, from their options.
struct RoleRequest {
    ScopeRequest scope;
    ChangeOptions change;
};
Result<RoleRequest> role_request(const OptionSet &options);
// What RevertRoles asks: the roles (names, or every role with an overlay when all=true) and how.
struct RevertRequest {
    bool all = false;
    ChangeOptions change;
};
Result<RevertRequest> revert_request(const std::vector<std::string> &names,
                                     const OptionSet &options);
// What ReloadWithOptions asks.
Result<ChangeOptions> reload_request(const OptionSet &options);
// Option confirm (seconds, 1 .. a day) into `change`.
Status read_confirm(const OptionSet &options, ChangeOptions &change);
// Options force and ssh_connection into `change`; the connection is located in the calling
// thread's network namespace (lockout.hpp locate()) and dropped when this host does not carry
// it.
Status read_guard(const OptionSet &options, ChangeOptions &change);

} // namespace rolewall::bus
