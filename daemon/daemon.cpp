#include "daemon.hpp"

#include "bus/server.hpp"
#include "bus_names.hpp"
#include "log.hpp"
#include "owner.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <malloc.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

namespace rolewall {

namespace {

// Retry delays for the system bus: quick at first (it may be starting right now), then at
// most once a second, which costs nothing while it is absent.
constexpr std::chrono::milliseconds first_retry{100};
constexpr std::chrono::milliseconds max_retry{1000};

void notify(const std::string &text) {
    sd_notify(0, text.c_str());
}

std::string apply_text(const ApplyReport &a) {
    switch (a.kind) {
    case ApplyReport::Kind::unchanged:
        return "the kernel already held it";
    case ApplyReport::Kind::created:
        return "table created";
    case ApplyReport::Kind::replaced:
        return a.differences.empty() ? "table replaced"
                                     : "table replaced: it was not what rolewalld builds";
    case ApplyReport::Kind::elements:
        return std::to_string(a.added) + " elements added, " + std::to_string(a.removed) +
               " removed";
    }
    return "";
}

// An error on one line for STATUS=: the message and its first problem.
std::string one_line(const Error &e) {
    std::string out = e.message;
    if (!e.diagnostics.empty()) out += ": " + e.diagnostics.front().str();
    if (e.diagnostics.size() > 1)
        out += " (and " + std::to_string(e.diagnostics.size() - 1) + " more)";
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

std::uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

} // namespace

Daemon::Daemon(Backend &backend, Sources sources, DropReceiverFactory drops)
    : backend_(backend), worker_(backend, [this](int done_fd) { wait_for_kernel(done_fd); }),
      manager_(worker_, std::move(sources)), open_drops_(std::move(drops)) {}

Daemon::~Daemon() {
    bus_.reset();
    if (signal_fd_ >= 0) ::close(signal_fd_);
}

void Daemon::log_notices(const Report &report) {
    for (const auto &n : report.notices)
        log::warning(n.message, {{"ROLE", n.role}});
}

bool Daemon::start() {
    const Sources &s = manager_.sources();
    log::debug("config " + s.config.string() + ", catalog " + s.catalog.string() +
               ", local catalog " + s.local_catalog.string() + ", state " +
               manager_.state_path().string());
    notify("STATUS=Loading the catalog, the config and the saved state");
    auto began = Clock::now();
    auto report = manager_.start();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
    if (!report) return fail_closed(report.error());
    log_repair(report->apply, "at start");
    log_notices(*report);
    for (const auto &[name, r] : manager_.enabled())
        log::info("role '" + name + "' enabled (" + scope_text(r.scope) + "; origin " +
                      origin_name(r.origin) + ")",
                  {{"ROLE", name}, {"ORIGIN", origin_name(r.origin)}});
    log::notice("ruleset applied with " + enabled_text() + " (" + apply_text(report->apply) +
                ") in " + std::to_string(took.count()) + " ms");
    malloc_trim(0); // loading the catalog, config and state leaves freed heap behind
    return true;
}

// The table was not what rolewalld builds (changed while no rolewalld ran, or behind its back):
// what differed, and that it was replaced in one transaction.
void Daemon::log_repair(const ApplyReport &apply, const std::string &when) {
    if (apply.differences.empty()) return;
    constexpr std::size_t shown = 20;
    std::string list, all;
    for (std::size_t i = 0; i < apply.differences.size(); ++i) {
        if (i < shown) list += "\n  " + apply.differences[i];
        all += (i ? "\n" : "") + apply.differences[i];
    }
    if (apply.differences.size() > shown)
        list += "\n  ... (" + std::to_string(apply.differences.size()) + " differences in all)";
    log::warning("table inet rolewall " + when +
                     " was not what rolewalld builds; it was replaced in one transaction. "
                     "What differed:" +
                     list,
                 {{"KERNEL_DIFFERENCES", all},
                  {"KERNEL_DIFFERENCE_COUNT", std::to_string(apply.differences.size())},
                  {"KERNEL_ACTION", "replaced"}});
}

// A table another live process owns: that process is the firewall (most likely another
// rolewalld), so this one says who it is and exits instead of running degraded beside it.
bool Daemon::another_owner() {
    auto there = backend_.presence();
    if (!there || !there->other_owner) return false;
    std::string who = describe_netlink_owner(*there->other_owner);
    log::error(who + " owns table inet rolewall; only one rolewalld can run in a network "
                     "namespace, this one exits and leaves the table to it",
               {{"OWNER_PORT", std::to_string(*there->other_owner)}});
    notify("STATUS=Failed to start: " + who + " owns table inet rolewall");
    return true;
}

// The start failed: the host keeps a firewall all the same (the table the kernel holds, or the
// fail-safe) and the daemon runs degraded. False only when even that failed, or when another
// live process owns the table.
bool Daemon::fail_closed(const Error &e) {
    if (another_owner()) return false;
    log::error("cannot start: " + e.describe(), {{"ROLE", e.role}, {"SERVICE", e.service}});
    auto held = manager_.hold(e);
    if (!held) {
        if (another_owner()) return false;
        log::error("cannot apply the fail-safe table either: " + held.error().describe());
        notify("STATUS=Failed to start: " + e.message);
        return false;
    }
    log_notices(*held);
    log::error("running degraded: " + ruleset_text() +
               "; every change but a reload is refused until a reload succeeds");
    return true;
}

std::string Daemon::ruleset_text() const {
    switch (manager_.health().ruleset) {
    case Ruleset::last_good:
        return "the kernel keeps the table it held, as it was";
    case Ruleset::fail_safe:
        return "the fail-safe table is in place (only SSH, TCP port 22, is open)";
    case Ruleset::roles:
        break;
    }
    return enabled_text();
}

int Daemon::apply_once() {
    return start() && !manager_.health().degraded ? 0 : 1;
}

bool Daemon::setup_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return false;
    std::signal(SIGPIPE, SIG_IGN);
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return signal_fd_ >= 0;
}

// "1 role enabled", "3 roles enabled".
std::string Daemon::enabled_text() const {
    std::size_t n = manager_.enabled().size();
    return std::to_string(n) + (n == 1 ? " role" : " roles") + " enabled";
}

void Daemon::report_status() {
    const Health &h = manager_.health();
    std::string what = enabled_text();
    if (h.degraded)
        what = "Degraded (" + std::string(ruleset_name(h.ruleset)) + "): " + one_line(h.error);
    notify("STATUS=" + what +
           (bus_ ? "; serving " + std::string(bus::service_name) : "; waiting for the system bus"));
}

int Daemon::run() {
    // One heap for both threads: a second arena for the kernel worker would keep what a big
    // change left there apart from what malloc_trim() gives back (20-30 MiB after a restart).
    mallopt(M_ARENA_MAX, 1);
    if (!setup_signals()) {
        log::error(std::string("cannot set up signal handling: ") + std::strerror(errno));
        return 1;
    }
    if (!start()) return 1;
    // The ruleset is in the kernel: from here on the host is protected.
    notify("READY=1");
    report_status();
    sync_drops();
    try_connect();
    bool running = true;
    while (running) {
        pollfd fds[3] = {{signal_fd_, POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
        if (bus_) {
            auto p = bus_->poll_data();
            fds[1] = {p.fd, p.events, 0};
        }
        if (drops_in_) fds[2] = {drops_in_->fd(), POLLIN, 0};
        int r = ::poll(fds, 3, poll_timeout());
        if (r < 0 && errno != EINTR) {
            log::error(std::string("poll failed: ") + std::strerror(errno));
            break;
        }
        if (fds[0].revents) running = handle_signals();
        if (fds[2].revents) take_drops();
        expire_timers();
        if (bus_) serve_bus();
        run_jobs();
        drop_broken_bus();
        if (!bus_ && Clock::now() >= next_connect_) try_connect();
        if (trim_due_) { // after the batch: the reply of the big call is built, sent and freed
            malloc_trim(0);
            trim_due_ = false;
        }
    }
    notify("STOPPING=1\nSTATUS=Stopping; the ruleset stays in the kernel");
    log::notice("stopping; the ruleset stays in the kernel");
    jobs_.clear(); // changes not started: their callers get no reply, nothing changed
    bus_.reset();
    return 0;
}

int Daemon::poll_timeout() const {
    int timer = timer_timeout();
    auto sooner = [timer](int ms) { return timer < 0 || (ms >= 0 && ms < timer) ? ms : timer; };
    if (bus_) return sooner(bus_->poll_data().timeout_ms);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_connect_ - Clock::now());
    return sooner(static_cast<int>(std::max<std::int64_t>(0, wait.count()) + 1));
}

int Daemon::timer_timeout() const {
    std::uint64_t next = manager_.next_expiry(), now = realtime_usec();
    if (!next) return -1;
    if (next <= now) return 0;
    return static_cast<int>(std::min<std::uint64_t>((next - now + 999) / 1000, 60000));
}

void Daemon::expire_timers() {
    std::uint64_t next = manager_.next_expiry(), now = realtime_usec();
    if (!next || next > now) return;
    auto pending = manager_.pending();
    bool unconfirmed = pending && pending->deadline <= now;
    auto report = manager_.expire(now);
    if (!report) {
        log::error("undoing a timed or unconfirmed change failed (tried again in a second): " +
                   report.error().describe());
        return;
    }
    if (unconfirmed) log::warning("'" + pending->what + "' was not confirmed in time: undone");
    changed(*report, unconfirmed ? "not confirmed in time" : "timeout", "rolewalld");
}

bool Daemon::handle_signals() {
    signalfd_siginfo si{};
    bool keep = true;
    while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGHUP) {
            (void)reload("SIGHUP");
        } else {
            log::info(std::string("received ") + sigabbrev_np(static_cast<int>(si.ssi_signo)));
            keep = false;
        }
    }
    return keep;
}

void Daemon::try_connect() {
    bus::ServiceHooks hooks;
    hooks.reload = [this](const bus::Caller &c, const ChangeOptions &o) {
        return reload(bus::describe(c), o);
    };
    hooks.changed = [this](const Report &r, const std::string &what, const bus::Caller &c) {
        changed(r, what, bus::describe(c));
    };
    hooks.refused = [this](const bus::Caller &c, const bus::Decision &d) { refused(c, d.why); };
    hooks.drops = [this] { return recorded_drops(); };
    hooks.defer = [this](std::function<void()> job) { jobs_.push_back(std::move(job)); };
    auto server = bus::BusServer::connect(manager_, std::move(hooks));
    if (!server) {
        bool taken = server.error().code == Errc::access_denied;
        if (!bus_warned_)
            log::warning(server.error().message + "; the firewall is in place, retrying until " +
                         (taken ? "the name is free" : "the bus is there"));
        else
            log::debug(server.error().message);
        bus_warned_ = true;
        next_connect_ = Clock::now() + retry_delay_;
        retry_delay_ = std::min(retry_delay_ * 2, max_retry);
        return;
    }
    bus_ = std::move(*server);
    bus_warned_ = false;
    retry_delay_ = first_retry;
    log::notice(std::string("serving ") + bus::service_name + " on the system bus as " +
                bus_->unique_name());
    report_status();
}

// A call refused for want of authorization: who, what and why, rate-limited.
void Daemon::refused(const bus::Caller &c, const std::string &why) {
    auto verdict = refusals_.next();
    if (verdict == log::RateLimit::Verdict::drop) return;
    std::string text = "refused " + c.method + (c.role.empty() ? "" : " of role '" + c.role + "'") +
                       " from " + bus::describe(c) + ": " + why;
    if (std::size_t n = refusals_.take_dropped())
        text += " (" + std::to_string(n) + " refused calls before it were not logged)";
    if (verdict == log::RateLimit::Verdict::log_last)
        text += "; further refused calls are not logged for up to " +
                std::to_string(refusals_interval.count()) + " s";
    log::warning(text, {{"ROLE", c.role},
                        {"CALLER_UID", c.uid ? std::to_string(*c.uid) : ""},
                        {"CALLER", c.sender},
                        {"METHOD", c.method}});
}

void Daemon::serve_bus() {
    if (auto s = bus_->process(); !s) bus_error_ = s.error().message;
}

// Not in serve_bus(): a job that is waiting for the kernel still holds the bus objects.
void Daemon::drop_broken_bus() {
    if (bus_error_.empty()) return;
    log::warning(bus_error_ + "; reconnecting");
    bus_error_.clear();
    jobs_.clear(); // their callers are gone with the connection
    bus_.reset();
    retry_delay_ = first_retry;
    next_connect_ = Clock::now();
    report_status();
}

void Daemon::run_jobs() {
    while (!jobs_.empty() && bus_error_.empty()) {
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        running_job_ = true;
        job();
        running_job_ = false;
    }
}

// A change runs as a job, outside sd-bus's dispatch, so the bus can be served here while the
// kernel works: reads are answered from the Manager as it was before the change (it changes
// its roles only after the kernel took the change); other changes wait in jobs_, in order.
// Elsewhere (start, SIGHUP) it only waits.
void Daemon::wait_for_kernel(int done_fd) {
    for (;;) {
        bool serve = running_job_ && bus_ && bus_error_.empty();
        pollfd fds[2] = {{done_fd, POLLIN, 0}, {-1, 0, 0}};
        int timeout = -1;
        if (serve) {
            auto p = bus_->poll_data();
            fds[1] = {p.fd, p.events, 0};
            timeout = p.timeout_ms;
        }
        if (::poll(fds, serve ? 2 : 1, timeout) < 0 && errno != EINTR) {
            std::uint64_t n = 0; // cannot poll: wait for the worker alone
            ssize_t got = ::read(done_fd, &n, sizeof n);
            (void)got;
            return;
        }
        if (fds[0].revents) return;
        if (serve) serve_bus();
    }
}

Result<Report> Daemon::reload(const std::string &who, const ChangeOptions &options) {
    notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) +
           "\nSTATUS=Reloading the config, the catalog and the saved state");
    log::info("reloading (asked by " + who + ")");
    bool was_degraded = manager_.health().degraded;
    auto report = manager_.reload(options);
    if (!report) {
        const Error &e = report.error();
        log::error((was_degraded ? "reload failed, still degraded (" + ruleset_text() + "): "
                                 : "reload failed, the firewall keeps running as it was: ") +
                       e.describe(),
                   {{"ROLE", e.role}, {"SERVICE", e.service}});
    } else {
        log_repair(report->apply, "at reload");
        changed(*report, "reload", who);
        if (was_degraded) log::notice("left degraded mode: the ruleset of the config is in force");
        sync_drops();
        log::notice("reloaded: " + enabled_text() + " (" + apply_text(report->apply) + ")");
    }
    if (bus_ && was_degraded != manager_.health().degraded) bus_->publish_state();
    notify("READY=1");
    report_status();
    return report;
}

void Daemon::changed(const Report &report, const std::string &what, const std::string &who) {
    log_notices(report);
    for (const auto &c : report.changes) {
        const EnabledRole *r = manager_.find(c.role);
        std::string text = "role '" + c.role + "' ";
        if (r)
            text += "enabled (" + scope_text(r->scope) + "; origin " + origin_name(r->origin) + ")";
        else
            text += "disabled";
        log::notice(text + " by " + who + " (" + what + ")",
                    {{"ROLE", c.role}, {"ORIGIN", r ? origin_name(r->origin) : ""}});
    }
    if (report.applied)
        log::debug("kernel: " + apply_text(report.apply) + ", " +
                   std::to_string(report.apply.messages) + " netlink messages");
    if (bus_) bus_->publish(report);
    if (!report.changes.empty()) report_status();
    give_back_memory(report);
}

// glibc keeps freed heap memory for later: after a change of tens of thousands of elements
// (a role's big scope decoded, parsed, built into sets and sent, and the reply that lists the
// scope before and after) that is tens of MiB the daemon holds for nothing. malloc_trim()
// hands free pages back to the kernel; it costs a walk of the heap (about a millisecond), so
// only after big changes, and only once the loop has sent the reply (the reply is built after
// this hook runs: trimming here left its memory behind).
void Daemon::give_back_memory(const Report &report) {
    constexpr std::size_t big_change = 4096; // elements added and removed
    if (report.apply.added + report.apply.removed >= big_change) trim_due_ = true;
}

} // namespace rolewall
