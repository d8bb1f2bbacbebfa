// A netlink transaction: NFNL_MSG_BATCH_BEGIN, the messages, NFNL_MSG_BATCH_END, sent in one
// sendmsg(). A Batch is being built; only sealing it yields a SealedBatch, the one type the
// socket sends, so a half-built batch cannot reach the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct nlmsghdr;

namespace rolewall::kernel {

// What one message was for, so that a kernel error names its cause.
struct MessageInfo {
    const char *action = ""; // "add elements to set", "add a rule to chain"
    std::string object;      // "ad-dc_tcp": the set, chain or table the action is on
    std::string role;        // the role the object belongs to, if any
    bool elements = false;   // an element message: the refused element names the service
    bool echo = false;       // NLM_F_ECHO: the kernel sends the object back (a rule's handle)
    // "add elements to set \"ad-dc_tcp\""
    std::string what() const { return std::string(action) + " \"" + object + "\""; }
};

// The memory a batch is built in, handed from one batch to the next: fresh pages cost a page
// fault each on first touch, which dominates building a large batch.
struct BatchBuffer {
    std::unique_ptr<char[]> data;
    std::size_t capacity = 0;

    BatchBuffer() = default;
    BatchBuffer(std::unique_ptr<char[]> d, std::size_t c) : data(std::move(d)), capacity(c) {}
    BatchBuffer(BatchBuffer &&o) noexcept
        : data(std::move(o.data)), capacity(std::exchange(o.capacity, 0)) {}
    BatchBuffer &operator=(BatchBuffer &&o) noexcept {
        data = std::move(o.data);
        capacity = std::exchange(o.capacity, 0);
        return *this;
    }
};

class SealedBatch;

class Batch {
  public:
    // Starts the batch with BATCH_BEGIN. With `genid`, the kernel refuses the whole batch
    // (ERESTART) if anyone committed since that generation was read. `buffer` is memory to
    // reuse (see SealedBatch::take_buffer()).
    explicit Batch(std::uint32_t first_seq, std::optional<std::uint32_t> genid = {},
                   BatchBuffer buffer = {});

    // Makes room for `bytes` more and `messages` more messages at once: an upper bound given
    // up front saves growing (copying) the buffer on the way.
    void reserve(std::size_t bytes, std::size_t messages);

    // Appends one message: a header for `type` (NFT_MSG_*), then `build(nlh)` writes the
    // payload. `room` bounds what build() may write; every message but BATCH_END asks for an
    // ack, so each message is accounted for.
    template <typename Build>
    void add(std::uint16_t type, std::uint16_t family, std::uint16_t flags, std::size_t room,
             MessageInfo info, Build &&build) {
        nlmsghdr *nlh = open_message(type, family, flags, room);
        build(nlh);
        close_message(nlh, std::move(info));
    }

    std::size_t messages() const { return infos_.size(); }
    std::size_t bytes() const { return tail_; }

    // BATCH_END: the kernel commits when every message succeeded.
    SealedBatch commit() &&;
    // No BATCH_END: the kernel checks every message, then aborts (what `nft -c` does).
    SealedBatch check_only() &&;

  private:
    nlmsghdr *open_message(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                           std::size_t room);
    void close_message(nlmsghdr *nlh, MessageInfo info);
    void room_for(std::size_t bytes);

    // Grown by hand: std::vector would zero every byte of the room asked for each message,
    // most of which is never written.
    BatchBuffer buf_;
    std::size_t tail_ = 0;
    std::uint32_t begin_seq_;
    std::uint32_t seq_;
    std::vector<std::size_t> offsets_; // where each message starts in buf_
    std::vector<MessageInfo> infos_;
};

class SealedBatch {
  public:
    const char *data() const { return buf_.data.get(); }
    std::size_t size() const { return size_; }
    std::uint32_t begin_seq() const { return begin_seq_; }
    std::uint32_t last_seq() const { return last_seq_; }
    std::size_t acks_expected() const { return infos_.size(); }
    std::size_t echoes_expected() const { return echoes_; }
    bool commits() const { return commits_; }

    // The message sent with `seq`, or nullptr for BATCH_BEGIN/END and foreign numbers.
    const MessageInfo *info(std::uint32_t seq) const;
    const nlmsghdr *message(std::uint32_t seq) const;

    // The memory, for the next batch.
    BatchBuffer take_buffer() && { return std::move(buf_); }
    std::size_t capacity() const { return buf_.capacity; }

  private:
    friend class Batch;
    SealedBatch() = default;

    BatchBuffer buf_;
    std::size_t size_ = 0;
    std::uint32_t begin_seq_ = 0;
    std::uint32_t first_msg_seq_ = 0;
    std::uint32_t last_seq_ = 0;
    bool commits_ = false;
    std::size_t echoes_ = 0;
    std::vector<std::size_t> offsets_;
    std::vector<MessageInfo> infos_;
};

} // namespace rolewall::kernel
