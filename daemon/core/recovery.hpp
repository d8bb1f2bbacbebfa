// What rolewalld falls back on when an input is damaged: the roles as the kernel holds them.
// Used at start for the roles whose state.toml entry is damaged (they stay as the kernel has
// them, never more open than before the restart).
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"
#include "rolewall/manager.hpp"
#include "rolewall/ruleset.hpp"
#include "rolewall/state.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rolewall {

struct KernelRoles {
    bool table = false; // the kernel holds table inet rolewall
    // Per catalog role whose sets read back as build_layout() makes them: nullopt when the
    // role has no sets (disabled), else its scope.
    std::map<std::string, std::optional<Scope>> roles;
    // Catalog roles whose sets are not what build_layout() makes of any scope (edited by
    // hand, another layout): what they open cannot be told.
    std::set<std::string> unreadable;
};

// Reads the roles back from the sets of table inet rolewall (`table`: the kernel holds one;
// `sets` as Backend::read() gives them). A scope read back is checked by building the role's
// sets from it again and comparing the keys.
KernelRoles roles_in_kernel(bool table, const std::vector<SetContent> &sets, const Catalog &catalog,
                            const Config &config);

// At start: the saved layer of a state file with damaged entries. Good entries as they are; a
// catalog role whose entry is damaged as the kernel holds it now, or disabled when the kernel
// holds no table or its sets cannot be read: the most closed of config and state, never more
// open than before the restart. Entries only where they differ from the config.
SavedState recover_saved(const StateRead &read, const KernelRoles &kernel, const Catalog &catalog,
                         const Config &config, std::vector<Notice> &notices);

// At reload: good entries as they are; a role whose entry is damaged keeps the saved entry in
// force (`in_force`), so a reload never changes a role because its entry got damaged.
SavedState keep_damaged(const StateRead &read, const SavedState &in_force, const Catalog &catalog,
                        std::vector<Notice> &notices);

} // namespace rolewall
