// /etc/rolewall/rolewall.toml: policy, named port ranges, and the roles enabled with their scope.
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/error.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rolewall {

enum class Policy { drop, reject };
const char *policy_name(Policy p);

// An IPv4 or IPv6 network. Host bits are cleared on parsing ("10.1.2.3/8" -> "10.0.0.0/8").
struct Cidr {
    bool v6 = false;
    std::array<std::uint8_t, 16> addr{}; // network order; IPv4 uses the first 4 bytes
    int prefix = 0;

    static Result<Cidr> parse(const std::string &text); // "10.0.0.0/8", "fd00::/8", "192.0.2.1"
    std::string str() const;
    auto operator<=>(const Cidr &) const = default;
};

// Interface names as the kernel takes them: 1-15 bytes, no '/', ':' or white space; a trailing
// '*' makes a prefix wildcard ("vlan*").
bool valid_interface_name(const std::string &name, std::string *why = nullptr);

struct Scope {
    std::vector<std::string> interfaces; // empty: any interface
    std::vector<Cidr> sources;           // empty: any source
    bool operator==(const Scope &) const = default;
    // Sorts both lists and drops duplicates: the one form scopes are compared and kept in.
    void normalize();
};

struct Config {
    Policy policy = Policy::drop;
    RangeValues ranges = default_range_values();
    std::map<std::string, Scope> roles; // enabled roles and their scope
    std::string path;                   // where it was read from, for messages

    // Parses and validates against the catalog. Every problem is reported with file, line,
    // column and the field.
    static Result<Config> load(const std::filesystem::path &file, const Catalog &catalog);
    static Result<Config> parse(const std::string &text, const std::string &name,
                                const Catalog &catalog);
};

} // namespace rolewall
