#include "netlink.hpp"

// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <endian.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace rolewall::kernel {

namespace {

// Receive buffer for one recvmsg(): the kernel fills dump skbs up to 32 KiB
// (netlink_recvmsg caps max_recvmsg_len there); twice that leaves no chance of MSG_TRUNC.
constexpr std::size_t rx_size = 64 * 1024;

// What one ack costs in the receive buffer: the skb's truesize for a small NLMSG_ERROR
// (NETLINK_CAP_ACK keeps the request out of it) stays under 1 KiB; nftables sizes its
// receive buffer with the same figure per message.
constexpr std::size_t ack_cost = 1024;

// How long a blocking read waits. The kernel processes a batch inside sendmsg(), so every
// ack is queued when sendmsg() returns; this only guards against a lost reply.
constexpr long recv_timeout_s = 5;

// netlink_sendmsg() refuses messages longer than sk_sndbuf - 32.
constexpr int sndbuf_overhead = 32;

int get_int(int fd, int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    getsockopt(fd, level, name, &v, &len);
    return v;
}

// SO_*BUFFORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN in the initial user
// namespace; SO_*BUF works everywhere up to that limit. The kernel doubles the value.
int raise_buffer(int fd, int force, int plain, std::size_t bytes) {
    int want = bytes > INT32_MAX / 2 ? INT32_MAX / 2 : static_cast<int>(bytes);
    if (setsockopt(fd, SOL_SOCKET, force, &want, sizeof want) != 0)
        setsockopt(fd, SOL_SOCKET, plain, &want, sizeof want);
    return get_int(fd, SOL_SOCKET, plain);
}

Error io_error(const std::string &what, int error) {
    return make_error(Errc::io, what + ": " + errno_text(error));
}

KernelError parse_error(const nlmsghdr *nlh) {
    const auto *err = static_cast<const nlmsgerr *>(mnl_nlmsg_get_payload(nlh));
    KernelError out;
    out.seq = nlh->nlmsg_seq;
    out.error = -err->error;
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return out;
    // With NETLINK_CAP_ACK the request is not echoed: the TLVs follow the bare header.
    std::size_t skip = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) skip += err->msg.nlmsg_len - sizeof(nlmsghdr);
    const char *tlvs = static_cast<const char *>(mnl_nlmsg_get_payload(nlh)) + skip;
    const char *tail = static_cast<const char *>(mnl_nlmsg_get_payload_tail(nlh));
    if (tlvs >= tail) return out;
    for_each_attr(tlvs, static_cast<std::size_t>(tail - tlvs), [&](const nlattr *attr) {
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
            out.message = static_cast<const char *>(mnl_attr_get_payload(attr));
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS) out.offset = mnl_attr_get_u32(attr);
    });
    return out;
}

// A NEWRULE notification the kernel echoes back (NLM_F_ECHO) after a commit.
constexpr std::uint16_t echoed_rule_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;

std::optional<std::uint64_t> rule_handle(const nlmsghdr *nlh) {
    std::optional<std::uint64_t> out;
    const void *attrs = mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg));
    std::size_t len = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(nfgenmsg));
    for_each_attr(attrs, len, [&](const nlattr *a) {
        if (mnl_attr_get_type(a) == NFTA_RULE_HANDLE) out = be64toh(mnl_attr_get_u64(a));
    });
    return out;
}

} // namespace

std::string errno_text(int error) {
    char buf[128];
    return strerror_r(error, buf, sizeof buf);
}

NetlinkSocket::NetlinkSocket(MnlSocketPtr sock, std::uint32_t portid, std::uint32_t seq)
    : sock_(std::move(sock)), portid_(portid), seq_(seq), rx_(rx_size),
      tx_(MNL_SOCKET_BUFFER_SIZE) {
    int fd = mnl_socket_get_fd(sock_.get());
    sndbuf_ = get_int(fd, SOL_SOCKET, SO_SNDBUF);
    rcvbuf_ = get_int(fd, SOL_SOCKET, SO_RCVBUF);
}

Result<NetlinkSocket> NetlinkSocket::open() {
    MnlSocketPtr sock(mnl_socket_open(NETLINK_NETFILTER));
    if (!sock) return io_error("cannot open a netfilter netlink socket", errno);
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return io_error("cannot bind the netfilter netlink socket", errno);
    int fd = mnl_socket_get_fd(sock.get());
    int one = 1;
    // Errors name the failing attribute; acks do not echo whole requests back.
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    timeval tv{recv_timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto seq = static_cast<std::uint32_t>(time(nullptr));
    std::uint32_t portid = mnl_socket_get_portid(sock.get()); // before sock is moved from
    return NetlinkSocket(std::move(sock), portid, seq);
}

Status NetlinkSocket::make_room(std::size_t send_bytes, std::size_t acks) {
    int fd = mnl_socket_get_fd(sock_.get());
    if (static_cast<std::size_t>(sndbuf_ - sndbuf_overhead) < send_bytes)
        sndbuf_ = raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, send_bytes);
    if (static_cast<std::size_t>(sndbuf_ - sndbuf_overhead) < send_bytes)
        return make_error(Errc::io, "the transaction needs " + std::to_string(send_bytes) +
                                        " bytes but the netlink send buffer holds only " +
                                        std::to_string(sndbuf_ - sndbuf_overhead) +
                                        " (raise net.core.wmem_max, or run with "
                                        "CAP_NET_ADMIN for SO_SNDBUFFORCE)");
    std::size_t need = acks * ack_cost + rx_size;
    if (static_cast<std::size_t>(rcvbuf_) < need)
        rcvbuf_ = raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, need);
    return Ok{};
}

Result<std::size_t> NetlinkSocket::receive(bool wait) {
    ssize_t n =
        recv(mnl_socket_get_fd(sock_.get()), rx_.data(), rx_.size(), wait ? 0 : MSG_DONTWAIT);
    if (n < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::size_t{0};
    if (n < 0) return io_error("reading netlink replies failed", errno);
    return static_cast<std::size_t>(n);
}

Result<BatchOutcome> NetlinkSocket::send(const SealedBatch &batch) {
    // An echoed rule is a whole rule message: count it as two acks.
    std::size_t answers = batch.acks_expected() + 2 * batch.echoes_expected();
    if (auto room = make_room(batch.size(), answers); !room) return room.error();
    seq_ = batch.last_seq() + 1;
    if (mnl_socket_sendto(sock_.get(), batch.data(), batch.size()) < 0)
        return io_error("sending the transaction failed", errno);
    BatchOutcome out;
    if (auto st = read_acks(batch, out); !st) return st.error();
    return out;
}

// Reads until every message is accounted for, or the kernel refused the batch as a whole
// (an error on BATCH_BEGIN's sequence number), then takes what else is already queued.
Status NetlinkSocket::read_acks(const SealedBatch &batch, BatchOutcome &out) {
    std::size_t answered = 0;
    bool whole_refused = false;
    bool wait = batch.acks_expected() > 0;
    while (true) {
        auto n = receive(wait);
        if (!n) return n.error();
        if (*n == 0) return Ok{}; // drained
        auto len = static_cast<int>(*n);
        for (auto *nlh = reinterpret_cast<const nlmsghdr *>(rx_.data()); mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
            // Unsigned differences: sequence numbers may wrap around.
            if (nlh->nlmsg_seq - batch.begin_seq() > batch.last_seq() - batch.begin_seq())
                continue; // a leftover from an earlier exchange
            if (nlh->nlmsg_type == echoed_rule_type) {
                if (auto handle = rule_handle(nlh)) out.echoed.push_back({nlh->nlmsg_seq, *handle});
                continue;
            }
            if (nlh->nlmsg_type != NLMSG_ERROR) continue;
            KernelError e = parse_error(nlh);
            if (nlh->nlmsg_seq == batch.begin_seq())
                whole_refused = e.error != 0;
            else
                ++answered;
            if (e.error == 0)
                ++out.acks;
            else
                out.errors.push_back(std::move(e));
        }
        if (answered >= batch.acks_expected() || whole_refused) wait = false;
    }
}

Result<int> NetlinkSocket::request(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                                   const Builder &build, const Handler &on_reply) {
    std::uint32_t seq = seq_++;
    nlmsghdr *nlh = nftnl_nlmsg_build_hdr(tx_.data(), type, family, flags, seq);
    if (build) build(nlh);
    if (mnl_socket_sendto(sock_.get(), nlh, nlh->nlmsg_len) < 0)
        return io_error("sending a netlink request failed", errno);
    int result = 0;
    while (true) {
        auto n = receive(true);
        if (!n) return n.error();
        auto len = static_cast<int>(*n);
        for (auto *m = reinterpret_cast<const nlmsghdr *>(rx_.data()); mnl_nlmsg_ok(m, len);
             m = mnl_nlmsg_next(m, &len)) {
            if (m->nlmsg_seq != seq) continue; // a leftover from an earlier exchange
            if (m->nlmsg_flags & NLM_F_DUMP_INTR) result = EINTR;
            if (m->nlmsg_type == NLMSG_ERROR) {
                int e = parse_error(m).error;
                return e != 0 ? e : result;
            }
            if (m->nlmsg_type == NLMSG_DONE) return result;
            on_reply(m);
        }
    }
}

} // namespace rolewall::kernel
