// /etc/rolewall/rolewall.toml: policy, named port ranges, and the roles enabled with their scope.
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/error.hpp"
#include "rolewall/scope.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rolewall {

enum class Policy { drop, reject };
const char *policy_name(Policy p);

struct Config {
    Policy policy = Policy::drop;
    RangeValues ranges = default_range_values();
    ScopeLimits limits;                 // max_sources_per_role, max_interfaces_per_role
    std::map<std::string, Scope> roles; // enabled roles and their scope
    bool log_drops = true;              // [firewall] log_drops: record what the policy drops
    std::string path;                   // where it was read from, for messages

    // Parses and validates against the catalog. Every problem is reported with file, line,
    // column and the field.
    static Result<Config> load(const std::filesystem::path &file, const Catalog &catalog);
    static Result<Config> parse(const std::string &text, const std::string &name,
                                const Catalog &catalog);
};

} // namespace rolewall
