// <state-dir>/state.toml: roles enabled or disabled over D-Bus without the runtime option.
// They overlay the config and survive restarts. Only rolewalld writes the file.
//
//   # Written by rolewalld ...
//   version = 1
//
//   [roles.dc]
//   enabled = true
//   interfaces = ["lan0"]          # absent: any interface
//   sources = ["10.0.0.0/8"]       # absent: any source
//   saved_at = 2026-11-28T12:00:00Z  # when the entry was saved (optional)
//   saved_by = "uid 0"               # who saved it (optional)
//
//   [roles.ssh]
//   enabled = false                # disabled although the config enables it
#pragma once

#include "rolewall/config.hpp"
#include "rolewall/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace rolewall {

inline constexpr int state_format_version = 1;
inline constexpr const char *state_file_name = "state.toml";

struct SavedRole {
    bool enabled = true;
    Scope scope; // meaningful when enabled
    std::uint64_t saved_at =
        0;                // when it was saved: CLOCK_REALTIME usec, whole seconds (0: unknown)
    std::string saved_by; // who saved it ("uid 0"; "": unknown)
    bool operator==(const SavedRole &) const = default;
    // The same decision (enabled and scope), whenever and by whomever it was saved.
    bool same_decision(const SavedRole &o) const {
        return enabled == o.enabled && scope == o.scope;
    }
};

// "2026-11-28T12:00:00Z" for a CLOCK_REALTIME time in microseconds (whole seconds).
std::string utc_time_text(std::uint64_t usec);
// Now, CLOCK_REALTIME microseconds.
std::uint64_t realtime_usec();

// Role name -> saved decision. Names are not checked against the catalog here: an entry for
// a role the catalog no longer has is kept (see Manager).
using SavedState = std::map<std::string, SavedRole>;

// A state file read entry by entry, so that one damaged entry spoils only its own role.
// Each [roles.NAME] section is parsed on its own (a syntax error stays inside its section),
// and each role's entry is checked strictly (unknown key, wrong type, a scope the scope model
// refuses or one over `limits`).
struct StateRead {
    SavedState good;               // the entries without a problem
    std::set<std::string> damaged; // roles whose entry has a problem (or appears twice)
    // A problem that names no role (the version line, a section header naming no role, a key
    // outside [roles.NAME]): any role may have lost its entry, so every role without a good
    // entry counts as damaged. An unknown or unreadable version also empties `good`: entries
    // of a format this rolewalld does not know mean nothing to it.
    bool unattributed = false;
    std::vector<Diagnostic> problems; // every problem found, with file, line and column

    bool clean() const { return problems.empty(); }
    bool is_damaged(const std::string &role) const {
        return damaged.count(role) || (unattributed && !good.count(role));
    }
    // "the state file F has N problems" with every problem, as an Errc::invalid_config error.
    Error error(const std::string &name) const;
};
StateRead read_state(const std::string &text, const std::string &name,
                     const ScopeLimits &limits = {});

// Strict parsing: any problem (syntax, unknown key, wrong type, a scope the scope model refuses
// or one over `limits`, unknown version) is an Errc::invalid_config error with diagnostics.
Result<SavedState> parse_state(const std::string &text, const std::string &name,
                               const ScopeLimits &limits = {});
// The file's text; parse_state(render_state(s)) == s.
std::string render_state(const SavedState &state);

// A state file written to a temporary name and synced, waiting for commit() to rename it
// into place. Destroying it without commit() removes the temporary file.
class PendingWrite {
  public:
    PendingWrite(std::filesystem::path temp, std::filesystem::path target);
    PendingWrite(PendingWrite &&other) noexcept;
    PendingWrite &operator=(PendingWrite &&) = delete;
    PendingWrite(const PendingWrite &) = delete;
    ~PendingWrite();

    // rename(2) over the target, then fsync of the directory so that the rename is durable.
    Status commit();

  private:
    std::filesystem::path temp_;
    std::filesystem::path target_;
};

class StateFile {
  public:
    explicit StateFile(std::filesystem::path dir) : dir_(std::move(dir)) {}

    const std::filesystem::path &dir() const { return dir_; }
    std::filesystem::path path() const { return dir_ / state_file_name; }

    // A missing file is an empty, clean state. A file that cannot be read is wholly damaged
    // (unattributed, the reason as its problem).
    StateRead read(const ScopeLimits &limits = {}) const;
    // Renames a bad file to state.toml.corrupt-YYYYmmddTHHMMSSZ (never deletes it); returns
    // the new name.
    Result<std::filesystem::path> move_aside() const;
    // Creates the directory if needed, writes a temporary file next to state.toml and fsyncs
    // it. Errc::io when any step fails; nothing is left behind then.
    Result<PendingWrite> prepare(const SavedState &state) const;
    // Removes the temporary files (state.toml.tmp-*) that a write interrupted by a crash or
    // SIGKILL left behind; returns the names removed. The daemon calls it at start, before
    // anything else writes there: a temporary file never holds the state in force.
    std::vector<std::filesystem::path> remove_temporaries() const;

  private:
    std::filesystem::path dir_;
};

} // namespace rolewall
