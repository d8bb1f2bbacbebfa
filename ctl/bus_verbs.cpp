// status, enable, disable, reload: they talk to rolewalld over the system bus with the proxy
// generated from org.rolewall1.Manager.xml.
#include "bus_client.hpp"
#include "bus_names.hpp"
#include "ctl.hpp"
#include "output.hpp"
#include "rolewall/lockout.hpp"
#include "rolewall/state.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

// rolewalld answers in well under a millisecond; a daemon that takes this long is stuck.
constexpr auto call_timeout = std::chrono::seconds(5);
constexpr const char *running_hint = "is rolewalld running? systemctl status rolewalld";

void fail(const std::string &sentence, const std::string &next) {
    std::fprintf(stderr, "rolewallctl: %s\n", sentence.c_str());
    if (!next.empty()) std::fprintf(stderr, "%s\n", next.c_str());
}

bool name_is(const sdbus::Error &e, std::string_view name) {
    return e.getName() == name;
}

// One D-Bus error -> message on stderr and the exit code (ctl.hpp).
int report_bus_error(const sdbus::Error &e) {
    const std::string &msg = e.getMessage();
    if (name_is(e, bus::error_access_denied) ||
        name_is(e, "org.freedesktop.DBus.Error.AccessDenied")) {
        fail(msg, "Run it as root, or have an administrator allow the polkit action " +
                      std::string(bus::polkit_action) + " for you.");
        return exit_denied;
    }
    if (name_is(e, bus::error_unknown_role)) {
        fail(msg, "'rolewallctl list' shows the roles.");
        return exit_failed;
    }
    if (name_is(e, bus::error_degraded)) {
        fail(msg, "What next: 'rolewallctl status' shows every problem; fix them, then run "
                  "'rolewallctl reload'.");
        return exit_degraded;
    }
    if (name_is(e, bus::error_pending) || name_is(e, bus::error_lock_out)) {
        fail(msg, "");
        return exit_failed;
    }
    if (name_is(e, bus::error_nothing_pending)) {
        fail(msg + ": it was confirmed, undone, or never made with --confirm", "");
        return exit_failed;
    }
    if (name_is(e, bus::error_invalid_config)) {
        fail(msg, "Fix the file, check it with 'rolewallctl check', then reload again.");
        return exit_failed;
    }
    if (name_is(e, bus::error_invalid_argument) || name_is(e, bus::error_kernel_rejected) ||
        name_is(e, bus::error_failed)) {
        fail(msg, "");
        return exit_failed;
    }
    if (name_is(e, "org.freedesktop.DBus.Error.ServiceUnknown") ||
        name_is(e, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
        fail("rolewalld is not on the system bus (no one owns " + std::string(bus::service_name) +
                 ")",
             std::string("What next: ") + running_hint);
        return exit_unreachable;
    }
    // Bus activation of an installed but not enabled daemon: the activation file names
    // dbus-org.rolewall1.service, an alias that exists only once the unit is enabled.
    if (name_is(e, "org.freedesktop.systemd1.NoSuchUnit") ||
        e.getName().rfind("org.freedesktop.DBus.Error.Spawn.", 0) == 0) {
        fail("rolewalld is not running and could not be started on demand (" + msg + ")",
             "What next: systemctl enable --now rolewalld");
        return exit_unreachable;
    }
    if (name_is(e, "org.freedesktop.DBus.Error.NoReply") ||
        name_is(e, "org.freedesktop.DBus.Error.Timeout")) {
        fail("rolewalld did not answer within " + std::to_string(call_timeout.count()) + " s",
             std::string("What next: ") + running_hint + "; journalctl -u rolewalld");
        return exit_unreachable;
    }
    fail("the call to rolewalld failed: " + e.getName() + ": " + msg, "");
    return exit_failed;
}

} // namespace

int with_daemon(const std::function<int(Client &)> &call) {
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = sdbus::createSystemBusConnection();
        connection->setMethodCallTimeout(call_timeout);
    } catch (const sdbus::Error &e) {
        fail("cannot connect to the system bus: " + e.getMessage(),
             std::string("What next: ") + running_hint + " (and is dbus running?)");
        return exit_unreachable;
    }
    try {
        Client client(*connection);
        return call(client);
    } catch (const sdbus::Error &e) {
        return report_bus_error(e);
    }
}

namespace {

std::string join(const std::vector<std::string> &v, const char *empty) {
    if (v.empty()) return empty;
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : ",") + s;
    return out;
}

// "1h 2m 5s": the time from `now` to `then` (CLOCK_REALTIME usec), to the second.
std::string time_left(std::uint64_t then, std::uint64_t now) {
    std::uint64_t s = then > now ? (then - now + 999999) / 1000000 : 0;
    std::string out;
    if (s >= 3600) out += std::to_string(s / 3600) + "h ";
    if (s >= 60) out += std::to_string(s / 60 % 60) + "m ";
    return out + std::to_string(s % 60) + "s";
}

using EnabledList = std::vector<
    sdbus::Struct<std::string, std::string, std::vector<std::string>, std::vector<std::string>>>;

using StatusMap = std::map<std::string, sdbus::Variant>;

template <typename T> T status_value(const StatusMap &status, const char *key) {
    auto it = status.find(key);
    if (it == status.end()) return T{};
    try {
        return it->second.get<T>();
    } catch (const sdbus::Error &) {
        return T{};
    }
}

// Lines after the first indented to line up under the first.
std::string indented(const std::string &text) {
    std::string out;
    for (char ch : text)
        out += ch == '\n' ? std::string("\n         ") : std::string(1, ch);
    return out;
}

// How the daemon stands, before its roles: running or degraded (with the error and what to
// do), and whether the kernel holds what rolewalld applied.
std::string health_text(const StatusMap &s) {
    std::string state = status_value<std::string>(s, "state");
    std::string ruleset = status_value<std::string>(s, "ruleset");
    std::string out = "State:   " + state;
    if (ruleset == "fail-safe")
        out += " (the fail-safe table is in force: only SSH, TCP port 22, is open)";
    else if (ruleset == "last-good")
        out += " (the table the kernel held at start is kept as it was)";
    out += "\n";
    if (std::string error = status_value<std::string>(s, "error"); !error.empty())
        out += "Error:   " + indented(error) +
               "\n         Fix it, check with 'rolewallctl check', then run 'rolewallctl "
               "reload'.\n";
    std::string kernel = status_value<std::string>(s, "kernel");
    out += "Kernel:  " + (kernel == "matches"   ? "matches what rolewalld applied"
                          : kernel == "differs" ? "differs from what rolewalld applied (a reload "
                                                  "puts it right):"
                                                : kernel + ":");
    for (const auto &d : status_value<std::vector<std::string>>(s, "kernel_differences"))
        out += "\n         " + d;
    for (const auto &o : status_value<std::vector<std::string>>(s, "overrides"))
        out += "\nSaved:   " + o;
    if (std::string p = status_value<std::string>(s, "pending"); !p.empty())
        out += "\nPending: " + p + " (by " + status_value<std::string>(s, "pending_by") + "): " +
               pending_text(status_value<std::uint64_t>(s, "pending_deadline"),
                            status_value<std::uint64_t>(s, "now"));
    return out + "\n\n";
}

// The keys of GetStatus, after "roles", in this order (docs/JSON.md).
void add_health(Json &out, const StatusMap &s) {
    out["state"] = status_value<std::string>(s, "state");
    out["error"] = status_value<std::string>(s, "error");
    out["ruleset"] = status_value<std::string>(s, "ruleset");
    out["kernel"] = status_value<std::string>(s, "kernel");
    out["kernel_differences"] = status_value<std::vector<std::string>>(s, "kernel_differences");
    out["started"] = status_value<std::uint64_t>(s, "started");
    out["overrides"] = status_value<std::vector<std::string>>(s, "overrides");
    out["pending"] = status_value<std::string>(s, "pending");
    out["pending_deadline"] = status_value<std::uint64_t>(s, "pending_deadline");
    out["pending_by"] = status_value<std::string>(s, "pending_by");
}

// Role -> when its timed change is undone (DescribeEnabled), for the roles that have one.
using Expiries = std::map<std::string, std::uint64_t>;

Expiries expiries(Client &c) {
    Expiries out;
    for (const auto &[role, d] : c.DescribeEnabled())
        if (auto it = d.find("expires"); it != d.end()) out[role] = it->second.get<std::uint64_t>();
    return out;
}

// "runtime, undone in 1m 30s" for a timed change (the daemon's clock: GetStatus now).
std::string origin_column(const std::string &role, const std::string &origin,
                          const Expiries &expires, const StatusMap &status) {
    auto it = expires.find(role);
    if (it == expires.end()) return origin;
    return origin + ", undone in " +
           time_left(it->second, status_value<std::uint64_t>(status, "now"));
}

// GetCounters: per role (packets, bytes, since_usec), and the policy's. Absent from a daemon
// that has no counters (older, or the kernel could not be read): status shows none then.
struct CounterView {
    std::map<std::string, sdbus::Struct<std::string, uint64_t, uint64_t, uint64_t>> roles;
    std::optional<sdbus::Struct<uint64_t, uint64_t, uint64_t>> policy;
};

CounterView read_counters(Client &c) {
    CounterView v;
    try {
        auto [roles, policy] = c.GetCounters();
        for (auto &r : roles)
            v.roles.emplace(r.get<0>(), r);
        v.policy = policy;
    } catch (const sdbus::Error &) {
        // no counters to show: the rest of the status still is
    }
    return v;
}

// "1.2k packets, 88.0 KiB" for people.
std::string counted(std::uint64_t packets, std::uint64_t bytes) {
    return human_count(packets) + (packets == 1 ? " packet, " : " packets, ") + human_bytes(bytes);
}

// A role's entry of status --json; packets, bytes and counting_since when counted.
Json role_json(const EnabledList::value_type &r, const CounterView &counters,
               const Expiries &expires) {
    auto expiry = expires.find(r.get<0>());
    Json j = {{"name", r.get<0>()},
              {"origin", r.get<1>()},
              {"interfaces", r.get<2>()},
              {"sources", r.get<3>()},
              {"expires", expiry == expires.end() ? 0 : expiry->second}};
    if (auto it = counters.roles.find(r.get<0>()); it != counters.roles.end()) {
        j["packets"] = it->second.get<1>();
        j["bytes"] = it->second.get<2>();
        j["counting_since"] = it->second.get<3>();
    }
    return j;
}

void print_status(const EnabledList &roles, const StatusMap &status, const CounterView &counters,
                  const Expiries &expires, bool json) {
    if (json) {
        Json list = Json::array();
        for (const auto &r : roles)
            list.push_back(role_json(r, counters, expires));
        Json out = {{"roles", std::move(list)}};
        add_health(out, status);
        if (const auto &p = counters.policy)
            out["policy"] = {
                {"packets", p->get<0>()}, {"bytes", p->get<1>()}, {"counting_since", p->get<2>()}};
        print_json(out);
        return;
    }
    print(health_text(status));
    if (roles.empty()) {
        print("No role is enabled.\n");
    } else {
        TextTable t({"ROLE", "ORIGIN", "INTERFACES", "SOURCES", "ACCEPTED"});
        for (const auto &r : roles) {
            auto it = counters.roles.find(r.get<0>());
            std::string accepted = it == counters.roles.end()
                                       ? "-"
                                       : counted(it->second.get<1>(), it->second.get<2>()) +
                                             " since " + local_time(it->second.get<3>());
            t.row({r.get<0>(), origin_column(r.get<0>(), r.get<1>(), expires, status),
                   join(r.get<2>(), "any"), join(r.get<3>(), "any"), accepted});
        }
        print(t.str());
    }
    if (const auto &p = counters.policy)
        print("\nPolicy:  " + counted(p->get<0>(), p->get<1>()) +
              " refused (no rule accepted) since " + local_time(p->get<2>()) + "\n");
}

} // namespace

int verb_status(const Options &o) {
    return with_daemon([&](Client &c) {
        StatusMap status = c.GetStatus();
        print_status(c.ListEnabled(), status, read_counters(c), expiries(c), o.json);
        return status_value<std::string>(status, "state") == "degraded" ? exit_degraded : exit_ok;
    });
}

namespace {

using ResultMap = std::map<std::string, sdbus::Variant>;

std::vector<std::string> strings_of(const ResultMap &r, const char *key) {
    auto it = r.find(key);
    return it == r.end() ? std::vector<std::string>{} : it->second.get<std::vector<std::string>>();
}
bool bool_of(const ResultMap &r, const char *key) {
    auto it = r.find(key);
    return it != r.end() && it->second.get<bool>();
}
std::string string_of(const ResultMap &r, const char *key) {
    auto it = r.find(key);
    return it == r.end() ? "" : it->second.get<std::string>();
}

// "a, b, c", or "any"; a long scope is cut after a few items, as rolewalld logs it.
std::string scope_list(const std::vector<std::string> &items) {
    constexpr std::size_t shown = 8;
    if (items.empty()) return "any";
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < shown; ++i)
        out += (i ? ", " : "") + items[i];
    if (items.size() > shown) out += ", ... (" + std::to_string(items.size()) + " in all)";
    return out;
}

} // namespace

std::string pending_text(std::uint64_t deadline, std::uint64_t now) {
    return "undone by rolewalld in " + time_left(deadline, now) + " (at " +
           utc_time_text(deadline) + ") unless 'rolewallctl confirm' comes first";
}

namespace {

std::uint64_t time_of(const ResultMap &r, const char *key) {
    auto it = r.find(key);
    return it == r.end() ? 0 : it->second.get<std::uint64_t>();
}
std::uint64_t expires_of(const ResultMap &r) {
    return time_of(r, bus::result_expires);
}

std::string state_text(bool enabled, const std::string &origin) {
    return enabled ? "enabled (" + origin + ")" : "disabled";
}

// The change as before -> after, one line per dimension:
//   dc: enabled (config) -> enabled (state)
//     interfaces: lan0, wg* -> lan0
//     sources: 192.0.2.0/24 (unchanged)
void print_change(const std::string &role, const ResultMap &r, bool dry_run) {
    bool was = bool_of(r, bus::result_was_enabled), is = bool_of(r, bus::result_enabled);
    std::string before = state_text(was, string_of(r, bus::result_was_origin));
    std::string after = state_text(is, string_of(r, bus::result_origin));
    std::string head = dry_run ? "dry run: " : "";
    std::string until =
        string_of(r, bus::result_origin) == "runtime" ? ", until rolewalld restarts" : "";
    if (std::uint64_t expires = expires_of(r))
        until = ", undone by rolewalld in " + time_left(expires, realtime_usec()) + " (at " +
                utc_time_text(expires) + ")";
    if (!bool_of(r, bus::result_changed))
        std::printf("%s%s: %s, nothing to change\n", head.c_str(), role.c_str(), after.c_str());
    else if (before == after)
        std::printf("%s%s: %s%s\n", head.c_str(), role.c_str(), after.c_str(), until.c_str());
    else
        std::printf("%s%s: %s -> %s%s\n", head.c_str(), role.c_str(), before.c_str(), after.c_str(),
                    until.c_str());
    auto dimension = [&](const char *name, const char *was_key, const char *key) {
        auto b = strings_of(r, was_key), a = strings_of(r, key);
        if (!is) return; // a disabled role has no scope to show
        if (was && b == a)
            std::printf("  %s: %s (unchanged)\n", name, scope_list(a).c_str());
        else
            std::printf("  %s: %s -> %s\n", name, was ? scope_list(b).c_str() : "(disabled)",
                        scope_list(a).c_str());
    };
    dimension("interfaces", bus::result_was_interfaces, bus::result_interfaces);
    dimension("sources", bus::result_was_sources, bus::result_sources);
    if (std::uint64_t deadline = time_of(r, bus::result_pending_deadline))
        print(pending_text(deadline, realtime_usec()) + "\n");
    for (const auto &w : strings_of(r, bus::result_warnings))
        std::fprintf(stderr, "rolewallctl: warning: %s\n", w.c_str());
    if (dry_run) std::printf("nothing was changed (dry run)\n");
}

// The result of a change as JSON (docs/JSON.md "enable"), keys in the order of the schema.
Json change_json(const std::string &role, const ResultMap &r) {
    return {{"role", role},
            {"changed", bool_of(r, bus::result_changed)},
            {"enabled", bool_of(r, bus::result_enabled)},
            {"origin", string_of(r, bus::result_origin)},
            {"interfaces", strings_of(r, bus::result_interfaces)},
            {"sources", strings_of(r, bus::result_sources)},
            {"was_enabled", bool_of(r, bus::result_was_enabled)},
            {"was_origin", string_of(r, bus::result_was_origin)},
            {"was_interfaces", strings_of(r, bus::result_was_interfaces)},
            {"was_sources", strings_of(r, bus::result_was_sources)},
            {"warnings", strings_of(r, bus::result_warnings)},
            {"expires", expires_of(r)},
            {"pending_deadline", time_of(r, bus::result_pending_deadline)}};
}

void show_change(const Options &o, const std::string &role, const ResultMap &r) {
    if (!o.json) return print_change(role, r, o.dry_run);
    Json out = change_json(role, r);
    out["dry_run"] = o.dry_run;
    print_json(out);
}

void put(ResultMap &options, const char *key, const std::vector<std::string> &v) {
    if (!v.empty()) options[key] = sdbus::Variant(v);
}
void put(ResultMap &options, const char *key, bool b) {
    if (b) options[key] = sdbus::Variant(true);
}

// --timeout DURATION (whole seconds, 1 s to 30 days) and --confirm DURATION (1 s to a day).
void put_seconds(ResultMap &options, const char *key, const std::string &text, std::uint32_t max,
                 const char *range) {
    if (text.empty()) return;
    std::uint64_t usec = parse_duration(text);
    if (usec % 1000000 || usec == 0 || usec / 1000000 > max)
        throw UsageError{"--" + std::string(key) + " " + text + ": give whole seconds, " + range};
    options[key] = sdbus::Variant(static_cast<std::uint32_t>(usec / 1000000));
}
void put_timeout(ResultMap &options, const Options &o) {
    put_seconds(options, bus::option_timeout, o.timeout, bus::max_timeout, "1s to 30d");
    put_seconds(options, bus::option_confirm, o.confirm, bus::max_confirm, "1s to 1d");
}

// The lock-out guard: --force, and the caller's SSH_CONNECTION, ours or (sudo drops it) the
// nearest ancestor's.
void put_guard(ResultMap &options, const Options &o) {
    put(options, bus::option_force, o.force);
    const char *own = std::getenv("SSH_CONNECTION");
    std::optional<std::string> ssh =
        own ? std::optional<std::string>(own) : find_ssh_connection("/proc", getppid());
    if (ssh && !ssh->empty()) options[bus::option_ssh_connection] = sdbus::Variant(*ssh);
}

} // namespace

int verb_enable(const Options &o) {
    ResultMap options;
    put(options, bus::option_interfaces, o.interfaces);
    put(options, bus::option_sources, o.sources);
    put(options, bus::option_any_interface, o.any_interface);
    put(options, bus::option_any_source, o.any_source);
    put(options, bus::option_add_interfaces, o.add_interfaces);
    put(options, bus::option_remove_interfaces, o.remove_interfaces);
    put(options, bus::option_add_sources, o.add_sources);
    put(options, bus::option_remove_sources, o.remove_sources);
    put(options, bus::option_runtime, o.runtime);
    put(options, bus::option_dry_run, o.dry_run);
    put_timeout(options, o);
    put_guard(options, o);
    const std::string &role = o.args[0];
    return with_daemon([&](Client &c) {
        show_change(o, role, c.EnableRole(role, options));
        return exit_ok;
    });
}

int verb_disable(const Options &o) {
    ResultMap options;
    put(options, bus::option_runtime, o.runtime);
    put(options, bus::option_dry_run, o.dry_run);
    put_timeout(options, o);
    put_guard(options, o);
    const std::string &role = o.args[0];
    return with_daemon([&](Client &c) {
        show_change(o, role, c.DisableRole(role, options));
        return exit_ok;
    });
}

// Every role's change, one after the other; with --json one object {"roles": [...]}.
int verb_revert(const Options &o) {
    if (o.all == !o.args.empty())
        throw UsageError{"usage: rolewallctl revert ROLE... | revert --all"};
    ResultMap options;
    put(options, bus::option_all, o.all);
    put(options, bus::option_dry_run, o.dry_run);
    put_timeout(options, o); // --confirm (--timeout is refused for revert)
    put_guard(options, o);
    return with_daemon([&](Client &c) {
        auto results = c.RevertRoles(o.args, options);
        if (o.json) {
            Json roles = Json::array();
            for (const auto &[role, r] : results)
                roles.push_back(change_json(role, r));
            print_json({{"roles", std::move(roles)}, {"dry_run", o.dry_run}});
        } else if (results.empty()) {
            print("no role has a saved or runtime change: every role follows the config\n");
        }
        for (const auto &[role, r] : results)
            if (!o.json) print_change(role, r, false);
        if (!o.json && o.dry_run) print("nothing was changed (dry run)\n");
        return exit_ok;
    });
}

// The daemon's notices (a state entry that overrides the config, ...) go to stdout, its
// warnings (the lock-out guard's) to stderr.
int verb_reload(const Options &o) {
    ResultMap options;
    put_timeout(options, o); // --confirm
    put_guard(options, o);
    return with_daemon([&](Client &c) {
        std::vector<std::string> notices =
            options.empty() ? c.Reload() : c.ReloadWithOptions(options);
        std::uint64_t deadline = o.confirm.empty() ? 0 : c.PendingDeadline();
        if (o.json)
            print_json({{"notices", notices}});
        else
            for (const auto &n : notices)
                if (n.rfind("warning: ", 0) == 0)
                    std::fprintf(stderr, "rolewallctl: %s\n", n.c_str());
                else
                    print(n + "\n");
        if (deadline && !o.json) print(pending_text(deadline, realtime_usec()) + "\n");
        warn_samba_disagreements(o, c);
        return exit_ok;
    });
}

} // namespace rolewall::ctl
