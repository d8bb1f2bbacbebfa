#include "worker_backend.hpp"

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <pthread.h>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace rolewall {

// One job at a time: run() hands it over and returns when it is done, the eventfd written
// as soon as it is (for the waiter) and the handover under the mutex (for the job's result).
class WorkerBackend::Thread {
  public:
    Thread() : thread_([this] { loop(); }) {}
    ~Thread() {
        {
            std::lock_guard lock(m_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    Thread(const Thread &) = delete;
    Thread &operator=(const Thread &) = delete;

    // Runs `job` on the thread; `wait` runs here meanwhile and returns once the job wrote
    // `done_fd`.
    void run(const std::function<void()> &job, const std::function<void()> &wait) {
        {
            std::lock_guard lock(m_);
            job_ = &job;
        }
        cv_.notify_all();
        wait();
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return job_ == nullptr; });
    }

  private:
    void loop() {
        // Signals are the daemon thread's (its signalfd), whenever this thread was started.
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
        std::unique_lock lock(m_);
        for (;;) {
            cv_.wait(lock, [&] { return stop_ || job_; });
            if (stop_) return;
            const std::function<void()> &job = *job_;
            lock.unlock();
            job();
            lock.lock();
            job_ = nullptr;
            cv_.notify_all();
        }
    }

    std::mutex m_;
    std::condition_variable cv_;
    const std::function<void()> *job_ = nullptr;
    bool stop_ = false;
    std::thread thread_; // last: starts once the rest is there
};

namespace {

// Closes the eventfd however apply() leaves.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

} // namespace

WorkerBackend::WorkerBackend(Backend &inner, Waiter waiter)
    : inner_(inner), waiter_(std::move(waiter)) {}
WorkerBackend::~WorkerBackend() = default;

Result<ApplyReport> WorkerBackend::apply(const Layout &desired, const ApplyHint &hint) {
    if (busy_) return busy_error();
    Fd done{::eventfd(0, EFD_CLOEXEC)};
    if (done.fd < 0) return inner_.apply(desired, hint); // no eventfd: on this thread, as before
    if (!thread_) {
        try {
            thread_ = std::make_unique<Thread>();
        } catch (const std::system_error &) { // no thread: on this thread, as before
            return inner_.apply(desired, hint);
        }
    }
    Result<ApplyReport> result = make_error(Errc::io, "the kernel change did not finish");
    // The worker only touches the real backend and reads `desired`, which nobody changes while
    // it runs (the Manager waits in the waiter below, and reads only read).
    std::function<void()> job = [&] {
        try {
            result = inner_.apply(desired, hint);
        } catch (const std::exception &e) {
            result = make_error(Errc::io, std::string("internal error: ") + e.what());
        }
        std::uint64_t one = 1;
        while (::write(done.fd, &one, sizeof one) < 0 && errno == EINTR) {
        }
    };
    busy_ = true;
    thread_->run(job, [&] {
        try {
            waiter_(done.fd);
        } catch (...) { // a waiter must not throw; if it does, the worker is still waited for
        }
    });
    busy_ = false;
    return result;
}

Error WorkerBackend::busy_error() const {
    return make_error(Errc::io,
                      "a change is being applied to the kernel; ask again when it is done");
}

Status WorkerBackend::check(const Layout &desired) {
    if (busy_) return busy_error();
    return inner_.check(desired);
}

Result<KernelCheck> WorkerBackend::verify(const Layout &expected) {
    if (busy_) return busy_error();
    return inner_.verify(expected);
}

Result<std::vector<SetContent>> WorkerBackend::read() {
    if (busy_) return busy_error();
    return inner_.read();
}

Result<TablePresence> WorkerBackend::presence() {
    if (busy_) return busy_error();
    return inner_.presence();
}

Result<ApplyReport> WorkerBackend::keep() {
    if (busy_) return busy_error();
    return inner_.keep();
}

Result<Counters> WorkerBackend::counters() {
    if (busy_) return busy_error();
    return inner_.counters();
}

} // namespace rolewall
