// rolewalld's command line.
#pragma once

#include "rolewall/manager.hpp"

#include <optional>

namespace rolewall {

struct CommandLine {
    Sources sources;
    bool apply_only = false;
};

// Parses argv. Defaults come from paths.hpp; a binary run from the build tree uses the source
// tree's catalog and config, as rolewallctl does. Returns an exit code when the program should
// stop right away (--help, --version: 0; a bad command line: 2, with a message on stderr).
std::optional<int> parse_command_line(int argc, char **argv, CommandLine &out);

} // namespace rolewall
