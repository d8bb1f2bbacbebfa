// Files that tell rolewalld what to open must be as safe as the firewall itself: owned by root
// and writable by nobody else, as sshd's StrictModes wants of a user's keys. A file that anyone
// else could have written is refused, never used: at start the daemon runs degraded, a reload
// fails and keeps what runs.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/manager.hpp"

#include <filesystem>

namespace rolewall {

// Checks the config and the directory it is in, the local catalog (the directory, its roles/
// and services/ and their *.toml files) and the state directory and file. What does not exist
// is not checked here (the loaders say what a missing file means). Errc::invalid_config with
// one diagnostic per refused path, naming its owner or mode.
Status check_trusted_inputs(const Sources &sources, const std::filesystem::path &state_file);

} // namespace rolewall
