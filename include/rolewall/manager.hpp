// Role logic: which roles are enabled, with which scope, and why. No D-Bus, no netlink.
//
// The effective set of enabled roles is built in three layers:
//   1. the config ([roles.NAME] in rolewall.toml)                      origin "config"
//   2. the saved state (state.toml: enable/disable without --runtime)  origin "state"
//   3. runtime changes (enable/disable --runtime; lost on restart)     origin "runtime"
// A later layer replaces an earlier one's decision for a role (enabled with a scope, or
// disabled); resolve_role() is the one place that says so. Each layer only holds what differs
// from the layers below it, so a role's origin tells what happens to it at restart: "runtime"
// is forgotten, "state" comes back from the state file, "config" from the config.
//
// A change asks for a scope relative to what the role has (scope.hpp, apply_request): nothing
// widens unless asked.
//
// Every change is one transaction: validate, rebuild the changed role's sets (nothing else: a
// change costs the same however many roles are enabled and however large their scopes), write
// the new state file to a temporary name, apply to the kernel, and only then rename the state
// file into place and update memory. A failure at any step leaves memory, file and kernel as
// they were. Start and reload build and apply the whole layout.
//
// A Manager is not thread-safe: the daemon calls it from its one event-loop thread, which
// also serializes changes. The daemon's backend runs apply() on a worker thread and may answer
// reads (const members) while it waits; nothing else touches the Manager meanwhile.
#pragma once

#include "rolewall/backend.hpp"
#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"
#include "rolewall/error.hpp"
#include "rolewall/lockout.hpp"
#include "rolewall/ruleset.hpp"
#include "rolewall/state.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall {

enum class RoleOrigin { config, state, runtime };
const char *origin_name(RoleOrigin origin); // "config", "state", "runtime"

struct EnabledRole {
    Scope scope;
    RoleOrigin origin = RoleOrigin::config;
    bool operator==(const EnabledRole &) const = default;
};
using EnabledRoles = std::map<std::string, EnabledRole>;

// Where the manager reads its inputs. local_catalog may be empty or missing.
struct Sources {
    std::filesystem::path catalog;
    std::filesystem::path local_catalog;
    std::filesystem::path config;
    std::filesystem::path state_dir;
};

// A role whose enabling, scope or origin changed.
struct RoleChange {
    std::string role;
    bool enabled = false; // now
};

// One role's entry in the runtime layer (enable/disable --runtime; lost on restart).
struct RuntimeEntry {
    std::optional<Scope> scope; // nullopt: disabled at runtime
    bool operator==(const RuntimeEntry &) const = default;
};
using Runtime = std::map<std::string, RuntimeEntry>;

// A timed change (enable/disable --timeout) of one role: at `expires` the role's runtime entry
// goes back to `restore`, what it was before the first timed change of the role that still
// runs (nullopt: no runtime entry, the role follows its saved entry or the config as they are
// then). Any other change of the role ends the timer: the last word is the admin's.
struct Timer {
    std::uint64_t expires = 0; // CLOCK_REALTIME microseconds
    std::optional<RuntimeEntry> restore;
    bool operator==(const Timer &) const = default;
};
using Timers = std::map<std::string, Timer>;

// The one rule of the layers: the runtime entry wins over the saved entry, which wins over the
// config; a role none of them enables is disabled.
std::optional<EnabledRole> resolve_role(const Scope *config, const SavedRole *saved,
                                        const RuntimeEntry *runtime);

// How a change is made: the options of EnableRole/DisableRole/RevertRoles.
struct ChangeOptions {
    bool runtime = false; // not saved
    bool dry_run = false; // computed and checked, nothing changed
    std::string who;      // for the record ("uid 0")
    // Seconds: a runtime change undone when they have passed (implies runtime); 0: none.
    std::uint32_t timeout = 0;
    // Seconds: applied now, undone unless confirm_pending() comes within them; 0: final now.
    std::uint32_t confirm = 0;
    // The caller's SSH session, located (lockout.hpp): a change (reload too) after which a new
    // connection like it would no longer be accepted is refused with Errc::lock_out, unless
    // `force` or `confirm` (then it is made, with a warning). nullopt: no check.
    std::optional<SshConnection> ssh;
    bool force = false;
};

// The change that waits for confirmation (--confirm): one at a time.
struct Pending {
    std::string what;           // "enable ad-dc", "disable ssh", "revert dc, web", "reload"
    std::uint64_t deadline = 0; // CLOCK_REALTIME usec: undone then unless confirmed
    std::string by;             // who made it ("uid 0")
};

// What a change did (or, dry run, would do) to one role.
struct RoleOutcome {
    std::string role;
    bool changed = false; // kernel, origin or saved entry
    std::optional<EnabledRole> before;
    std::optional<EnabledRole> after;
    std::uint64_t expires = 0; // after: when a timed change of the role is undone (0: none)
    std::uint64_t pending_deadline = 0; // the change waits for confirmation until then (0: no)
    std::vector<std::string> warnings;
};

// Something the owner should log (warning level): a state file moved aside, an entry ignored.
struct Notice {
    std::string message;
    std::string role; // when it is about one role
};

// What the kernel holds while the daemon runs.
enum class Ruleset {
    roles,     // the layout of the enabled roles (running)
    last_good, // degraded: the table the kernel held at start, kept as it was
    fail_safe, // degraded: the built-in fail-safe table (there was none to keep)
};
const char *ruleset_name(Ruleset r); // "roles", "last-good", "fail-safe"

// Running, or degraded: the start failed (a config, catalog or state error, a file refused by
// its permissions, a kernel refusal), the kernel holds the last good table or the fail-safe,
// and every change but Reload is refused with Errc::degraded until a Reload succeeds.
struct Health {
    bool degraded = false;
    Error error; // degraded: why
    Ruleset ruleset = Ruleset::roles;
};

// The kernel's table read back and compared with what the daemon put there.
struct KernelMatch {
    enum class State { matches, differs, unknown } state = State::unknown;
    std::vector<std::string> differences; // what differs, or why it is unknown
};
const char *kernel_match_name(KernelMatch::State s); // "matches", "differs", "unknown"

struct Report {
    std::vector<RoleChange> changes; // sorted by role
    bool names_changed = false;      // the set of enabled role names changed
    bool applied = false;            // the kernel was given a new layout
    ApplyReport apply;               // when applied
    bool saved = false;              // state.toml was replaced
    std::vector<Notice> notices;
    std::vector<RoleOutcome> outcomes; // enable/disable: the role asked about
    bool pending_changed = false;      // a change now waits for confirmation, or no longer
};

class Manager {
  public:
    Manager(Backend &backend, Sources sources);

    // Loads catalog, config and state and applies the result. The state file is read entry by
    // entry: good entries apply; a role whose entry is damaged stays as the kernel holds it now,
    // or disabled when the kernel has no table (never more open than before the restart). A
    // damaged file is then moved aside and replaced by one holding what is in force (Notices
    // say so). Errc::invalid_config when catalog or config are wrong, or the backend's error.
    Result<Report> start();

    // Enables `role`, or re-scopes it when it is enabled: `request` is applied to the role's
    // scope now (enabled), else its config scope, else any. Report::outcomes says before and
    // after.
    Result<Report> enable(const std::string &role, const ScopeRequest &request,
                          const ChangeOptions &options);
    Result<Report> disable(const std::string &role, const ChangeOptions &options);
    // Drops the saved and runtime entries of `roles`, so that each follows rolewall.toml again:
    // one transaction for all of them. Report::outcomes has one entry per role, by name.
    Result<Report> revert(const std::vector<std::string> &roles, const ChangeOptions &options);
    // The roles a revert would change: those of the catalog with a saved or runtime entry.
    std::vector<std::string> overlaid() const;
    // One notice per role whose saved entry overrides a config entry that says something else
    // (rolewall.toml enables it, state.toml disables it or gives it another scope): what each
    // says, since when and by whom, and how to follow the config again.
    std::vector<Notice> overrides() const;
    // What a request is applied to, so that nothing widens unless asked: the role's scope now
    // when it is enabled, else its config scope, else any.
    Scope enable_base(const std::string &role) const;

    // Re-reads catalog, local catalog, config and state and applies them (always, so a kernel
    // that drifted is put right). Runtime changes are kept unless their role vanished. Any
    // error keeps everything as it was. Damaged state entries are not an error: their roles
    // keep the saved state in force, and the file is left as it is for the admin to fix.
    // Before a successful start (degraded), a reload is a start.
    // With options.confirm the reload waits for confirmation like a change (pending()); its
    // undo puts back the catalog, config and layers as they were before it.
    Result<Report> reload(const ChangeOptions &options = {});

    // After start() failed with `why`: keeps the table the kernel holds, or applies the
    // fail-safe when it holds none, and turns degraded. An error when even that failed (the
    // kernel refused the fail-safe, the table belongs to another live process): then nothing
    // changed and the daemon cannot run.
    Result<Report> hold(const Error &why);
    const Health &health() const { return health_; }
    // When this Manager was made (the daemon started): CLOCK_REALTIME microseconds.
    std::uint64_t started_at() const { return started_at_; }
    // Reads the kernel's table back and compares it with what the daemon applied.
    KernelMatch verify_kernel();
    // The kernel's counters per role and of the policy, now (Backend::counters()).
    Result<Counters> counters() { return backend_.counters(); }

    bool started() const { return started_; }
    const Catalog &catalog() const { return catalog_; }
    const Config &config() const { return config_; }
    const EnabledRoles &enabled() const { return enabled_; }
    std::vector<std::string> enabled_names() const; // sorted
    // The timed changes that run, by role, and when the next one (or the pending change) is
    // undone (0: none).
    const Timers &timers() const { return timers_; }
    std::uint64_t next_expiry() const;
    // Undoes the change that waits for confirmation when its deadline passed (revert_pending()),
    // then every timed change whose time is up at `now` (CLOCK_REALTIME usec), in one
    // transaction. On failure what failed stays and is tried again a second later.
    Result<Report> expire(std::uint64_t now);

    // The change made with ChangeOptions::confirm that waits for confirmation. While one
    // waits, every other change and reload is refused with Errc::pending (timers still expire).
    // Its saved entries are in memory and in force but written to state.toml only by
    // confirm_pending(), so a restart undoes it too (but for a reload: the files it read stay).
    std::optional<Pending> pending() const;
    Result<Report> confirm_pending();
    // Undoes it now (also what the daemon does at its deadline): the roles' entries, or for a
    // reload the catalog, config and layers before it. Errc::nothing_pending when none waits.
    Result<Report> revert_pending();
    const EnabledRole *find(const std::string &role) const;
    const SavedState &saved() const { return saved_; }
    const Sources &sources() const { return sources_; }
    std::filesystem::path state_path() const { return state_file_.path(); }
    // What the kernel was last given: the roles' layout; degraded, the fail-safe layout, or
    // the kept table's sets as read at start (health().ruleset says which).
    const Layout &layout() const { return layout_; }
    // layout() as the nft text `rolewallctl render` prints (render_nft with the backend's
    // fingerprint): the table as the kernel lists it.
    std::string rendered() const;

  private:
    // The three layers to put in force as a whole (start, reload).
    struct Next {
        const Catalog *catalog;
        const Config *config;
        SavedState saved;
        Runtime runtime;
        bool repair;                // read the whole table back and put right what differs (reload)
        const ChangeOptions *guard; // the lock-out guard's view of a reload (nullptr: none)
    };
    Result<Report> transact(Next next);
    // The lock-out guard (lockout.hpp) for a change of some roles (report.outcomes) or for a
    // whole new layout; warnings go to the outcome of the role that accepted the connection,
    // or to `notices`.
    Status guard_edits(Report &report, const ChangeOptions &options, const std::string &what);
    Status guard_layout(const Layout &next, const ChangeOptions &options,
                        std::vector<Notice> &notices) const;
    // One role's entries in the saved state and the runtime layer after a change; nullopt:
    // no entry.
    struct RoleEdit {
        std::string role;
        std::optional<SavedRole> saved;
        std::optional<RuntimeEntry> runtime;
        std::optional<Timer> timer;
    };
    Result<Report> change(std::vector<RoleEdit> edits, const ChangeOptions &options,
                          const std::string &what);
    RoleOutcome outcome_of(const RoleEdit &edit) const;
    // write: replace state.toml when a saved entry changes (false: memory and kernel only).
    Status commit_edits(std::vector<RoleEdit> &edits, Report &report, bool write_file = true);
    // The undo of a change made with confirm: each role's entries before it, or for a reload
    // everything it replaced.
    struct Before {
        Catalog catalog;
        Config config;
        SavedState saved;
        Runtime runtime;
        Timers timers;
    };
    struct Undo {
        Pending info;
        std::vector<RoleEdit> edits;
        std::optional<Before> before; // a reload
        bool write = false;           // confirming writes state.toml
    };
    Status check_not_pending() const;
    void hold_for_confirm(const std::string &what, std::vector<RoleEdit> undo, bool write,
                          const ChangeOptions &options, Report &report);
    Result<Report> reload_files(const ChangeOptions &options);
    Result<Report> expire_timers(std::uint64_t now);
    RoleEdit edit_of(const std::string &role) const;
    std::optional<EnabledRole> resolve(const RoleEdit &edit) const;
    void decide(RoleEdit &edit, const std::optional<Scope> &wanted,
                const ChangeOptions &options) const;
    Status check_role(const std::string &role) const;
    Status check_running() const; // Errc::degraded while degraded
    Notice replace_damaged_state(const StateRead &read);

    Backend &backend_;
    Sources sources_;
    StateFile state_file_;
    bool started_ = false;
    Health health_;
    std::uint64_t started_at_ = 0;
    Catalog catalog_;
    Config config_;
    SavedState saved_;
    Runtime runtime_;
    Timers timers_;
    std::optional<Undo> pending_;
    EnabledRoles enabled_;
    Layout layout_; // what the kernel was last given successfully
};

// The effective roles of the three layers. Entries naming roles the catalog does not have
// are ignored.
EnabledRoles effective_roles(const Catalog &catalog, const Config &config, const SavedState &saved,
                             const Runtime &runtime);

} // namespace rolewall
