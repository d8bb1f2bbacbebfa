// rolewalld's one owning object: the Manager, the bus presence and the event loop.
//
// Start: load, apply, READY=1, then the system bus (retried until it is there). One thread
// and one poll(2) loop serve the signalfd and the bus connection, so the Manager is only ever
// touched from that thread and every change runs to its end before the next one starts.
#pragma once

#include "log.hpp"
#include "rolewall/backend.hpp"
#include "rolewall/drops.hpp"
#include "rolewall/manager.hpp"
#include "worker_backend.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace rolewall {

namespace bus {
class BusServer;
struct Caller;
} // namespace bus

class Daemon {
  public:
    // `drops` opens the receiver of the policy's dropped packets (none: drops are not recorded).
    Daemon(Backend &backend, Sources sources, DropReceiverFactory drops = {});
    ~Daemon();
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // --apply-only: load, apply once, return the exit code.
    int apply_once();
    // Load, apply, tell systemd, serve until SIGTERM or SIGINT; returns the exit code. The
    // ruleset stays in the kernel when it returns.
    int run();

  private:
    using Clock = std::chrono::steady_clock;
    // Refused calls logged: at most 20 a minute (a client in a loop would flood the journal).
    static constexpr std::size_t refusals_burst = 20;
    static constexpr std::chrono::seconds refusals_interval{60};

    bool start();
    bool fail_closed(const Error &error);
    bool another_owner();
    void log_repair(const ApplyReport &apply, const std::string &when);
    std::string ruleset_text() const;
    bool setup_signals();
    bool handle_signals(); // false: time to exit
    void try_connect();
    void serve_bus();
    void drop_broken_bus();
    // WorkerBackend's waiter: until `done_fd` is readable, answers D-Bus calls when a job runs.
    void wait_for_kernel(int done_fd);
    void run_jobs();
    Result<Report> reload(const std::string &who, const ChangeOptions &options = {});
    void changed(const Report &report, const std::string &what, const std::string &who);
    void log_notices(const Report &report);
    void give_back_memory(const Report &report);
    void refused(const bus::Caller &caller, const std::string &why);
    void report_status();
    std::string enabled_text() const;
    int poll_timeout() const;
    // Timed changes (enable/disable --timeout): milliseconds until the next one is undone (-1:
    // none), and undoing those whose time is up.
    int timer_timeout() const;
    void expire_timers();
    // Drops (drops.cpp): the receiver open while [firewall] log_drops is on.
    void sync_drops();
    void take_drops();
    void log_drop(const DropKey &key);
    const DropTable *recorded_drops() const;

    Backend &backend_;
    WorkerBackend worker_; // the Manager's backend: kernel changes off this thread
    Manager manager_;
    // Changes asked for over D-Bus, run in order after the loop turn that received them, so
    // that reads are answered while one is applied to the kernel (wait_for_kernel()).
    std::deque<std::function<void()>> jobs_;
    bool running_job_ = false;
    std::string bus_error_; // the connection failed in process(): dropped after the jobs
    std::unique_ptr<bus::BusServer> bus_;
    int signal_fd_ = -1;
    Clock::time_point next_connect_{};
    std::chrono::milliseconds retry_delay_{100};
    bool bus_warned_ = false;
    bool trim_due_ = false; // give_back_memory(): malloc_trim() at the end of this loop turn
    log::RateLimit refusals_{refusals_burst, refusals_interval};
    // A journal line per new key of the drop table: at most 10 a minute.
    static constexpr std::size_t drop_lines_burst = 10;
    static constexpr std::chrono::seconds drop_lines_interval{60};
    DropReceiverFactory open_drops_;
    std::unique_ptr<DropReceiver> drops_in_;
    bool drops_warned_ = false;
    DropTable drops_;
    log::RateLimit drop_lines_{drop_lines_burst, drop_lines_interval};
};

} // namespace rolewall
