// The kernel backend as rolewalld's Manager sees it: apply() runs the real backend on a worker
// thread, and the daemon's thread waits for it in a Waiter, which may answer D-Bus reads in the
// meantime (a role's 65,536 sources take the kernel a few hundred milliseconds to insert).
//
// Only apply() leaves the thread. While it runs, the Manager is between two consistent states
// only in its layout (already the one being applied), and every other call of this backend
// (GetStatus's verify(), ...) is answered with an error instead of touching the real backend,
// which the worker is using.
//
// The worker is one thread for the backend's lifetime, started by the first apply() and
// waiting for the next one in between: a thread started per change cost each change ~120 µs,
// and under load a new thread could wait a whole scheduler tick (4 ms) to run.
#pragma once

#include "rolewall/backend.hpp"

#include <functional>
#include <memory>

namespace rolewall {

class WorkerBackend final : public Backend {
  public:
    // Returns once `done_fd` is readable (the worker finished); until then it may serve reads.
    using Waiter = std::function<void(int done_fd)>;

    WorkerBackend(Backend &inner, Waiter waiter);
    ~WorkerBackend() override;
    WorkerBackend(const WorkerBackend &) = delete;
    WorkerBackend &operator=(const WorkerBackend &) = delete;

    Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) override;
    Status check(const Layout &desired) override;
    Result<KernelCheck> verify(const Layout &expected) override;
    Result<std::vector<SetContent>> read() override;
    Result<TablePresence> presence() override;
    Result<ApplyReport> keep() override;
    Result<Counters> counters() override;
    std::string fingerprint(const Layout &layout) const override {
        return inner_.fingerprint(layout);
    }

    // An apply() is under way on the worker.
    bool busy() const { return busy_; }

  private:
    class Thread;
    Error busy_error() const;

    Backend &inner_;
    Waiter waiter_;
    std::unique_ptr<Thread> thread_; // started by the first apply()
    bool busy_ = false;
};

} // namespace rolewall
