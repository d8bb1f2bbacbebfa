// NFLOG receiver (nflog.hpp).
#include "nflog.hpp"

#include "netlink.hpp"

#include <cerrno>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <net/if.h>
#include <sys/socket.h>

namespace rolewall::kernel {

namespace {

// The kernel flushes what it queued for the group at the latest after 0.1 s (unit: 1/100 s),
// so that a drop shows up at once while a flood still arrives in batches.
constexpr std::uint32_t flush_timeout = 10;
constexpr int receive_buffer = 1 << 20;

class NflogReceiver final : public DropReceiver {
  public:
    explicit NflogReceiver(MnlSocketPtr sock) : sock_(std::move(sock)), buf_(1 << 16) {}
    int fd() const override { return mnl_socket_get_fd(sock_.get()); }
    Result<std::vector<DroppedPacket>> receive() override;

  private:
    void parse(const nlmsghdr *nlh, std::vector<DroppedPacket> &out) const;
    MnlSocketPtr sock_;
    std::vector<char> buf_;
};

void NflogReceiver::parse(const nlmsghdr *nlh, std::vector<DroppedPacket> &out) const {
    if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) return;
    DroppedPacket p;
    std::uint32_t index = 0;
    const auto *attrs =
        static_cast<const char *>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
    const auto *end = reinterpret_cast<const char *>(nlh) + nlh->nlmsg_len;
    if (attrs > end) return;
    for_each_attr(attrs, static_cast<std::size_t>(end - attrs), [&](const nlattr *a) {
        const auto *data = static_cast<const std::uint8_t *>(mnl_attr_get_payload(a));
        if (mnl_attr_get_type(a) == NFULA_IFINDEX_INDEV && mnl_attr_get_payload_len(a) == 4)
            index = ntohl(mnl_attr_get_u32(a));
        else if (mnl_attr_get_type(a) == NFULA_PAYLOAD)
            p.network.assign(data, data + mnl_attr_get_payload_len(a));
    });
    char name[IF_NAMESIZE] = {};
    if (index != 0 && if_indextoname(index, name)) p.interface = name;
    if (!p.network.empty()) out.push_back(std::move(p));
}

Result<std::vector<DroppedPacket>> NflogReceiver::receive() {
    std::vector<DroppedPacket> out;
    for (;;) {
        ssize_t n = recv(fd(), buf_.data(), buf_.size(), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) return out; // ENOBUFS: some lost
        if (n < 0) return make_error(Errc::io, "NFLOG socket: " + errno_text(errno));
        int len = static_cast<int>(n);
        for (auto *nlh = reinterpret_cast<const nlmsghdr *>(buf_.data()); mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len))
            parse(nlh, out);
    }
}

// One NFULNL_MSG_CONFIG for `group`, acknowledged; `put` adds the attribute.
template <typename F> Status configure(mnl_socket *sock, std::uint16_t group, F put) {
    alignas(nlmsghdr) char buf[256] = {};
    nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    auto *g = static_cast<nfgenmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = htons(group);
    put(nlh);
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
        return make_error(Errc::io, "NFLOG configuration: " + errno_text(errno));
    char ack[1024];
    ssize_t n = mnl_socket_recvfrom(sock, ack, sizeof ack);
    if (n < 0) return make_error(Errc::io, "NFLOG configuration: " + errno_text(errno));
    if (mnl_cb_run(ack, static_cast<std::size_t>(n), 1, mnl_socket_get_portid(sock), nullptr,
                   nullptr) < 0) {
        int error = errno;
        std::string why = error == EBUSY
                              ? "another process listens on NFLOG group " + std::to_string(group)
                              : "NFLOG group " + std::to_string(group) + ": " + errno_text(error);
        return make_error(error == EPERM ? Errc::access_denied : Errc::io, why);
    }
    return Ok{};
}

} // namespace

Result<std::unique_ptr<DropReceiver>> open_nflog(std::uint16_t group) {
    MnlSocketPtr sock(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return make_error(Errc::io, "NFLOG socket: " + errno_text(errno));
    int fd = mnl_socket_get_fd(sock.get());
    int one = 1, size = receive_buffer;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
    Status s = configure(sock.get(), group, [](nlmsghdr *nlh) {
        nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
        mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof cmd, &cmd);
    });
    if (s) {
        s = configure(sock.get(), group, [](nlmsghdr *nlh) {
            nfulnl_msg_config_mode mode{};
            mode.copy_range = htonl(drop_copy_bytes);
            mode.copy_mode = NFULNL_COPY_PACKET;
            mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof mode, &mode);
        });
    }
    if (s)
        s = configure(sock.get(), group, [](nlmsghdr *nlh) {
            mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(flush_timeout));
        });
    if (!s) return s.error();
    return std::unique_ptr<DropReceiver>(std::make_unique<NflogReceiver>(std::move(sock)));
}

} // namespace rolewall::kernel
