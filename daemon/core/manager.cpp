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

std::optional<EnabledRole> resolve_role(const Scope *config, const SavedRole *saved,
                                        const RuntimeEntry *runtime) {
    if (runtime) {
        if (!runtime->scope) return std::nullopt;
        return EnabledRole{*runtime->scope, RoleOrigin::runtime};
    }
    if (saved) {
        if (!saved->enabled) return std::nullopt;
        return EnabledRole{saved->scope, RoleOrigin::state};
    }
    if (config) return EnabledRole{*config, RoleOrigin::config};
    return std::nullopt;
}

namespace {

template <typename Map>
const typename Map::mapped_type *find_in(const Map &map, const std::string &key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

} // namespace

EnabledRoles effective_roles(const Catalog &catalog, const Config &config, const SavedState &saved,
                             const Runtime &runtime) {
    std::set<std::string> names;
    for (const auto &[name, scope] : config.roles)
        names.insert(name);
    for (const auto &[name, entry] : saved)
        names.insert(name);
    for (const auto &[name, entry] : runtime)
        names.insert(name);
    EnabledRoles out;
    for (const auto &name : names) {
        if (!catalog.role(name)) continue;
        auto role =
            resolve_role(find_in(config.roles, name), find_in(saved, name), find_in(runtime, name));
        if (role) out.emplace(name, std::move(*role));
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

std::string Manager::rendered() const {
    return render_nft(layout_, backend_.fingerprint(layout_));
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
    StateRead read = state_file_.read(config->limits);
    SavedState state = read.good;
    if (!read.clean()) {
        auto there = backend_.presence();
        auto sets = backend_.read();
        KernelRoles kernel = roles_in_kernel(
            there && there->exists, sets ? *sets : std::vector<SetContent>{}, *catalog, *config);
        state = recover_saved(read, kernel, *catalog, *config, notices);
    }
    note_vanished(*catalog, state, state_file_.path(), notices);
    catalog_ = std::move(*catalog);
    config_ = std::move(*config);
    auto report = transact({&catalog_, &config_, std::move(state), {}, false, nullptr});
    if (!report) return report;
    started_ = true;
    health_ = Health{};
    if (!read.clean()) notices.push_back(replace_damaged_state(read));
    report->notices.insert(report->notices.begin(), notices.begin(), notices.end());
    for (auto &n : overrides()) // the saved entries that override a different config entry
        report->notices.push_back(std::move(n));
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

Result<Report> Manager::reload(const ChangeOptions &options) {
    if (auto s = check_not_pending(); !s) return s.error();
    // degraded: no way back to hold, and no table of roles for the lock-out guard to compare
    if (!started_) return reload_files({});
    if (!options.confirm) return reload_files(options);
    Before before{catalog_, config_, saved_, runtime_, timers_};
    auto report = reload_files(options);
    if (!report) return report;
    std::uint64_t deadline = realtime_usec() + std::uint64_t{options.confirm} * 1000000u;
    pending_ = Undo{{"reload", deadline, options.who}, {}, std::move(before), false};
    report->pending_changed = true;
    return report;
}

Result<Report> Manager::reload_files(const ChangeOptions &options) {
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
    StateRead read = state_file_.read(config->limits);
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
    auto report =
        transact({&*catalog, &*config, std::move(saved), std::move(runtime), true, &options});
    if (!report) return report;
    std::erase_if(timers_, [&](const auto &t) { return !catalog->role(t.first); });
    catalog_ = std::move(*catalog);
    config_ = std::move(*config);
    report->notices.insert(report->notices.begin(), notices.begin(), notices.end());
    for (auto &n : overrides()) // the saved entries that override a different config entry
        report->notices.push_back(std::move(n));
    return report;
}

// Builds the whole layout of the three layers and applies it (always, so that a kernel that
// drifted is put right: at start the backend's first apply reads the whole table back; a
// reload asks it to read it back again, ApplyHint::repair()). The state file is not written:
// next.saved is what the file holds.
Result<Report> Manager::transact(Next next) {
    Report report;
    EnabledRoles roles = effective_roles(*next.catalog, *next.config, next.saved, next.runtime);
    Layout layout = config_layout(*next.catalog, *next.config, scopes_of(roles));
    if (next.guard)
        if (auto s = guard_layout(layout, *next.guard, report.notices); !s) return s.error();
    auto applied =
        backend_.apply(layout, next.repair ? ApplyHint::repair() : ApplyHint::everything());
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
