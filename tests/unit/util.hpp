// Helpers for the pure tests: temporary trees and running rolewallctl.
#pragma once

#include "support.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace test {

using testsupport::fixture_catalog;
using testsupport::read_file;
using testsupport::source_dir;
using testsupport::TempDir;

struct Run {
    int status = -1; // exit code
    std::string out;
    std::string err;
};

// Runs a program with arguments (no shell), capturing stdout and stderr.
Run run(const std::vector<std::string> &argv);
Run ctl(std::vector<std::string> args); // rolewallctl ARGS

} // namespace test
