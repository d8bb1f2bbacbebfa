#include "batch.hpp"

// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cstring>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

namespace rolewall::kernel {

namespace {

// Room for BATCH_BEGIN (header, nfgenmsg, one u32 attribute) and BATCH_END.
constexpr std::size_t control_room = 64;

// The first buffer: enough for a typical element toggle without growing.
constexpr std::size_t initial_buffer = 16 * 1024;

nlmsghdr *put_control(char *at, std::uint16_t type, std::uint32_t seq) {
    nlmsghdr *nlh = mnl_nlmsg_put_header(at);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    auto *nfg = static_cast<nfgenmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
    return nlh;
}

} // namespace

Batch::Batch(std::uint32_t first_seq, std::optional<std::uint32_t> genid, BatchBuffer buffer)
    : buf_(std::move(buffer)), begin_seq_(first_seq), seq_(first_seq) {
    if (buf_.capacity < initial_buffer)
        buf_ = {std::make_unique_for_overwrite<char[]>(initial_buffer), initial_buffer};
    nlmsghdr *nlh = put_control(buf_.data.get(), NFNL_MSG_BATCH_BEGIN, seq_++);
    // libnftnl 1.2.4 has no setter for the generation attribute.
    if (genid) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*genid));
    tail_ = NLMSG_ALIGN(nlh->nlmsg_len);
}

void Batch::room_for(std::size_t bytes) {
    if (buf_.capacity - tail_ >= bytes) return;
    std::size_t want = buf_.capacity * 2;
    while (want - tail_ < bytes)
        want *= 2;
    auto bigger = std::make_unique_for_overwrite<char[]>(want); // only written bytes count
    std::memcpy(bigger.get(), buf_.data.get(), tail_);
    buf_ = {std::move(bigger), want};
}

void Batch::reserve(std::size_t bytes, std::size_t messages) {
    room_for(bytes + control_room);
    offsets_.reserve(offsets_.size() + messages);
    infos_.reserve(infos_.size() + messages);
}

nlmsghdr *Batch::open_message(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                              std::size_t room) {
    room_for(room + control_room);
    return nftnl_nlmsg_build_hdr(buf_.data.get() + tail_, type, family,
                                 static_cast<std::uint16_t>(flags | NLM_F_ACK), seq_++);
}

void Batch::close_message(nlmsghdr *nlh, MessageInfo info) {
    offsets_.push_back(tail_);
    infos_.push_back(std::move(info));
    tail_ += NLMSG_ALIGN(nlh->nlmsg_len);
}

SealedBatch Batch::commit() && {
    room_for(control_room);
    nlmsghdr *nlh = put_control(buf_.data.get() + tail_, NFNL_MSG_BATCH_END, seq_);
    tail_ += NLMSG_ALIGN(nlh->nlmsg_len);
    SealedBatch out = std::move(*this).check_only();
    out.commits_ = true;
    out.last_seq_ = seq_;
    return out;
}

SealedBatch Batch::check_only() && {
    SealedBatch out;
    out.size_ = tail_;
    out.buf_ = std::move(buf_);
    out.begin_seq_ = begin_seq_;
    out.first_msg_seq_ = begin_seq_ + 1;
    out.last_seq_ = seq_ - 1;
    out.offsets_ = std::move(offsets_);
    out.infos_ = std::move(infos_);
    for (const MessageInfo &i : out.infos_)
        out.echoes_ += i.echo;
    return out;
}

const MessageInfo *SealedBatch::info(std::uint32_t seq) const {
    std::uint32_t i = seq - first_msg_seq_;
    return i < infos_.size() ? &infos_[i] : nullptr;
}

const nlmsghdr *SealedBatch::message(std::uint32_t seq) const {
    std::uint32_t i = seq - first_msg_seq_;
    if (i >= offsets_.size()) return nullptr;
    return reinterpret_cast<const nlmsghdr *>(buf_.data.get() + offsets_[i]);
}

} // namespace rolewall::kernel
