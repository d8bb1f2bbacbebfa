#include "batch.hpp"

// glibc before <linux/...>: <linux/in.h> then leaves the definitions to glibc.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

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

Batch::Batch(std::uint32_t first_seq, std::optional<std::uint32_t> genid)
    : begin_seq_(first_seq), seq_(first_seq) {
    buf_.resize(initial_buffer);
    nlmsghdr *nlh = put_control(buf_.data(), NFNL_MSG_BATCH_BEGIN, seq_++);
    // libnftnl 1.2.4 has no setter for the generation attribute.
    if (genid) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*genid));
    tail_ = NLMSG_ALIGN(nlh->nlmsg_len);
}

void Batch::reserve(std::size_t room) {
    if (buf_.size() - tail_ >= room) return;
    std::size_t want = buf_.size() * 2;
    while (want - tail_ < room) want *= 2;
    buf_.resize(want);
}

nlmsghdr *Batch::open_message(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                              std::size_t room) {
    reserve(room + control_room);
    return nftnl_nlmsg_build_hdr(buf_.data() + tail_, type, family,
                                 static_cast<std::uint16_t>(flags | NLM_F_ACK), seq_++);
}

void Batch::close_message(nlmsghdr *nlh, MessageInfo info) {
    offsets_.push_back(tail_);
    infos_.push_back(std::move(info));
    tail_ += NLMSG_ALIGN(nlh->nlmsg_len);
}

SealedBatch Batch::commit() && {
    reserve(control_room);
    nlmsghdr *nlh = put_control(buf_.data() + tail_, NFNL_MSG_BATCH_END, seq_);
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
    return out;
}

const MessageInfo *SealedBatch::info(std::uint32_t seq) const {
    std::uint32_t i = seq - first_msg_seq_;
    return i < infos_.size() ? &infos_[i] : nullptr;
}

const nlmsghdr *SealedBatch::message(std::uint32_t seq) const {
    std::uint32_t i = seq - first_msg_seq_;
    if (i >= offsets_.size()) return nullptr;
    return reinterpret_cast<const nlmsghdr *>(buf_.data() + offsets_[i]);
}

} // namespace rolewall::kernel
