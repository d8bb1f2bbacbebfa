// Errors as values: what went wrong, where, and what kind of failure it is.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rolewall {

// One problem found in an input file: "path:line:column: message".
struct Diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;

    std::string str() const;
};

// The kinds of failure callers (the D-Bus adaptor, rolewallctl) tell apart.
enum class Errc {
    invalid_config,   // config or catalog files are wrong
    unknown_role,     // a role name the catalog does not have
    unknown_service,  // a service name the catalog does not have
    invalid_argument, // a bad argument from a caller (CIDR, interface, option)
    kernel_rejected,  // the kernel refused the transaction; nothing changed
    access_denied,    // the caller may not do this
    io,               // a file or socket could not be read or written
    degraded,         // a change asked of a daemon that could not start (Reload is the way back)
    limit_exceeded,   // a scope over the caps of ScopeLimits (scope.hpp)
    pending,          // another change waits for confirmation (one at a time)
    nothing_pending,  // confirm or abort with no change waiting for confirmation
    lock_out,         // the change would drop a new SSH connection like the caller's (lockout.hpp)
};

struct Error {
    Errc code = Errc::io;
    std::string message;                 // one sentence a human understands
    std::vector<Diagnostic> diagnostics; // for invalid_config: every problem found
    std::string role;                    // for kernel_rejected: what caused it
    std::string service;

    // The message followed by every diagnostic, one per line.
    std::string describe() const;
};

inline Error make_error(Errc code, std::string message) {
    Error e;
    e.code = code;
    e.message = std::move(message);
    return e;
}

// A value or an Error. Small on purpose: std::expected arrives with C++23.
template <typename T> class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() & { return std::get<0>(v_); }
    const T &value() const & { return std::get<0>(v_); }
    T &&value() && { return std::get<0>(std::move(v_)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    const Error &error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

} // namespace rolewall
