// The nfnetlink socket: one batch per sendmsg(), every ack read back, and requests (dumps and
// single gets). It stays open for the backend's lifetime: the table's owner flag binds the
// table to this socket.
#pragma once

#include "batch.hpp"
#include "nl_objects.hpp"
#include "rolewall/error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::kernel {

// One NLMSG_ERROR with a non-zero code.
struct KernelError {
    std::uint32_t seq = 0;
    int error = 0;                       // errno value, positive
    std::optional<std::uint32_t> offset; // NLMSGERR_ATTR_OFFS: failing attribute, from the
                                         // start of the message's header
    std::string message;                 // NLMSGERR_ATTR_MSG, when the kernel gave one
};

// A rule the kernel sent back (NLM_F_ECHO) after the commit, with the handle it got.
struct EchoedRule {
    std::uint32_t seq = 0; // of the NEWRULE message
    std::uint64_t handle = 0;
};

// What came back for a batch.
struct BatchOutcome {
    std::vector<KernelError> errors; // empty: committed (or, for check_only, valid)
    std::size_t acks = 0;            // acks read with code 0
    std::vector<EchoedRule> echoed;  // in the order the kernel sent them
    bool ok() const { return errors.empty(); }
};

class NetlinkSocket {
  public:
    static Result<NetlinkSocket> open();

    std::uint32_t portid() const { return portid_; }
    std::uint32_t next_seq() const { return seq_; }

    // Sends the batch in ONE sendmsg() and reads every ack. An io Error means the outcome is
    // unknown (receive buffer overrun, timeout) or nothing was sent (batch too large for the
    // send buffer); either way the caller must not trust its picture of the kernel.
    Result<BatchOutcome> send(const SealedBatch &batch);

    // A request answered by messages: a dump (NLM_F_DUMP) or a single get. `build` writes the
    // payload; `on_reply` sees every answer. Returns 0, or the errno the kernel answered
    // with (ENOENT for a missing table, EINTR for a dump interrupted by a change); an io
    // Error when the socket itself fails.
    using Builder = std::function<void(nlmsghdr *)>;
    using Handler = std::function<void(const nlmsghdr *)>;
    Result<int> request(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                        const Builder &build, const Handler &on_reply);

  private:
    NetlinkSocket(MnlSocketPtr sock, std::uint32_t portid, std::uint32_t seq);
    Status make_room(std::size_t send_bytes, std::size_t acks);
    Status read_acks(const SealedBatch &batch, BatchOutcome &out);
    Result<std::size_t> receive(bool wait);

    MnlSocketPtr sock_;
    std::uint32_t portid_ = 0;
    std::uint32_t seq_ = 0;
    int sndbuf_ = 0; // as the kernel reports them (twice what was asked)
    int rcvbuf_ = 0;
    std::vector<char> rx_; // replies
    std::vector<char> tx_; // requests (gets and dumps: a header and two names)
};

// strerror() text for an errno value ("Operation not permitted").
std::string errno_text(int error);

// Calls f(attr) for every netlink attribute in [start, start + len). (libmnl's iteration
// macros assign void pointers, which C++ does not allow.)
template <typename F> void for_each_attr(const void *start, std::size_t len, F &&f) {
    const auto *p = static_cast<const char *>(start);
    auto remaining = static_cast<int>(len);
    for (auto *a = reinterpret_cast<const nlattr *>(p); mnl_attr_ok(a, remaining);
         a = mnl_attr_next(a)) {
        remaining = static_cast<int>(p + len - reinterpret_cast<const char *>(mnl_attr_next(a)));
        f(a);
    }
}

} // namespace rolewall::kernel
