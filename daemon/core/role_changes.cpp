// Changes of roles: enable, disable, revert. Each decides the roles' entries in the saved and
// runtime layers, then change() makes that one transaction.
#include "rolewall/manager.hpp"

#include <algorithm>
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

// The roles whose sets a change gives the kernel, and the scopes of those enabled after it.
struct KernelChange {
    std::vector<std::string> roles;
    std::map<std::string, Scope> scopes;
};

KernelChange kernel_change(const std::vector<RoleOutcome> &outcomes) {
    KernelChange k;
    for (const RoleOutcome &o : outcomes) {
        if (o.before.has_value() != o.after.has_value() ||
            (o.before && o.before->scope != o.after->scope))
            k.roles.push_back(o.role);
        if (o.after) k.scopes.emplace(o.role, o.after->scope);
    }
    return k;
}

// Whether the layers below already decide what is wanted (nullopt: disabled).
bool decided(const std::optional<EnabledRole> &below, const std::optional<Scope> &wanted) {
    if (!below || !wanted) return !below && !wanted;
    return below->scope == *wanted;
}

} // namespace

Manager::RoleEdit Manager::edit_of(const std::string &role) const {
    return {role, entry_of(saved_, role), entry_of(runtime_, role), entry_of(timers_, role)};
}

std::optional<EnabledRole> Manager::resolve(const RoleEdit &edit) const {
    auto config = config_.roles.find(edit.role);
    return resolve_role(config == config_.roles.end() ? nullptr : &config->second, ptr(edit.saved),
                        ptr(edit.runtime));
}

// Puts `wanted` (nullopt: disabled) into the runtime or the saved layer. Each layer only holds
// what differs from the layers below it; a persistent decision replaces a runtime one. A saved
// entry that keeps its decision keeps when and by whom it was saved.
void Manager::decide(RoleEdit &edit, const std::optional<Scope> &wanted,
                     const ChangeOptions &options) const {
    // A timed change restores what the role had before the first timed change still running.
    std::optional<RuntimeEntry> restore = edit.timer ? edit.timer->restore : edit.runtime;
    edit.timer.reset();
    if (options.runtime || options.timeout) {
        edit.runtime = RuntimeEntry{wanted};
        if (decided(resolve({edit.role, edit.saved, std::nullopt, std::nullopt}), wanted))
            edit.runtime.reset();
        if (options.timeout && edit.runtime != restore)
            edit.timer = Timer{realtime_usec() + std::uint64_t{options.timeout} * 1000000u,
                               std::move(restore)};
        return;
    }
    edit.runtime.reset();
    SavedRole entry{wanted.has_value(), wanted.value_or(Scope{}),
                    realtime_usec() / 1000000u * 1000000u, options.who};
    if (!edit.saved || !edit.saved->same_decision(entry)) edit.saved = std::move(entry);
    if (decided(resolve({edit.role, std::nullopt, std::nullopt, std::nullopt}), wanted))
        edit.saved.reset();
}

Result<Report> Manager::enable(const std::string &role, const ScopeRequest &request,
                               const ChangeOptions &options) {
    if (auto s = check_role(role); !s) return s.error();
    if (auto s = check_not_pending(); !s && !options.dry_run) return s.error();
    RoleEdit edit = edit_of(role);
    std::vector<std::string> warnings;
    auto scope = apply_request(enable_base(role), request, config_.limits, &warnings);
    if (!scope) return scope.error();
    decide(edit, std::move(*scope), options);
    auto report = change({std::move(edit)}, options, "enable " + role);
    if (report) {
        auto &all = report->outcomes.front().warnings;
        all.insert(all.begin(), warnings.begin(), warnings.end());
    }
    return report;
}

Scope Manager::enable_base(const std::string &role) const {
    if (const EnabledRole *now = find(role)) return now->scope;
    auto config = config_.roles.find(role);
    return config == config_.roles.end() ? Scope{} : config->second;
}

Result<Report> Manager::disable(const std::string &role, const ChangeOptions &options) {
    if (auto s = check_role(role); !s) return s.error();
    if (auto s = check_not_pending(); !s && !options.dry_run) return s.error();
    RoleEdit edit = edit_of(role);
    decide(edit, std::nullopt, options);
    return change({std::move(edit)}, options, "disable " + role);
}

Result<Report> Manager::revert(const std::vector<std::string> &roles,
                               const ChangeOptions &options) {
    if (auto s = check_running(); !s) return s.error();
    if (auto s = check_not_pending(); !s && !options.dry_run) return s.error();
    std::vector<RoleEdit> edits;
    std::string what = "revert";
    for (const auto &role : std::set<std::string>(roles.begin(), roles.end())) {
        if (auto s = check_role(role); !s) return s.error();
        edits.push_back({role, std::nullopt, std::nullopt, std::nullopt});
        what += (edits.size() == 1 ? " " : ", ") + role;
    }
    return change(std::move(edits), options, what);
}

std::uint64_t Manager::next_expiry() const {
    std::uint64_t next = pending_ ? pending_->info.deadline : 0;
    for (const auto &[role, timer] : timers_)
        if (!next || timer.expires < next) next = timer.expires;
    return next;
}

// Each expired timed change: the role's runtime entry goes back to what the timer restores
// (dropped when the layers below decide the same). One transaction for all of them.
Result<Report> Manager::expire(std::uint64_t now) {
    Report unconfirmed;
    if (pending_ && pending_->info.deadline <= now) {
        auto undone = revert_pending();
        if (!undone) {
            pending_->info.deadline = now + 1000000u; // try again in a second
            return undone;
        }
        unconfirmed = std::move(*undone);
    }
    auto timed = expire_timers(now);
    if (!timed || !unconfirmed.pending_changed) return timed;
    Report &r = *timed;
    r.changes.insert(r.changes.begin(), unconfirmed.changes.begin(), unconfirmed.changes.end());
    r.names_changed = r.names_changed || unconfirmed.names_changed;
    r.applied = r.applied || unconfirmed.applied;
    r.pending_changed = true;
    return timed;
}

Result<Report> Manager::expire_timers(std::uint64_t now) {
    std::vector<RoleEdit> edits;
    for (const auto &[role, timer] : timers_) {
        if (timer.expires > now) continue;
        RoleEdit edit = edit_of(role);
        edit.runtime = timer.restore;
        edit.timer.reset();
        if (edit.runtime &&
            decided(resolve({role, edit.saved, std::nullopt, std::nullopt}), edit.runtime->scope))
            edit.runtime.reset();
        edits.push_back(std::move(edit));
    }
    if (edits.empty()) return Report{};
    ChangeOptions options;
    options.runtime = true;
    options.who = "rolewalld (timeout)";
    auto report = change(edits, options, "timeout");
    if (!report)
        for (const auto &edit : edits)
            timers_.at(edit.role).expires = now + 1000000u; // try again in a second
    return report;
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
    o.expires = edit.timer ? edit.timer->expires : 0;
    o.changed = !(edit.saved == entry_of(saved_, edit.role) &&
                  edit.runtime == entry_of(runtime_, edit.role) &&
                  edit.timer == entry_of(timers_, edit.role));
    return o;
}

// One change of some roles: (prepare state file) -> apply those roles' sets -> commit. Only
// these roles' entries are looked at, so a change costs the same however many roles are enabled
// and however large their scopes are (but for writing the state file, which holds them all).
// With options.confirm the saved entries change in memory and the kernel only: the change
// waits for confirmation (pending()), and state.toml is written when it is confirmed.
Result<Report> Manager::change(std::vector<RoleEdit> edits, const ChangeOptions &options,
                               const std::string &what) {
    Report report;
    bool changed = false, write = false;
    std::vector<RoleEdit> undo;
    for (const RoleEdit &edit : edits) {
        report.outcomes.push_back(outcome_of(edit));
        changed = changed || report.outcomes.back().changed;
        write = write || edit.saved != entry_of(saved_, edit.role);
        undo.push_back(edit_of(edit.role));
    }
    if (!changed) return report;
    if (auto s = guard_edits(report, options, what); !s) return s.error();
    if (options.dry_run) return report;
    if (auto s = commit_edits(edits, report, !options.confirm); !s) return s.error();
    if (options.confirm) hold_for_confirm(what, std::move(undo), write, options, report);
    return report;
}

// The roles' sets are changed in layout_ for the evaluator to see, and put back at once.
Status Manager::guard_edits(Report &report, const ChangeOptions &options, const std::string &what) {
    if (!options.ssh) return Ok{};
    KernelChange k = kernel_change(report.outcomes);
    if (k.roles.empty()) return Ok{};
    Packet packet = new_connection(*options.ssh);
    Verdict before = evaluate(layout_, packet);
    RoleParts previous = update_role_sets(layout_, catalog_, config_.ranges, k.scopes, k.roles);
    Verdict after = evaluate(layout_, packet);
    put_back_sets(layout_, std::move(previous));
    std::vector<std::string> warnings;
    if (auto s = check_lock_out(*options.ssh, before, after, what, options.force,
                                options.confirm != 0, warnings);
        !s)
        return s;
    auto carrier = std::find_if(report.outcomes.begin(), report.outcomes.end(),
                                [&](const RoleOutcome &o) { return o.role == before.role; });
    if (carrier == report.outcomes.end()) carrier = report.outcomes.begin();
    carrier->warnings.insert(carrier->warnings.end(), warnings.begin(), warnings.end());
    return Ok{};
}

Status Manager::guard_layout(const Layout &next, const ChangeOptions &options,
                             std::vector<Notice> &notices) const {
    if (!options.ssh) return Ok{};
    Packet packet = new_connection(*options.ssh);
    std::vector<std::string> warnings;
    if (auto s = check_lock_out(*options.ssh, evaluate(layout_, packet), evaluate(next, packet),
                                "reload", options.force, options.confirm != 0, warnings);
        !s)
        return s;
    for (auto &w : warnings)
        notices.push_back({"warning: " + w, ""});
    return Ok{};
}

Status Manager::check_not_pending() const {
    if (!pending_) return Ok{};
    return make_error(Errc::pending,
                      "another change waits for confirmation: " + pending_->info.what +
                          " (undone at " + utc_time_text(pending_->info.deadline) +
                          "); confirm it with 'rolewallctl confirm' or undo it with "
                          "'rolewallctl confirm --abort' first");
}

void Manager::hold_for_confirm(const std::string &what, std::vector<RoleEdit> undo, bool write,
                               const ChangeOptions &options, Report &report) {
    Pending info{what, realtime_usec() + std::uint64_t{options.confirm} * 1000000u, options.who};
    for (RoleOutcome &o : report.outcomes)
        o.pending_deadline = info.deadline;
    pending_ = Undo{std::move(info), std::move(undo), std::nullopt, write};
    report.pending_changed = true;
}

std::optional<Pending> Manager::pending() const {
    if (!pending_) return std::nullopt;
    return pending_->info;
}

Result<Report> Manager::confirm_pending() {
    if (!pending_) return make_error(Errc::nothing_pending, "no change waits for confirmation");
    Report report;
    if (pending_->write) {
        auto prepared = state_file_.prepare(saved_);
        if (!prepared) return prepared.error();
        if (auto s = prepared->commit(); !s) return s.error();
        report.saved = true;
    }
    pending_.reset();
    report.pending_changed = true;
    return report;
}

Result<Report> Manager::revert_pending() {
    if (!pending_) return make_error(Errc::nothing_pending, "no change waits for confirmation");
    Result<Report> report = Report{};
    if (std::optional<Before> &b = pending_->before) {
        report = transact({&b->catalog, &b->config, b->saved, b->runtime, false, nullptr});
        if (!report) return report;
        catalog_ = std::move(b->catalog);
        config_ = std::move(b->config);
        timers_ = std::move(b->timers);
    } else {
        std::vector<RoleEdit> &edits = pending_->edits;
        for (const RoleEdit &edit : edits)
            report->outcomes.push_back(outcome_of(edit));
        // state.toml still holds the entries as they were: nothing to write
        if (auto s = commit_edits(edits, *report, false); !s) return s.error();
    }
    pending_.reset();
    report->pending_changed = true;
    return report;
}

// Writes, applies and keeps `edits` (report.outcomes: their outcomes, in the same order); on any
// failure memory, file and kernel stay as they were.
Status Manager::commit_edits(std::vector<RoleEdit> &edits, Report &report, bool write_file) {
    auto [kernel, scopes] = kernel_change(report.outcomes); // roles whose sets change
    bool write = false;
    for (std::size_t i = 0; i < edits.size(); ++i)
        write = write || (write_file && edits[i].saved != entry_of(saved_, edits[i].role));
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
        set_entry(timers_, o.role, std::move(edits[i].timer));
        set_entry(enabled_, o.role, o.after);
    }
    return Ok{};
}

} // namespace rolewall
