// The one scope model: what a role's interface and source lists mean, how they are read, how
// large they may be and how a change is applied to them. The config, the state file and D-Bus
// all go through the functions below, so a list means the same wherever it is written:
//
//   - a list holds at least one item: an empty list is an error everywhere (it would match
//     nothing). "Any" is written as an absent field in files, as any_interface/any_source over
//     D-Bus; in a Scope it is an empty vector;
//   - interfaces are kernel interface names, or a prefix ending in '*' ("vlan*");
//   - sources are IPv4 or IPv6 addresses or networks; host bits are cleared, and IPv4-mapped
//     IPv6 addresses (::ffff:192.0.2.1) are refused, because such packets arrive as IPv4;
//   - a list is bounded by the caps of ScopeLimits, checked on its length before any item is
//     read (Errc::limit_exceeded);
//   - a scope is kept sorted and without duplicates (normalize()).
#pragma once

#include "rolewall/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rolewall {

// An IPv4 or IPv6 network. Host bits are cleared on parsing ("10.1.2.3/8" -> "10.0.0.0/8").
struct Cidr {
    bool v6 = false;
    std::array<std::uint8_t, 16> addr{}; // network order; IPv4 uses the first 4 bytes
    int prefix = 0;

    // "10.0.0.0/8", "fd00::/8", "192.0.2.1". Errc::invalid_argument naming the text. Any
    // address; what a scope may hold is parse_sources()'s to say.
    static Result<Cidr> parse(const std::string &text);
    std::string str() const;
    auto operator<=>(const Cidr &) const = default;
};

// Interface names as the kernel takes them: 1-15 bytes, no '/', ':' or white space; a trailing
// '*' makes a prefix wildcard ("vlan*").
bool valid_interface_name(const std::string &name, std::string *why = nullptr);

struct Scope {
    std::vector<std::string> interfaces; // empty: any interface
    std::vector<Cidr> sources;           // empty: any source
    bool any_interface() const { return interfaces.empty(); }
    bool any_source() const { return sources.empty(); }
    bool operator==(const Scope &) const = default;
    // Sorts both lists and drops duplicates: the one form scopes are compared and kept in.
    void normalize();
};

std::vector<std::string> source_strings(const std::vector<Cidr> &sources);
// "interfaces: lan0, wg*; sources: any" for logs and messages; a list of thousands of items is
// cut after a few ("..., (65536 in all)").
std::string scope_text(const Scope &scope);

// The most items one role's scope may hold; [firewall] max_sources_per_role and
// max_interfaces_per_role in rolewall.toml.
struct ScopeLimits {
    static constexpr std::size_t default_max_sources = 65536;
    static constexpr std::size_t default_max_interfaces = 256;
    // What the settings themselves may be: enough for any real network, small enough that one
    // role cannot take the daemon's memory.
    static constexpr std::size_t highest_max_sources = 1048576;
    static constexpr std::size_t highest_max_interfaces = 4096;
    std::size_t max_sources = default_max_sources;
    std::size_t max_interfaces = default_max_interfaces;
    bool operator==(const ScopeLimits &) const = default;
};

// Where a list comes from. It only changes how a message tells the writer to say "any".
enum class ScopeInput { file, bus };

// One list as written, checked by the rules above: the length first (Errc::limit_exceeded),
// then emptiness and every item (Errc::invalid_argument naming the bad items). The message
// does not name the field: the caller puts it in its context ("field 'roles.dc.sources': ",
// "option 'sources': ").
Result<std::vector<std::string>> parse_interfaces(const std::vector<std::string> &items,
                                                  const ScopeLimits &limits, ScopeInput input);
Result<std::vector<Cidr>> parse_sources(const std::vector<std::string> &items,
                                        const ScopeLimits &limits, ScopeInput input);
// The caps on a whole scope (after a change was applied to it).
Status check_limits(const Scope &scope, const ScopeLimits &limits);

// A change of one dimension of a scope as a caller asks for it, items as text. At most one of
// `replace` and `any` is given; `add`/`remove` go with neither.
struct DimensionRequest {
    std::optional<std::vector<std::string>> replace; // exactly these
    bool any = false;                                // any interface / any source
    std::vector<std::string> add;
    std::vector<std::string> remove;
    bool given() const { return replace || any || !add.empty() || !remove.empty(); }
};

// What a caller asks of a role's scope. A dimension not given keeps what `base` has.
struct ScopeRequest {
    DimensionRequest interfaces;
    DimensionRequest sources;
};

// Applies `request` to `base` (the role's current scope when it is enabled, else its config
// scope, else any): nothing widens unless asked. Removing what the scope does not hold, or
// adding to "any" (which stays any) are not errors: they add a sentence to `warnings`.
// Errc::invalid_argument for a bad item, conflicting requests, removing from "any" or a
// removal that leaves an empty list; Errc::limit_exceeded over the caps.
Result<Scope> apply_request(const Scope &base, const ScopeRequest &request,
                            const ScopeLimits &limits, std::vector<std::string> *warnings);

} // namespace rolewall
