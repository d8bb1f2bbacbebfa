#include "netlink_text.hpp"

#include "describe.hpp"
#include "nl_objects.hpp"
#include "objects.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <vector>

namespace testns {

namespace {

using namespace rolewall::kernel;

const char *type_name(std::uint16_t type) {
    switch (type & 0xff) {
    case NFT_MSG_NEWTABLE:
        return "NEWTABLE";
    case NFT_MSG_DELTABLE:
        return "DELTABLE";
    case NFT_MSG_NEWCHAIN:
        return "NEWCHAIN";
    case NFT_MSG_DELCHAIN:
        return "DELCHAIN";
    case NFT_MSG_NEWRULE:
        return "NEWRULE";
    case NFT_MSG_DELRULE:
        return "DELRULE";
    case NFT_MSG_NEWSET:
        return "NEWSET";
    case NFT_MSG_DELSET:
        return "DELSET";
    case NFT_MSG_NEWSETELEM:
        return "NEWSETELEM";
    case NFT_MSG_DELSETELEM:
        return "DELSETELEM";
    default:
        return "UNKNOWN";
    }
}

// The flags a message asks with; every message is a request, so that one is left out.
std::string flags_text(std::uint16_t flags) {
    static const std::pair<std::uint16_t, const char *> names[] = {
        {NLM_F_ACK, "ack"},   {NLM_F_ECHO, "echo"},     {NLM_F_REPLACE, "replace"},
        {NLM_F_EXCL, "excl"}, {NLM_F_CREATE, "create"}, {NLM_F_APPEND, "append"}};
    std::string out;
    flags &= static_cast<std::uint16_t>(~NLM_F_REQUEST);
    for (auto [bit, name] : names)
        if (flags & bit) {
            out += (out.empty() ? "" : ",") + std::string(name);
            flags &= static_cast<std::uint16_t>(~bit);
        }
    if (flags) out += (out.empty() ? "" : ",") + std::to_string(flags);
    return out.empty() ? "-" : out;
}

std::string family_text(const nlmsghdr *nlh) {
    const auto *nfg = static_cast<const nfgenmsg *>(mnl_nlmsg_get_payload(nlh));
    switch (nfg->nfgen_family) {
    case NFPROTO_INET:
        return "inet";
    case NFPROTO_UNSPEC:
        return "unspec";
    default:
        return std::to_string(nfg->nfgen_family);
    }
}

std::string table_flags_text(std::uint32_t flags) {
    static const std::pair<std::uint32_t, const char *> names[] = {
        {1, "dormant"}, {2, "owner"}, {4, "persist"}};
    return bits_text(flags, names);
}

// An element's userdata: its comment and flags decoded, anything else in hex.
std::string element_udata_text(const void *data, std::uint32_t len) {
    std::string out;
    nftnl_udata_parse(
        data, len,
        [](const nftnl_udata *attr, void *to) {
            auto &text = *static_cast<std::string *>(to);
            const void *value = nftnl_udata_get(attr);
            std::uint32_t n = nftnl_udata_len(attr);
            switch (nftnl_udata_type(attr)) {
            case NFTNL_UDATA_SET_ELEM_COMMENT:
                text += " comment \"" + std::string(static_cast<const char *>(value)) + "\"";
                break;
            case NFTNL_UDATA_SET_ELEM_FLAGS:
                text += " udata-flags " + std::to_string(nftnl_udata_get_u32(attr));
                break;
            default:
                text +=
                    " udata-" + std::to_string(nftnl_udata_type(attr)) + " " + hex_text(value, n);
            }
            return 0;
        },
        &out);
    return out;
}

std::string element_text(nftnl_set_elem *e) {
    auto bytes = [&](std::uint16_t attr) {
        std::uint32_t len = 0;
        const void *data = nftnl_set_elem_get(e, attr, &len);
        return data ? hex_text(data, len) : std::string();
    };
    std::string out = "  element " + bytes(NFTNL_SET_ELEM_KEY);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
        out += " key-end " + bytes(NFTNL_SET_ELEM_KEY_END);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)) {
        std::uint32_t flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
        out += flags == NFT_SET_ELEM_INTERVAL_END ? " end" : " flags " + std::to_string(flags);
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) out += " data " + bytes(NFTNL_SET_ELEM_DATA);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
        std::uint32_t len = 0;
        const void *data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
        out += element_udata_text(data, len);
    }
    return out + "\n";
}

std::string str(const char *s) {
    return s ? s : "?";
}

std::string table_text(const nlmsghdr *nlh) {
    TablePtr t = new_table();
    if (nftnl_table_nlmsg_parse(nlh, t.get()) < 0) return "  (unreadable table)\n";
    std::string out = "  table " + str(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME));
    if (nftnl_table_is_set(t.get(), NFTNL_TABLE_FLAGS))
        out += " flags " + table_flags_text(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS));
    if (nftnl_table_is_set(t.get(), NFTNL_TABLE_USERDATA)) {
        std::uint32_t len = 0;
        const void *data = nftnl_table_get_data(t.get(), NFTNL_TABLE_USERDATA, &len);
        out += " comment \"" + udata_string(data, len, NFTNL_UDATA_TABLE_COMMENT) + "\"";
    }
    return out + "\n";
}

std::string chain_text(const nlmsghdr *nlh) {
    ChainPtr c = new_chain();
    if (nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) return "  (unreadable chain)\n";
    std::string out = "  table " + str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)) +
                      " chain " + str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
    std::string fields = fields_text(chain_fields(c.get()));
    return out + (fields.empty() ? "" : " " + fields) + "\n";
}

std::string rule_block(const nlmsghdr *nlh) {
    RulePtr r = new_rule();
    if (nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return "  (unreadable rule)\n";
    std::string out = "  table " + str(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE)) + " chain " +
                      str(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN));
    if (nftnl_rule_is_set(r.get(), NFTNL_RULE_HANDLE))
        out += " handle " + std::to_string(nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE));
    if (nftnl_rule_is_set(r.get(), NFTNL_RULE_POSITION))
        out += " position " + std::to_string(nftnl_rule_get_u64(r.get(), NFTNL_RULE_POSITION));
    out += "\n";
    // A lookup names its set as the message does: a named set by name, an anonymous one by
    // its name in this batch and its id.
    auto by_name = [](const std::string &name, std::uint32_t id) {
        return id ? name + " id " + std::to_string(id) : name;
    };
    for (const std::string &e : expression_texts(r.get(), by_name))
        out += "  " + e + "\n";
    if (std::string comment = rule_comment(r.get()); !comment.empty())
        out += "  comment \"" + comment + "\"\n";
    return out;
}

std::string set_head(const nftnl_set *s) {
    std::string out = "  table " + str(nftnl_set_get_str(s, NFTNL_SET_TABLE)) + " set " +
                      str(nftnl_set_get_str(s, NFTNL_SET_NAME));
    if (nftnl_set_is_set(s, NFTNL_SET_ID))
        out += " id " + std::to_string(nftnl_set_get_u32(s, NFTNL_SET_ID));
    return out;
}

std::string set_text(const nlmsghdr *nlh, bool declaration) {
    SetPtr s = new_set();
    if (nftnl_set_nlmsg_parse(nlh, s.get()) < 0) return "  (unreadable set)\n";
    if (!declaration) return set_head(s.get()) + "\n";
    return set_head(s.get()) + " " + fields_text(set_fields(s.get())) + "\n";
}

// libnftnl numbers the element nests it builds 1, 2, 3... (the kernel ignores the type) but
// reads back only NFTA_LIST_ELEM (1): a copy with every element nest typed so.
std::vector<char> list_elements_typed(const nlmsghdr *nlh) {
    const char *from = reinterpret_cast<const char *>(nlh);
    std::vector<char> copy(from, from + nlh->nlmsg_len);
    auto *msg = reinterpret_cast<nlmsghdr *>(copy.data());
    auto left = [](const void *at, const void *end) {
        return static_cast<int>(static_cast<const char *>(end) - static_cast<const char *>(at));
    };
    const void *tail = mnl_nlmsg_get_payload_tail(msg);
    auto *attr = static_cast<nlattr *>(mnl_nlmsg_get_payload_offset(msg, sizeof(nfgenmsg)));
    for (; mnl_attr_ok(attr, left(attr, tail)); attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
        const char *nest_end = reinterpret_cast<const char *>(attr) + attr->nla_len;
        auto *elem = static_cast<nlattr *>(mnl_attr_get_payload(attr));
        for (; mnl_attr_ok(elem, left(elem, nest_end)); elem = mnl_attr_next(elem))
            elem->nla_type =
                static_cast<std::uint16_t>((elem->nla_type & ~NLA_TYPE_MASK) | NFTA_LIST_ELEM);
    }
    return copy;
}

std::string elements_text(const nlmsghdr *nlh) {
    std::vector<char> typed = list_elements_typed(nlh);
    SetPtr s = new_set();
    if (nftnl_set_elems_nlmsg_parse(reinterpret_cast<const nlmsghdr *>(typed.data()), s.get()) < 0)
        return "  (unreadable elements)\n";
    std::string out = set_head(s.get()) + "\n";
    nftnl_set_elem_foreach(
        s.get(),
        [](nftnl_set_elem *e, void *to) {
            *static_cast<std::string *>(to) += element_text(e);
            return 0;
        },
        &out);
    return out;
}

std::string message_text(const nlmsghdr *nlh) {
    std::uint16_t type = nlh->nlmsg_type & 0xff;
    std::string out = std::string(type_name(nlh->nlmsg_type)) + " " + family_text(nlh) + " " +
                      flags_text(nlh->nlmsg_flags) + "\n";
    switch (type) {
    case NFT_MSG_NEWTABLE:
    case NFT_MSG_DELTABLE:
        return out + table_text(nlh);
    case NFT_MSG_NEWCHAIN:
    case NFT_MSG_DELCHAIN:
        return out + chain_text(nlh);
    case NFT_MSG_NEWRULE:
    case NFT_MSG_DELRULE:
        return out + rule_block(nlh);
    case NFT_MSG_NEWSET:
        return out + set_text(nlh, true);
    case NFT_MSG_DELSET:
        return out + set_text(nlh, false);
    case NFT_MSG_NEWSETELEM:
    case NFT_MSG_DELSETELEM:
        return out + elements_text(nlh);
    default:
        return out + "  " + hex_text(mnl_nlmsg_get_payload(nlh), nlh->nlmsg_len - NLMSG_HDRLEN) +
               "\n";
    }
}

} // namespace

std::string batch_text(const SealedBatch &batch) {
    std::string out = "# " + std::to_string(batch.acks_expected()) + " messages" +
                      (batch.commits() ? ", committed" : ", checked only") + "\n";
    for (std::uint32_t seq = batch.begin_seq() + 1; seq <= batch.last_seq(); ++seq) {
        const nlmsghdr *nlh = batch.message(seq);
        if (!nlh) continue; // BATCH_END
        const MessageInfo *info = batch.info(seq);
        out += "\n# " + info->what() + (info->role.empty() ? "" : " (role " + info->role + ")") +
               "\n" + message_text(nlh);
    }
    return out;
}

} // namespace testns
