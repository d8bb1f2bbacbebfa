#include "rolewall/manager.hpp"

#include "recovery.hpp"
#include "trust.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace fs = std::filesystem;

namespace rolewall {

const char *origin_name(RoleOrigin origin) {
    switch (origin) {
    case RoleOrigin::config:
        return "config";
    case RoleOrigin::state:
        return "state";
    case RoleOrigin::runtime:
        return "runtime";
    }
    return "?";
}

Result<Scope> parse_scope(const ScopeRequest &request) {
    Scope scope;
    for (const auto &i : request.interfaces) {
        std::string why;
        if (!valid_interface_name(i, &why))
            return make_error(Errc::invalid_argument, "bad interface name: " + why);
        scope.interfaces.push_back(i);
    }
    for (const auto &s : request.sources) {
        auto c = Cidr::parse(s);
        if (!c) return make_error(Errc::invalid_argument, "bad source: " + c.error().message);
        scope.sources.push_back(*c);
    }
    scope.normalize();
    return scope;
}

EnabledRoles effective_roles(const Catalog &catalog, const Config &config, const SavedState &saved,
                             const std::map<std::string, std::optional<Scope>> &runtime) {
    EnabledRoles out;
    for (const auto &[name, scope] : config.roles)
        if (catalog.role(name)) out[name] = {scope, RoleOrigin::config};
    for (const auto &[name, entry] : saved) {
        if (!catalog.role(name)) continue;
        if (entry.enabled)
            out[name] = {entry.scope, RoleOrigin::state};
        else
            out.erase(name);
    }
    for (const auto &[name, scope] : runtime) {
        if (!catalog.role(name)) continue;
        if (scope)
            out[name] = {*scope, RoleOrigin::runtime};
        else
            out.erase(name);
    }
    return out;
}

namespace {

std::map<std::string, Scope> scopes_of(const EnabledRoles &roles) {
    std::map<std::string, Scope> out;
    for (const auto &[name, r] : roles)
        out[name] = r.scope;
    return out;
}

std::vector<RoleChange> changes_between(const EnabledRoles &before, const EnabledRoles &after) {
    std::set<std::string> names;
    for (const auto &[n, r] : before)
        names.insert(n);
    for (const auto &[n, r] : after)
        names.insert(n);
    std::vector<RoleChange> out;
    for (const auto &n : names) {
        auto b = before.find(n);
        auto a = after.find(n);
        bool was = b != before.end(), is = a != after.end();
        if (was != is || (was && !(b->second == a->second))) out.push_back({n, is});
    }
    return out;
}

bool same_names(const EnabledRoles &a, const EnabledRoles &b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto &x, const auto &y) { return x.first == y.first; });
}

// Saved entries naming roles the catalog does not have: kept, ignored, reported.
void note_vanished(const Catalog &catalog, const SavedState &saved, const fs::path &file,
                   std::vector<Notice> &notices) {
    for (const auto &[name, entry] : saved)
        if (!catalog.role(name))
            notices.push_back({"the state file " + file.string() + " names the role '" + name +
                                   "', which the catalog does not have; the entry is ignored "
                                   "and kept in the file",
                               name});
}

Result<Catalog> load_catalog(const Sources &s) {
    return Catalog::load(s.catalog, s.local_catalog);
}

} // namespace

Manager::Manager(Backend &backend, Sources sources)
    : backend_(backend), sources_(std::move(sources)), state_file_(sources_.state_dir),
      started_at_(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())) {}

std::vector<std::string> Manager::enabled_names() const {
    std::vector<std::string> out;
    for (const auto &[name, r] : enabled_)
        out.push_back(name);
    return out;
}

const EnabledRole *Manager::find(const std::string &role) const {
    auto it = enabled_.find(role);
    return it == enabled_.end() ? nullptr : &it->second;
}

Status Manager::check_role(const std::string &role) const {
    if (auto running = check_running(); !running) return running;
    if (catalog_.role(role)) return Ok{};
    return make_error(Errc::unknown_role, "there is no role '" + role + "' in the catalog");
}

Result<Report> Manager::start() {
    if (auto trusted = check_trusted_inputs(sources_, state_file_.path()); !trusted)
        return trusted.error();
    auto catalog = load_catalog(sources_);
    if (!catalog) return catalog.error();
    auto config = Config::load(sources_.config, *catalog);
    if (!config) return config.error();
    std::vector<Notice> notices;
    for (const auto &t : state_file_.remove_temporaries())
        notices.push_back({"removed " + t.string() +
                               ", a temporary state file left by a write that did not finish",
                           ""});
    StateRead read = state_file_.read();
    SavedState state = read.good;
    if (!read.clean()) {
        auto sets = backend_.read();
        KernelRoles kernel =
            roles_in_kernel(sets ? *sets : std::vector<SetContent>{}, *catalog, *config);
        state = recover_saved(read, kernel, *catalog, *config, notices);
    }
    note_vanished(*catalog, state, state_file_.path(), notices);
    catalog_ = std::move(*catalog);
    config_ = std::move(*config);
    auto report = transact({&catalog_, &config_, std::move(state), {}});
    if (!report) return report;
    started_ = true;
    health_ = Health{};
    if (!read.clean()) notices.push_back(replace_damaged_state(read));
    report->notices.insert(report->notices.begin(), notices.begin(), notices.end());
    return report;
}

// A damaged state file, once its roles are decided and in force: moved aside for the admin
// and replaced by one holding the good entries and the damaged roles as they are now in force,
// so that a reload or the next start find what is in force. When it cannot be moved it stays
// where it is; a reload reads it entry by entry again and keeps the damaged roles as they are.
Notice Manager::replace_damaged_state(const StateRead &read) {
    std::string what = read.error(state_file_.path().string()).describe() + "\nrolewalld ";
    auto moved = state_file_.move_aside();
    if (!moved)
        return {what + "could not move it aside (" + moved.error().message +
                    "); it stays in place, and the roles of its damaged entries stay as they are",
                ""};
    what += "moved it aside to " + moved->string();
    auto pending = state_file_.prepare(saved_);
    Status written = pending ? pending->commit() : Status(pending.error());
    if (!written) return {what + "; writing a new one failed: " + written.error().message, ""};
    return {what + " and wrote a new one with the good entries and the damaged roles as they "
                   "are now in force",
            ""};
}

namespace {

template <typename Map>
std::optional<typename Map::mapped_type> entry_of(const Map &map, const std::string &key) {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
}

template <typename Map>
void set_entry(Map &map, const std::string &key, std::optional<typename Map::mapped_type> value) {
    if (value)
        map.insert_or_assign(key, std::move(*value));
    else
        map.erase(key);
}

// One role through the three layers, as effective_roles() sees it.
std::optional<EnabledRole> effective_role(const Config &config, const std::string &role,
                                          const std::optional<SavedRole> &saved,
                                          const std::optional<std::optional<Scope>> &runtime) {
    if (runtime) {
        if (!*runtime) return std::nullopt;
        return EnabledRole{**runtime, RoleOrigin::runtime};
    }
    if (saved) {
        if (!saved->enabled) return std::nullopt;
        return EnabledRole{saved->scope, RoleOrigin::state};
    }
    if (auto it = config.roles.find(role); it != config.roles.end())
        return EnabledRole{it->second, RoleOrigin::config};
    return std::nullopt;
}

} // namespace

Result<Report> Manager::enable(const std::string &role, const ScopeRequest &request, bool runtime) {
    if (auto s = check_role(role); !s) return s.error();
    auto scope = parse_scope(request);
    if (!scope) return scope.error();
    RoleEdit edit{role, entry_of(saved_, role), entry_of(runtime_, role)};
    if (runtime) {
        edit.runtime = std::optional<Scope>(*scope);
        // Runtime entries only hold what differs from config + state.
        auto below = effective_role(config_, role, edit.saved, std::nullopt);
        if (below && below->scope == *scope) edit.runtime.reset();
    } else {
        edit.runtime.reset();
        edit.saved = SavedRole{true, *scope};
        // State entries only hold what differs from the config.
        if (auto it = config_.roles.find(role); it != config_.roles.end() && it->second == *scope)
            edit.saved.reset();
    }
    return change(std::move(edit));
}

Result<Report> Manager::disable(const std::string &role, bool runtime) {
    if (auto s = check_role(role); !s) return s.error();
    RoleEdit edit{role, entry_of(saved_, role), entry_of(runtime_, role)};
    if (runtime) {
        edit.runtime = std::optional<Scope>();
        if (!effective_role(config_, role, edit.saved, std::nullopt)) edit.runtime.reset();
    } else {
        edit.runtime.reset();
        edit.saved = SavedRole{false, {}};
        if (!config_.roles.count(role)) edit.saved.reset();
    }
    return change(std::move(edit));
}

// One role's change: (prepare state file) -> apply that role's sets -> commit. Only this
// role's entries are looked at, so a change costs the same however many roles are enabled
// and however large their scopes are (but for writing the state file, which holds them all).
Result<Report> Manager::change(RoleEdit edit) {
    Report report;
    const std::string &role = edit.role;
    auto old_saved = entry_of(saved_, role);
    if (edit.saved == old_saved && edit.runtime == entry_of(runtime_, role))
        return report; // nothing to do: enabling an enabled role with the same scope
    std::optional<EnabledRole> now = effective_role(config_, role, edit.saved, edit.runtime);
    const EnabledRole *was = find(role);
    bool kernel = (was != nullptr) != now.has_value() || (was && was->scope != now->scope);
    std::optional<PendingWrite> pending;
    if (edit.saved != old_saved) {
        SavedState next = saved_;
        set_entry(next, role, edit.saved);
        auto p = state_file_.prepare(next);
        if (!p) return p.error();
        pending.emplace(std::move(*p));
    }
    std::vector<SetContent> previous; // the role's sets as they were in layout_
    if (kernel) {
        std::map<std::string, Scope> scope;
        if (now) scope.emplace(role, now->scope);
        previous = update_role_sets(layout_, catalog_, config_.ranges, scope, {role});
        auto applied = backend_.apply(layout_, ApplyHint::only({role}));
        if (!applied) {
            put_back_sets(layout_, std::move(previous));
            return applied.error();
        }
        report.applied = true;
        report.apply = *applied;
    }
    if (pending) {
        if (auto committed = pending->commit(); !committed) {
            Error e = committed.error();
            if (kernel) {
                put_back_sets(layout_, std::move(previous));
                auto undo = backend_.apply(layout_, ApplyHint::only({role}));
                if (!undo)
                    e.message +=
                        "; putting the previous ruleset back failed too: " + undo.error().message;
            }
            return e;
        }
        report.saved = true;
    }
    report.names_changed = (was != nullptr) != now.has_value();
    if (report.names_changed || (was && *was != *now))
        report.changes.push_back({role, now.has_value()});
    set_entry(saved_, role, std::move(edit.saved));
    set_entry(runtime_, role, std::move(edit.runtime));
    set_entry(enabled_, role, std::move(now));
    return report;
}

Result<Report> Manager::reload() {
    if (!started_) { // a start that failed (degraded): start again
        auto again = start();
        if (!again && health_.degraded) health_.error = again.error();
        return again;
    }
    if (auto trusted = check_trusted_inputs(sources_, state_file_.path()); !trusted)
        return trusted.error();
    auto catalog = load_catalog(sources_);
    if (!catalog) return catalog.error();
    auto config = Config::load(sources_.config, *catalog);
    if (!config) return config.error();
    StateRead read = state_file_.read();
    std::vector<Notice> notices;
    SavedState saved = read.good;
    if (!read.clean()) {
        notices.push_back({read.error(state_file_.path().string()).describe() +
                               "\nthe file is left as it is for you to fix",
                           ""});
        saved = keep_damaged(read, saved_, *catalog, notices);
    }
    note_vanished(*catalog, saved, state_file_.path(), notices);
    Runtime runtime;
    for (const auto &[name, scope] : runtime_) {
        if (catalog->role(name))
            runtime[name] = scope;
        else
            notices.push_back({"the runtime change of role '" + name +
                                   "' is dropped: the catalog no longer has that role",
                               name});
    }
    auto report = transact({&*catalog, &*config, std::move(saved), std::move(runtime)});
    if (!report) return report;
    catalog_ = std::move(*catalog);
    config_ = std::move(*config);
    report->notices.insert(report->notices.begin(), notices.begin(), notices.end());
    return report;
}

// Builds the whole layout of the three layers and applies it (always, so that a kernel that
// drifted is put right). The state file is not written: next.saved is what the file holds.
Result<Report> Manager::transact(Next next) {
    Report report;
    EnabledRoles roles = effective_roles(*next.catalog, *next.config, next.saved, next.runtime);
    Layout layout =
        build_layout(*next.catalog, next.config->policy, next.config->ranges, scopes_of(roles));
    auto applied = backend_.apply(layout, ApplyHint::everything());
    if (!applied) return applied.error();
    report.applied = true;
    report.apply = *applied;
    report.changes = changes_between(enabled_, roles);
    report.names_changed = !same_names(enabled_, roles);
    saved_ = std::move(next.saved);
    runtime_ = std::move(next.runtime);
    enabled_ = std::move(roles);
    layout_ = std::move(layout);
    return report;
}

} // namespace rolewall
