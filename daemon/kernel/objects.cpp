#include "objects.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cstring>
#include <linux/netfilter.h>
#include <netinet/in.h>

namespace rolewall::kernel {

namespace {

// nft's byte-order tags in set userdata (nftables src/datatype.h, enum byteorder).
enum class ByteOrder : std::uint32_t { invalid = 0, host = 1, big = 2 };

ByteOrder key_byteorder(KeyType t) {
    switch (t) {
    case KeyType::inet_service:
    case KeyType::ipv4_addr:
    case KeyType::ipv6_addr:
        return ByteOrder::big;
    case KeyType::ifname:
        return ByteOrder::host; // a string
    case KeyType::inet_proto:
    case KeyType::nf_proto:
        return ByteOrder::invalid; // one byte
    }
    return ByteOrder::invalid;
}

// Userdata TLVs as nft writes them: a comment is NUL-terminated.
struct Udata {
    UdataPtr buf = new_udata();
    void comment(std::uint8_t type, const std::string &text) {
        if (!text.empty()) nftnl_udata_put_strz(buf.get(), type, text.c_str());
    }
    void u32(std::uint8_t type, std::uint32_t v) { nftnl_udata_put_u32(buf.get(), type, v); }
    bool empty() const { return nftnl_udata_buf_len(buf.get()) == 0; }
    const void *data() const { return nftnl_udata_buf_data(buf.get()); }
    std::uint32_t len() const { return nftnl_udata_buf_len(buf.get()); }
};

void set_base(nftnl_set *s, const std::string &table, const std::string &name) {
    nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_str(s, NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s, NFTNL_SET_NAME, name.c_str());
}

SetElemPtr elem(const Key &key) {
    SetElemPtr e = new_set_elem();
    nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, key.data(),
                       static_cast<std::uint32_t>(key.size()));
    return e;
}

// Start element: its comment, and for a range up to the largest key the "open interval"
// flag nft sets so that it prints "49152-65535" rather than a bare start.
SetElemPtr start_elem(const Element &e, bool interval, bool comments) {
    SetElemPtr out = elem(e.lo);
    Udata ud;
    if (comments) ud.comment(NFTNL_UDATA_SET_ELEM_COMMENT, e.comment);
    if (comments && interval && key_is_max(e.hi))
        ud.u32(NFTNL_UDATA_SET_ELEM_FLAGS, NFTNL_SET_ELEM_F_INTERVAL_OPEN);
    if (!ud.empty()) nftnl_set_elem_set(out.get(), NFTNL_SET_ELEM_USERDATA, ud.data(), ud.len());
    return out;
}

} // namespace

// The TLV of `type` in nft userdata (u8 type, u8 length, value), as text.
std::string udata_string(const void *data, std::uint32_t len, std::uint8_t type) {
    const auto *p = static_cast<const std::uint8_t *>(data);
    for (std::uint32_t at = 0; at + 2 <= len && at + 2 + p[at + 1] <= len; at += 2 + p[at + 1]) {
        if (p[at] != type) continue;
        const char *text = reinterpret_cast<const char *>(p + at + 2);
        return std::string(text, strnlen(text, p[at + 1]));
    }
    return {};
}

Key key_successor(Key key) {
    for (std::size_t i = key.size(); i-- > 0;)
        if (++key[i] != 0) break;
    return key;
}

Key key_predecessor(Key key) {
    for (std::size_t i = key.size(); i-- > 0;)
        if (key[i]-- != 0) break;
    return key;
}

bool key_is_max(const Key &key) {
    return std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0xff; });
}

// table inet <name> { flags <flags>; comment "<comment>" }
TablePtr table_object(const std::string &name, std::uint32_t flags, const std::string &comment) {
    TablePtr t = table_ref(name);
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, flags);
    Udata ud;
    ud.comment(NFTNL_UDATA_TABLE_COMMENT, comment);
    if (!ud.empty()) nftnl_table_set_data(t.get(), NFTNL_TABLE_USERDATA, ud.data(), ud.len());
    return t;
}

// table inet <name>
TablePtr table_ref(const std::string &name) {
    TablePtr t = new_table();
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name.c_str());
    return t;
}

std::optional<std::uint32_t> table_flags_of(const nftnl_table *t) {
    if (!nftnl_table_is_set(t, NFTNL_TABLE_FLAGS)) return std::nullopt;
    return nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
}

std::string table_comment(const nftnl_table *t) {
    if (!nftnl_table_is_set(t, NFTNL_TABLE_USERDATA)) return {};
    std::uint32_t len = 0;
    const void *data = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
    return udata_string(data, len, NFTNL_UDATA_TABLE_COMMENT);
}

// set <name> { type <type>; flags interval; }
SetPtr set_object(const std::string &table, const SetSpec &spec, std::uint32_t id) {
    SetPtr s = new_set();
    set_base(s.get(), table, spec.name);
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.interval ? NFT_SET_INTERVAL : 0);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, static_cast<std::uint32_t>(spec.type));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN,
                      static_cast<std::uint32_t>(key_length(spec.type)));
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    Udata ud;
    ud.u32(NFTNL_UDATA_SET_KEYBYTEORDER, static_cast<std::uint32_t>(key_byteorder(spec.type)));
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, ud.data(), ud.len());
    return s;
}

SetPtr elements_object(const std::string &table, const std::string &set, bool interval,
                       const std::vector<Element> &elements, bool comments, std::uint32_t id) {
    SetPtr s = new_set();
    set_base(s.get(), table, set);
    if (id != 0) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    for (const Element &e : elements) {
        nftnl_set_elem_add(s.get(), start_elem(e, interval, comments).release());
        if (!interval || key_is_max(e.hi)) continue;
        SetElemPtr end = elem(key_successor(e.hi));
        nftnl_set_elem_set_u32(end.get(), NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
        nftnl_set_elem_add(s.get(), end.release());
    }
    return s;
}

namespace {

// nft datatype ids of the ICMP type sets (nftables src/datatype.h).
constexpr std::uint32_t type_icmp_type = 14;   // TYPE_ICMP_TYPE
constexpr std::uint32_t type_icmpv6_type = 29; // TYPE_ICMP6_TYPE

// The userdata nft 1.0.6 attaches to `icmp type { ... }` / `icmpv6 type { ... }`: key byte
// order 2 (big endian), then the typeof expression "payload, protocol <proto>, field 1"
// (nftables src/payload.c, payload_expr_build_udata). Copied byte for byte.
constexpr std::uint8_t typeof_udata_icmp[] = {
    0x00, 0x04, 0x02, 0x00, 0x00, 0x00, 0x03, 0x14, 0x00, 0x04, 0x07, 0x00, 0x00, 0x00,
    0x01, 0x0c, 0x00, 0x04, 0x04, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x00, 0x00, 0x00};
constexpr std::uint8_t typeof_udata_icmpv6[] = {
    0x00, 0x04, 0x02, 0x00, 0x00, 0x00, 0x03, 0x14, 0x00, 0x04, 0x07, 0x00, 0x00, 0x00,
    0x01, 0x0c, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x00, 0x00, 0x00};

// A constant anonymous set "__set%d" (the kernel picks the number) of one-byte keys.
AnonymousSet anonymous_set(const std::string &table, std::uint32_t id, std::uint32_t key_type,
                           const std::uint8_t *udata, std::uint32_t udata_len,
                           const std::vector<std::uint8_t> &keys) {
    SetPtr s = new_set();
    set_base(s.get(), table, "__set%d");
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, key_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, 1);
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, static_cast<std::uint32_t>(keys.size()));
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, udata, udata_len);
    for (std::uint8_t k : keys)
        nftnl_set_elem_add(s.get(), elem(Bytes{k}).release());
    return {std::move(s), id};
}

} // namespace

// icmp type { destination-unreachable, time-exceeded, parameter-problem }
AnonymousSet icmp_types_set(const std::string &table, std::uint32_t id) {
    return anonymous_set(table, id, type_icmp_type, typeof_udata_icmp, sizeof typeof_udata_icmp,
                         {essential_icmp_types.begin(), essential_icmp_types.end()});
}

// icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem,
//   mld-listener-query, mld-listener-report, mld2-listener-report, nd-router-solicit,
//   nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }
AnonymousSet icmpv6_types_set(const std::string &table, std::uint32_t id) {
    return anonymous_set(table, id, type_icmpv6_type, typeof_udata_icmpv6,
                         sizeof typeof_udata_icmpv6,
                         {essential_icmpv6_types.begin(), essential_icmpv6_types.end()});
}

// chain input { type filter hook input priority filter; policy drop; }
ChainPtr input_chain_object(const std::string &table) {
    ChainPtr c = chain_object(table, input_chain, {});
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0); // NF_IP_PRI_FILTER
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_DROP);
    return c;
}

// chain <name> { comment "<comment>" }
ChainPtr chain_object(const std::string &table, const std::string &name,
                      const std::string &comment) {
    ChainPtr c = new_chain();
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
    Udata ud;
    ud.comment(NFTNL_UDATA_CHAIN_COMMENT, comment);
    if (!ud.empty()) nftnl_chain_set_data(c.get(), NFTNL_CHAIN_USERDATA, ud.data(), ud.len());
    return c;
}

} // namespace rolewall::kernel
