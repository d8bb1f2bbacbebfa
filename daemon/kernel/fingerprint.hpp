// The fingerprint in table inet rolewall's comment: a hash of the messages that create the
// skeleton of a layout (base chains and their rules, and a role with every kind of set: its
// chain, set declarations, rules and dispatch rules), sequence numbers and set ids normalised.
// Everything but the table message and the named sets' elements counts. Two layouts have the
// same fingerprint exactly when their skeletons are sent as the same bytes: the same policy,
// the same fail-safe flag, and the same rolewalld builders.
#pragma once

#include "rolewall/ruleset.hpp"

#include <string>

namespace rolewall::kernel {

// 16 hex digits.
std::string fingerprint(const Layout &layout);

} // namespace rolewall::kernel
