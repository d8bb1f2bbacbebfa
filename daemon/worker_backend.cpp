#include "worker_backend.hpp"

#include <cerrno>
#include <cstdint>
#include <optional>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace rolewall {

namespace {

// Closes the eventfd however apply() leaves.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

} // namespace

Result<ApplyReport> WorkerBackend::apply(const Layout &desired, const ApplyHint &hint) {
    if (busy_) return busy_error();
    Fd done{::eventfd(0, EFD_CLOEXEC)};
    if (done.fd < 0) return inner_.apply(desired, hint); // no eventfd: on this thread, as before
    Result<ApplyReport> result = make_error(Errc::io, "the kernel change did not finish");
    // The worker only touches the real backend and reads `desired`, which nobody changes while
    // it runs (the Manager waits in the waiter below, and reads only read).
    std::optional<std::thread> worker;
    try {
        worker.emplace([&] {
            try {
                result = inner_.apply(desired, hint);
            } catch (const std::exception &e) {
                result = make_error(Errc::io, std::string("internal error: ") + e.what());
            }
            std::uint64_t one = 1;
            while (::write(done.fd, &one, sizeof one) < 0 && errno == EINTR) {
            }
        });
    } catch (const std::system_error &) { // no thread: on this thread, as before
        return inner_.apply(desired, hint);
    }
    busy_ = true;
    try {
        waiter_(done.fd);
    } catch (...) { // a waiter must not throw; if it does, the worker is still waited for
    }
    worker->join();
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
