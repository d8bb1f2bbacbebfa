// The kernel backend as rolewalld's Manager sees it: apply() runs the real backend on a worker
// thread, and the daemon's thread waits for it in a Waiter, which may answer D-Bus reads in the
// meantime (a role's 65,536 sources take the kernel a few hundred milliseconds to insert).
//
// Only apply() leaves the thread. While it runs, the Manager is between two consistent states
// only in its layout (already the one being applied), and every other call of this backend
// (GetStatus's verify(), ...) is answered with an error instead of touching the real backend,
// which the worker is using.
#pragma once

#include "rolewall/backend.hpp"

#include <functional>

namespace rolewall {

class WorkerBackend final : public Backend {
  public:
    // Returns once `done_fd` is readable (the worker finished); until then it may serve reads.
    using Waiter = std::function<void(int done_fd)>;

    WorkerBackend(Backend &inner, Waiter waiter) : inner_(inner), waiter_(std::move(waiter)) {}

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
    Error busy_error() const;

    Backend &inner_;
    Waiter waiter_;
    bool busy_ = false;
};

} // namespace rolewall
