// Helpers for the pure tests: temporary trees and running rolewallctl.
#pragma once

#include "rolewall/config.hpp"
#include "rolewall/ruleset.hpp"
#include "run.hpp"
#include "skip.hpp"
#include "support.hpp"

#include <string>
#include <vector>

namespace test {

using testsupport::fixture_catalog;
using testsupport::read_file;
using testsupport::run;
using testsupport::Run;
using testsupport::source_dir;
using testsupport::TempDir;

Run ctl(std::vector<std::string> args); // rolewallctl ARGS

// The catalog of tests/data/catalog, loaded once, and the layout it makes.
const rolewall::Catalog &fixture();
rolewall::Layout fixture_layout(const std::map<std::string, rolewall::Scope> &enabled,
                                rolewall::Policy policy = rolewall::Policy::drop);

// A scope from text; the networks must parse.
rolewall::Scope scope(std::vector<std::string> interfaces, const std::vector<std::string> &sources);

} // namespace test
