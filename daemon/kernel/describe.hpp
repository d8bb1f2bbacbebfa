// libnftnl objects as text, in libnftnl's own words (its snprintf of each expression): to
// compare what the kernel holds with what rolewalld builds, to name what differs, and for the
// golden files of the messages rolewalld sends.
#pragma once

#include "dump.hpp"
#include "nl_objects.hpp"

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace rolewall::kernel {

// Named fields of an object, in a fixed order: ("policy", "drop"), ("hook", "input"), ...
using Fields = std::vector<std::pair<std::string, std::string>>;

// A chain: hook, priority, type and policy for a base chain; flags, devices, comment.
Fields chain_fields(const nftnl_chain *c);
// The comment of a chain (its userdata), "" when it has none.
std::string chain_comment(const nftnl_chain *c);
// A set's declaration: flags, key type and length, data, timeout, size, userdata, ...
Fields set_fields(const nftnl_set *s);
// "policy drop hook input ...": the fields on one line.
std::string fields_text(const Fields &fields);

// What an anonymous set a rule looks up holds: its declaration and its keys in hex, sorted.
std::string anonymous_set_text(const nftnl_set *decl, std::vector<RawElement> elements);
// The elements of a set object built by rolewalld (the ICMP type sets).
std::vector<RawElement> elements_of(const nftnl_set *s);

// Names the set a lookup expression looks up by what it holds when it is anonymous:
// given the set's name and id (0 when the expression has none), the text to print.
using SetResolver = std::function<std::string(const std::string &name, std::uint32_t id)>;

// The expressions of a rule in order, one "[ name body ]" each, in libnftnl's words; a lookup
// names its set as `sets` says.
std::vector<std::string> expression_texts(const nftnl_rule *r, const SetResolver &sets);
// The comment of a rule (its userdata), "" when it has none.
std::string rule_comment(const nftnl_rule *r);
// Bytes as lower-case hex, "0016".
std::string hex_text(const void *data, std::size_t len);
// "interval,concat": the names of the bits set in `flags`, a leftover as a number, "none" for 0.
std::string bits_text(std::uint32_t flags,
                      std::span<const std::pair<std::uint32_t, const char *>> names);

// One rule on one line: "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] ...
// comment \"...\"". Counter values are left out (they change with traffic).
std::string rule_text(const nftnl_rule *r, const SetResolver &sets);

} // namespace rolewall::kernel
