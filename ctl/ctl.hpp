// rolewallctl: verbs, options and exit codes shared by its verb files.
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"
#include "rolewall/error.hpp"

#include <string>
#include <vector>

namespace rolewall::ctl {

// Exit codes (documented in rolewallctl(8)).
enum Exit : int {
    exit_ok = 0,
    exit_failed = 1,      // the request failed: unknown role, unused port, bad config, refusal
    exit_usage = 2,       // bad command line
    exit_unreachable = 3, // the daemon is not on the bus
    exit_denied = 4,      // the daemon refused the caller
    exit_degraded = 5,    // status: the daemon runs degraded (it could not start)
};

struct Options {
    std::string catalog;       // empty: the default
    std::string local_catalog; // empty: the default
    std::string config;        // empty: the default
    bool json = false;
    bool runtime = false;
    bool dry_run = false;
    bool all = false; // revert --all
    // render, check: the config alone (not config + saved state); the state directory
    bool config_only = false;
    std::string state_dir; // empty: the default
    bool live = false;     // render --live: what the running daemon applied
    std::string timeout;   // enable, disable --timeout DURATION (empty: none)
    std::string confirm;   // enable, disable, revert, reload --confirm DURATION (empty: none)
    bool abort = false;    // confirm --abort
    bool force = false;    // enable, disable, revert, reload: past the lock-out guard
    // enable: the scope asked for (a dimension not given keeps what the role has)
    std::vector<std::string> interfaces;
    std::vector<std::string> sources;
    std::string samba_config; // suggest, check, reload: smb.conf (empty: the default)
    bool any_interface = false;
    bool any_source = false;
    std::vector<std::string> add_interfaces;
    std::vector<std::string> remove_interfaces;
    std::vector<std::string> add_sources;
    std::vector<std::string> remove_sources;
    bool follow = false;           // drops --follow
    std::string since;             // drops --since DURATION (empty: all)
    std::vector<std::string> args; // after the verb
};

// Thrown for a bad command line; main prints it with a hint and exits 2.
struct UsageError {
    std::string message;
};

// Catalog and config the way every verb finds them (options, then the defaults).
Result<Catalog> load_catalog(const Options &o);
std::string config_path(const Options &o);
// Prints an error and its diagnostics on stderr; returns the exit code for it.
int report(const Error &e);

int verb_list(const Options &o);
int verb_show(const Options &o);
int verb_which(const Options &o);
int verb_services(const Options &o);
int verb_search(const Options &o);
int verb_render(const Options &o);
int verb_check(const Options &o);

// Verbs that talk to rolewalld over D-Bus.
int verb_status(const Options &o);
int verb_enable(const Options &o);
int verb_disable(const Options &o);
int verb_reload(const Options &o);
int verb_revert(const Options &o);
int verb_confirm(const Options &o); // confirm [--abort]: the change made with --confirm
// "undone by rolewalld in 1m 50s (at ...) unless 'rolewallctl confirm' comes first"
std::string pending_text(std::uint64_t deadline, std::uint64_t now);

// What the firewall does (explain_verbs.cpp).
int verb_explain(const Options &o); // exit 0 when accepted, 1 when dropped or rejected
int verb_audit(const Options &o);   // listening sockets and the firewall's verdict for each
int verb_drops(const Options &o);   // recent drops (drops_verbs.cpp)
// "90", "90s", "15m", "2h", "1d" -> microseconds; UsageError otherwise.
std::uint64_t parse_duration(const std::string &text);

// Samba (suggest_verbs.cpp): the snippet, and the warnings of check and reload when the
// rolewall config (`enabled`: the roles in force) disagrees with smb.conf. No smb.conf: silent.
int verb_suggest(const Options &o);
void warn_samba_disagreements(const Options &o, const Catalog &catalog, const Config &config,
                              const std::map<std::string, Scope> &enabled);

} // namespace rolewall::ctl
