// Changes of single roles: enable, disable. Each decides the role's entries in the saved and
// runtime layers, then change() makes that one transaction.
#include "rolewall/manager.hpp"

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
// what differs from the layers below it; a persistent decision replaces a runtime one.
void Manager::decide(RoleEdit &edit, std::optional<Scope> wanted, bool runtime) const {
    if (runtime) {
        edit.runtime = RuntimeEntry{wanted};
        if (decided(resolve({edit.role, edit.saved, std::nullopt}), wanted)) edit.runtime.reset();
    } else {
        edit.runtime.reset();
        edit.saved = SavedRole{wanted.has_value(), wanted.value_or(Scope{})};
        if (decided(resolve({edit.role, std::nullopt, std::nullopt}), wanted)) edit.saved.reset();
    }
}

Result<Report> Manager::enable(const std::string &role, const ScopeRequest &request,
                               const ChangeOptions &options) {
    if (auto s = check_role(role); !s) return s.error();
    RoleEdit edit = edit_of(role);
    std::vector<std::string> warnings;
    auto scope = apply_request(enable_base(role), request, config_.limits, &warnings);
    if (!scope) return scope.error();
    decide(edit, std::move(*scope), options.runtime);
    auto report = change(std::move(edit), options);
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
    decide(edit, std::nullopt, options.runtime);
    return change(std::move(edit), options);
}

// One role's change: (prepare state file) -> apply that role's sets -> commit. Only this
// role's entries are looked at, so a change costs the same however many roles are enabled
// and however large their scopes are (but for writing the state file, which holds them all).
Result<Report> Manager::change(RoleEdit edit, const ChangeOptions &options) {
    Report report;
    const std::string &role = edit.role;
    auto old_saved = entry_of(saved_, role);
    std::optional<EnabledRole> now = resolve(edit);
    const EnabledRole *was = find(role);
    RoleOutcome &outcome = report.outcomes.emplace_back();
    outcome.role = role;
    outcome.before = was ? std::optional<EnabledRole>(*was) : std::nullopt;
    outcome.after = now;
    outcome.changed = !(edit.saved == old_saved && edit.runtime == entry_of(runtime_, role));
    if (!outcome.changed || options.dry_run) return report;
    bool kernel = (was != nullptr) != now.has_value() || (was && was->scope != now->scope);
    std::optional<PendingWrite> pending;
    if (edit.saved != old_saved) {
        SavedState next = saved_;
        set_entry(next, role, edit.saved);
        auto p = state_file_.prepare(next);
        if (!p) return p.error();
        pending.emplace(std::move(*p));
    }
    RoleParts previous; // the role's part of layout_ as it was
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

} // namespace rolewall
