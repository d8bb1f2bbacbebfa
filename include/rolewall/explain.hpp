// Explaining a verdict: would a new connection be accepted, by which role, and if not, which
// catalog roles would accept it and with which rolewallctl command. Evaluated with the packet
// evaluator (verdict.hpp) on the layout the daemon applies.
#pragma once

#include "rolewall/manager.hpp"
#include "rolewall/verdict.hpp"

#include <functional>
#include <string>
#include <vector>

namespace rolewall {

struct Explanation {
    Packet packet;
    Verdict verdict;
    std::vector<std::string> roles;        // catalog roles that use the port or protocol
    std::vector<std::string> would_accept; // of them: enabled as `enable ROLE` would, accept it
    std::vector<std::string> commands;     // what to run, when the packet is not accepted
};

// The scope `rolewallctl enable ROLE` without scope options gives a role: nothing widens, so
// its scope now when it is enabled, else its config entry's scope, else any.
Scope enable_scope(const Manager &manager, const std::string &role);

// The scope-related facts explain() needs about a role, from the Manager or a test.
using ScopeOf = std::function<Scope(const std::string &role)>;

Explanation explain(const Layout &layout, const Catalog &catalog, const RangeValues &ranges,
                    const Packet &packet, const ScopeOf &enable_scope_of);

// The command that enables `role` with `scope`: "rolewallctl enable ROLE", with
// "--interface IF" and "--source CIDR" spelt out when the scope is not any.
std::string enable_command(const std::string &role, const Scope &scope);

// The input interface a packet from `source` arrives on in the calling thread's network
// namespace: the interface of the route back to it ("lo" for the host's own addresses), or ""
// when there is no route.
std::string route_interface(const Cidr &source);

} // namespace rolewall
