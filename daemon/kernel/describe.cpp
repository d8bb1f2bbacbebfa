#include "describe.hpp"

#include "objects.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cstdio>
#include <linux/netfilter.h>
#include <netinet/in.h>

namespace rolewall::kernel {

std::string hex_text(const void *data, std::size_t len) {
    std::string out;
    const auto *p = static_cast<const std::uint8_t *>(data);
    char buf[3];
    for (std::size_t i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", p[i]);
        out += buf;
    }
    return out;
}

std::string bits_text(std::uint32_t flags,
                      std::span<const std::pair<std::uint32_t, const char *>> names) {
    std::string out;
    for (auto [bit, name] : names)
        if (flags & bit) {
            out += (out.empty() ? "" : ",") + std::string(name);
            flags &= ~bit;
        }
    if (flags) out += (out.empty() ? "" : ",") + std::to_string(flags);
    return out.empty() ? "none" : out;
}

namespace {

// NFT_CHAIN_BASE (kernel >= 5.7): the kernel marks base chains with it; the hook says as much.
constexpr std::uint32_t chain_flag_base = 1;

std::string hook_name(std::uint32_t hook) {
    static const char *const names[] = {"prerouting", "input",       "forward",
                                        "output",     "postrouting", "ingress"};
    return hook < std::size(names) ? names[hook] : std::to_string(hook);
}

std::string set_flags_text(std::uint32_t flags) {
    static const std::pair<std::uint32_t, const char *> names[] = {
        {NFT_SET_ANONYMOUS, "anonymous"}, {NFT_SET_CONSTANT, "constant"},
        {NFT_SET_INTERVAL, "interval"},   {NFT_SET_MAP, "map"},
        {NFT_SET_TIMEOUT, "timeout"},     {NFT_SET_EVAL, "dynamic"},
        {NFT_SET_OBJECT, "object"},       {NFT_SET_CONCAT, "concat"}};
    return bits_text(flags, names);
}

std::string key_type_text(std::uint32_t id) {
    for (KeyType t : {KeyType::ipv4_addr, KeyType::ipv6_addr, KeyType::inet_proto,
                      KeyType::inet_service, KeyType::nf_proto, KeyType::ifname})
        if (static_cast<std::uint32_t>(t) == id) return key_type_name(t);
    return std::to_string(id);
}

template <typename Get> std::string userdata_comment(Get get, std::uint8_t type) {
    std::uint32_t len = 0;
    const void *data = get(&len);
    return data ? udata_string(data, len, type) : std::string();
}

} // namespace

Fields chain_fields(const nftnl_chain *c) {
    Fields f;
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
        f.emplace_back("hook", hook_name(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM)));
        f.emplace_back("priority", std::to_string(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO)));
        const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
        f.emplace_back("type", type ? type : "?");
        std::uint32_t policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
        f.emplace_back("policy", policy == NF_ACCEPT ? "accept"
                                 : policy == NF_DROP ? "drop"
                                                     : std::to_string(policy));
    }
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS))
        if (std::uint32_t flags = nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) & ~chain_flag_base)
            f.emplace_back("flags", std::to_string(flags));
    if (const char *dev = nftnl_chain_get_str(c, NFTNL_CHAIN_DEV)) f.emplace_back("device", dev);
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES)) f.emplace_back("devices", "(some)");
    std::string comment = chain_comment(c);
    if (!comment.empty()) f.emplace_back("comment", "\"" + comment + "\"");
    return f;
}

std::string chain_comment(const nftnl_chain *c) {
    return userdata_comment(
        [&](std::uint32_t *len) {
            return nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA)
                       ? nftnl_chain_get_data(c, NFTNL_CHAIN_USERDATA, len)
                       : nullptr;
        },
        NFTNL_UDATA_CHAIN_COMMENT);
}

Fields set_fields(const nftnl_set *s) {
    Fields f;
    auto u32 = [&](std::uint16_t attr) { return nftnl_set_get_u32(s, attr); };
    f.emplace_back("flags", set_flags_text(u32(NFTNL_SET_FLAGS)));
    f.emplace_back("type", key_type_text(u32(NFTNL_SET_KEY_TYPE)));
    f.emplace_back("key length", std::to_string(u32(NFTNL_SET_KEY_LEN)));
    if (nftnl_set_is_set(s, NFTNL_SET_DATA_TYPE))
        f.emplace_back("data", std::to_string(u32(NFTNL_SET_DATA_TYPE)) + "/" +
                                   std::to_string(u32(NFTNL_SET_DATA_LEN)));
    if (nftnl_set_is_set(s, NFTNL_SET_OBJ_TYPE))
        f.emplace_back("object type", std::to_string(u32(NFTNL_SET_OBJ_TYPE)));
    if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT))
        f.emplace_back("timeout", std::to_string(nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT)));
    if (nftnl_set_is_set(s, NFTNL_SET_GC_INTERVAL))
        f.emplace_back("gc interval", std::to_string(u32(NFTNL_SET_GC_INTERVAL)));
    if (nftnl_set_is_set(s, NFTNL_SET_POLICY))
        f.emplace_back("policy", std::to_string(u32(NFTNL_SET_POLICY)));
    if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE) && u32(NFTNL_SET_DESC_SIZE) != 0)
        f.emplace_back("size", std::to_string(u32(NFTNL_SET_DESC_SIZE)));
    int exprs = 0;
    nftnl_set_expr_foreach(
        s, [](nftnl_expr *, void *n) { return ++*static_cast<int *>(n), 0; }, &exprs);
    if (exprs) f.emplace_back("expressions", std::to_string(exprs));
    if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
        std::uint32_t len = 0;
        const void *data = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
        f.emplace_back("userdata", hex_text(data, len));
    }
    return f;
}

std::string fields_text(const Fields &fields) {
    std::string out;
    for (const auto &[name, value] : fields)
        out += (out.empty() ? "" : " ") + name + " " + value;
    return out;
}

std::vector<RawElement> elements_of(const nftnl_set *s) {
    std::vector<RawElement> out;
    nftnl_set_elem_foreach(
        const_cast<nftnl_set *>(s),
        [](nftnl_set_elem *e, void *data) {
            RawElement r;
            std::uint32_t len = 0;
            const auto *key =
                static_cast<const std::uint8_t *>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len));
            if (key) r.key.assign(key, key + len);
            if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
                r.end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
            static_cast<std::vector<RawElement> *>(data)->push_back(std::move(r));
            return 0;
        },
        &out);
    return out;
}

std::string anonymous_set_text(const nftnl_set *decl, std::vector<RawElement> elements) {
    std::sort(elements.begin(), elements.end(), [](const RawElement &a, const RawElement &b) {
        return a.key != b.key ? a.key < b.key : a.end > b.end;
    });
    std::string out = "{ " + fields_text(set_fields(decl)) + ":";
    for (const RawElement &e : elements)
        out += " " + hex_text(e.key.data(), e.key.size()) + (e.end ? " end" : "");
    return out + " }";
}

std::vector<std::string> expression_texts(const nftnl_rule *r, const SetResolver &sets) {
    std::vector<std::string> out;
    auto it = owned<ExprIterPtr>(nftnl_expr_iter_create(r));
    for (nftnl_expr *e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get())) {
        std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        if (name == "counter") {
            out.emplace_back("[ counter ]");
            continue;
        }
        char buf[1024] = {}; // the longest expression body libnftnl prints is well under this
        nftnl_expr_snprintf(buf, sizeof buf, e, NFTNL_OUTPUT_DEFAULT, 0);
        std::string body = buf;
        if (name == "lookup") {
            std::string set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
            std::uint32_t id = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET_ID)
                                   ? nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID)
                                   : 0;
            std::string from = "set " + set + " ";
            if (auto at = body.find(from); at != std::string::npos)
                body.replace(at, from.size(), "set " + sets(set, id) + " ");
        }
        out.push_back("[ " + name + " " + body + "]");
    }
    return out;
}

std::string rule_comment(const nftnl_rule *r) {
    return userdata_comment(
        [&](std::uint32_t *len) {
            return nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)
                       ? nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, len)
                       : nullptr;
        },
        NFTNL_UDATA_RULE_COMMENT);
}

std::string rule_text(const nftnl_rule *r, const SetResolver &sets) {
    std::string out;
    for (const std::string &e : expression_texts(r, sets))
        out += e + " ";
    if (nftnl_rule_is_set(r, NFTNL_RULE_COMPAT_PROTO))
        out += "compat " + std::to_string(nftnl_rule_get_u32(r, NFTNL_RULE_COMPAT_PROTO)) + " ";
    std::string comment = rule_comment(r);
    if (!comment.empty()) out += "comment \"" + comment + "\" ";
    if (!out.empty()) out.pop_back();
    return out;
}

} // namespace rolewall::kernel
