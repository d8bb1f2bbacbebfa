// Whether table inet rolewall holds exactly what rolewalld builds for a layout: table flags and
// comment, every chain (hook, priority, type, policy, comment), every rule's expressions in
// order (counter values aside), every set declaration and element, and nothing else (no other
// chain, set, rule, object or flowtable). What differs is named for humans.
#pragma once

#include "dump.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

struct Comparison {
    // "chain input: policy accept, expected drop", "chain input: extra rule [ ... ]", ...
    std::vector<std::string> differences;
    // When nothing differs: per role, the handles of its rules in chain roles, in order.
    std::map<std::string, std::vector<std::uint64_t>> dispatch;
};

// `flags`: the table flags rolewalld gives the table (the owner flag is not compared: it says
// whose socket holds the table, not what is in it).
Comparison compare_table(const KernelTable &table, const KernelContent &kernel,
                         const Layout &layout, std::uint32_t flags);

// `layout` with the shells (ruleset.hpp) that the kernel holds of roles it does not have: a
// chain "role-<id>" whose sets "<id>_<suffix>" are all empty. nullopt when there are none.
// What is then compared with the kernel is that layout: a shell that is not exactly what
// rolewalld makes of one is a difference.
std::optional<Layout> with_shells(const Layout &layout, const KernelContent &kernel);

} // namespace rolewall::kernel
