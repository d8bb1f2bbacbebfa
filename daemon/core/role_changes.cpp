// Changes of roles: enable, disable, revert. Each decides the roles' entries in the saved and
// runtime layers, then change() makes that one transaction.
#include "rolewall/manager.hpp"

#include <set>

namespace rolewall {

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

template <typename T> const T *ptr(const std::optional<T> &o) {
    return o ? &*o : nullptr;
}

// Whether the layers below already decide what is wanted (nullopt: disabled).
bool decided(const std::optional<EnabledRole> &below, const std::optional<Scope> &wanted) {
    if (!below || !wanted) return !below && !wanted;
    return below->scope == *wanted;
}

} // namespace

Manager::RoleEdit Manager::edit_of(const std::string &role) const {
    return {role, entry_of(saved_, role), entry_of(runtime_, role)};
}

std::optional<EnabledRole> Manager::resolve(const RoleEdit &edit) const {
    auto config = config_.roles.find(edit.role);
    return resolve_role(config == config_.roles.end() ? nullptr : &config->second, ptr(edit.saved),
                        ptr(edit.runtime));
}

// Puts `wanted` (nullopt: disabled) into the runtime or the saved layer. Each layer only holds
// what differs from the layers below it; a persistent decision replaces a runtime one. A saved
// entry that keeps its decision keeps when and by whom it was saved.
void Manager::decide(RoleEdit &edit, std::optional<Scope> wanted,
                     const ChangeOptions &options) const {
    if (options.runtime) {
        edit.runtime = RuntimeEntry{wanted};
        if (decided(resolve({edit.role, edit.saved, std::nullopt}), wanted)) edit.runtime.reset();
        return;
    }
    edit.runtime.reset();
    SavedRole entry{wanted.has_value(), wanted.value_or(Scope{}),
                    realtime_usec() / 1000000u * 1000000u, options.who};
    if (!edit.saved || !edit.saved->same_decision(entry)) edit.saved = std::move(entry);
    if (decided(resolve({edit.role, std::nullopt, std::nullopt}), wanted)) edit.saved.reset();
}

Result<Report> Manager::enable(const std::string &role, const ScopeRequest &request,
                               const ChangeOptions &options) {
    if (auto s = check_role(role); !s) return s.error();
    RoleEdit edit = edit_of(role);
    std::vector<std::string> warnings;
    auto scope = apply_request(enable_base(role), request, config_.limits, &warnings);
    if (!scope) return scope.error();
    decide(edit, std::move(*scope), options);
    auto report = change({std::move(edit)}, options);
    if (report) report->outcomes.front().warnings = std::move(warnings);
    return report;
}

Scope Manager::enable_base(const std::string &role) const {
    if (const EnabledRole *now = find(role)) return now->scope;
    auto config = config_.roles.find(role);
    return config == config_.roles.end() ? Scope{} : config->second;
}

Result<Report> Manager::disable(const std::string &role, const ChangeOptions &options) {
    if (auto s = check_role(role); !s) return s.error();
    RoleEdit edit = edit_of(role);
    decide(edit, std::nullopt, options);
    return change({std::move(edit)}, options);
}

Result<Report> Manager::revert(const std::vector<std::string> &roles,
                               const ChangeOptions &options) {
    if (auto s = check_running(); !s) return s.error();
    std::vector<RoleEdit> edits;
    for (const auto &role : std::set<std::string>(roles.begin(), roles.end())) {
        if (auto s = check_role(role); !s) return s.error();
        edits.push_back({role, std::nullopt, std::nullopt});
    }
    return change(std::move(edits), options);
}

std::vector<std::string> Manager::overlaid() const {
    std::set<std::string> names;
    for (const auto &[name, entry] : saved_)
        if (catalog_.role(name)) names.insert(name);
    for (const auto &[name, entry] : runtime_)
        if (catalog_.role(name)) names.insert(name);
    return {names.begin(), names.end()};
}

namespace {

std::string decision_text(bool enabled, const Scope &scope) {
    return enabled ? "enabled (" + scope_text(scope) + ")" : "disabled";
}

} // namespace

std::vector<Notice> Manager::overrides() const {
    std::vector<Notice> out;
    for (const auto &[role, saved] : saved_) {
        auto config = config_.roles.find(role);
        if (!catalog_.role(role) || config == config_.roles.end()) continue;
        if (saved.enabled && saved.scope == config->second) continue;
        std::string since;
        if (saved.saved_at) since += " since " + utc_time_text(saved.saved_at);
        if (!saved.saved_by.empty()) since += " (" + saved.saved_by + ")";
        out.push_back({role + ": rolewall.toml says " + decision_text(true, config->second) +
                           "; state.toml overrides it" + since + ": " +
                           decision_text(saved.enabled, saved.scope) + "; 'rolewallctl revert " +
                           role + "' follows the config",
                       role});
    }
    return out;
}

RoleOutcome Manager::outcome_of(const RoleEdit &edit) const {
    const EnabledRole *was = find(edit.role);
    RoleOutcome o;
    o.role = edit.role;
    o.before = was ? std::optional<EnabledRole>(*was) : std::nullopt;
    o.after = resolve(edit);
    o.changed = !(edit.saved == entry_of(saved_, edit.role) &&
                  edit.runtime == entry_of(runtime_, edit.role));
    return o;
}

// One change of some roles: (prepare state file) -> apply those roles' sets -> commit. Only
// these roles' entries are looked at, so a change costs the same however many roles are enabled
// and however large their scopes are (but for writing the state file, which holds them all).
Result<Report> Manager::change(std::vector<RoleEdit> edits, const ChangeOptions &options) {
    Report report;
    bool changed = false;
    for (const RoleEdit &edit : edits) {
        report.outcomes.push_back(outcome_of(edit));
        changed = changed || report.outcomes.back().changed;
    }
    if (!changed || options.dry_run) return report;
    if (auto s = commit_edits(edits, report); !s) return s.error();
    return report;
}

// Writes, applies and keeps `edits` (report.outcomes: their outcomes, in the same order); on any
// failure memory, file and kernel stay as they were.
Status Manager::commit_edits(std::vector<RoleEdit> &edits, Report &report) {
    std::vector<std::string> kernel; // roles whose sets change
    std::map<std::string, Scope> scopes;
    bool write = false;
    for (std::size_t i = 0; i < edits.size(); ++i) {
        const RoleOutcome &o = report.outcomes[i];
        if (o.before.has_value() != o.after.has_value() ||
            (o.before && o.before->scope != o.after->scope))
            kernel.push_back(o.role);
        if (o.after) scopes.emplace(o.role, o.after->scope);
        write = write || edits[i].saved != entry_of(saved_, o.role);
    }
    std::optional<PendingWrite> pending;
    if (write) {
        SavedState next = saved_;
        for (const auto &e : edits)
            set_entry(next, e.role, e.saved);
        auto p = state_file_.prepare(next);
        if (!p) return p.error();
        pending.emplace(std::move(*p));
    }
    RoleParts previous; // the roles' part of layout_ as it was
    if (!kernel.empty()) {
        previous = update_role_sets(layout_, catalog_, config_.ranges, scopes, kernel);
        auto applied = backend_.apply(layout_, ApplyHint::only(kernel));
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
            if (!kernel.empty()) {
                put_back_sets(layout_, std::move(previous));
                auto undo = backend_.apply(layout_, ApplyHint::only(kernel));
                if (!undo)
                    e.message +=
                        "; putting the previous ruleset back failed too: " + undo.error().message;
            }
            return e;
        }
        report.saved = true;
    }
    for (std::size_t i = 0; i < edits.size(); ++i) {
        RoleOutcome &o = report.outcomes[i];
        bool names = o.before.has_value() != o.after.has_value();
        report.names_changed = report.names_changed || names;
        if (names || (o.before && *o.before != *o.after))
            report.changes.push_back({o.role, o.after.has_value()});
        set_entry(saved_, o.role, std::move(edits[i].saved));
        set_entry(runtime_, o.role, std::move(edits[i].runtime));
        set_entry(enabled_, o.role, o.after);
    }
    return Ok{};
}

} // namespace rolewall
