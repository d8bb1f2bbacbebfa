// The rules of table inet rolewall, expression by expression as nft 1.0.6 generates them.
#include "objects.hpp"

// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <initializer_list>
#include <linux/netfilter.h>
#include <net/if.h>
#include <netinet/in.h>

namespace rolewall::kernel {

namespace {

constexpr std::uint32_t reg1 = NFT_REG_1;

// conntrack state bits (nftables src/ct.c, ct_state_tbl)
constexpr std::uint32_t ct_invalid = 1, ct_established = 2, ct_related = 4;
// ping rate: 10/second, burst 20 packets
constexpr std::uint64_t ping_rate = 10, ping_unit_seconds = 1;
constexpr std::uint32_t ping_burst = 20;
// network header offsets: IPv4 source, IPv6 source and destination
constexpr std::uint32_t ip_saddr_offset = 12, ip6_saddr_offset = 8, ip6_daddr_offset = 24;
// transport header offset of the destination port (TCP and UDP alike)
constexpr std::uint32_t dport_offset = 2;

// meta load <key> => reg 1
ExprPtr meta(std::uint32_t key) {
    ExprPtr e = new_expr("meta");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, reg1);
    return e;
}

// cmp <op> reg 1 <data>
ExprPtr cmp(std::uint32_t op, const void *data, std::uint32_t len) {
    ExprPtr e = new_expr("cmp");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, reg1);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data, len);
    return e;
}
ExprPtr cmp_u8(std::uint8_t v) {
    return cmp(NFT_CMP_EQ, &v, 1);
}

// payload load <len>b @ <base> header + <offset> => reg 1
ExprPtr payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len) {
    ExprPtr e = new_expr("payload");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, reg1);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, len);
    return e;
}

// lookup reg 1 set <name>
ExprPtr lookup(const std::string &set, std::uint32_t id) {
    ExprPtr e = new_expr("lookup");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, reg1);
    nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, set.c_str());
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SET_ID, id);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_FLAGS, 0); // as nft sends it; the kernel lists it
    return e;
}

// accept | drop | jump <chain>
ExprPtr verdict(int v, const std::string &chain = {}) {
    ExprPtr e = new_expr("immediate");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(v));
    if (!chain.empty()) nftnl_expr_set_str(e.get(), NFTNL_EXPR_IMM_CHAIN, chain.c_str());
    return e;
}

// ct state <bits> (ct load state, bitwise mask, cmp neq 0)
std::vector<ExprPtr> ct_state(std::uint32_t bits) {
    ExprPtr ct = new_expr("ct");
    nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
    nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_DREG, reg1);
    ExprPtr bw = new_expr("bitwise");
    std::uint32_t zero = 0;
    nftnl_expr_set_u32(bw.get(), NFTNL_EXPR_BITWISE_SREG, reg1);
    nftnl_expr_set_u32(bw.get(), NFTNL_EXPR_BITWISE_DREG, reg1);
    nftnl_expr_set_u32(bw.get(), NFTNL_EXPR_BITWISE_LEN, sizeof bits);
    nftnl_expr_set(bw.get(), NFTNL_EXPR_BITWISE_MASK, &bits, sizeof bits);
    nftnl_expr_set(bw.get(), NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
    std::vector<ExprPtr> out;
    out.push_back(std::move(ct));
    out.push_back(std::move(bw));
    out.push_back(cmp(NFT_CMP_NEQ, &zero, sizeof zero));
    return out;
}

// limit rate <rate>/second burst <burst> packets
ExprPtr limit(std::uint64_t rate, std::uint32_t burst) {
    ExprPtr e = new_expr("limit");
    nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_RATE, rate);
    nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_UNIT, ping_unit_seconds);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_BURST, burst);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_FLAGS, 0);
    return e;
}
ExprPtr ping_limit() { // limit rate 10/second burst 20 packets
    return limit(ping_rate, ping_burst);
}

// log group <group>
ExprPtr log_group(std::uint16_t group) {
    ExprPtr e = new_expr("log");
    nftnl_expr_set_u16(e.get(), NFTNL_EXPR_LOG_GROUP, group);
    return e;
}

// reject with tcp reset | reject with icmpx admin-prohibited
ExprPtr reject(std::uint32_t type, std::uint8_t code) {
    ExprPtr e = new_expr("reject");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, type);
    nftnl_expr_set_u8(e.get(), NFTNL_EXPR_REJECT_CODE, code);
    return e;
}

// One rule: the expressions in order, then the comment.
struct RuleBuilder {
    RulePtr rule = new_rule();
    RuleBuilder(const std::string &table, const std::string &chain) {
        nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
        nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, table.c_str());
        nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, chain.c_str());
    }
    RuleBuilder &add(ExprPtr e) {
        nftnl_rule_add_expr(rule.get(), e.release());
        return *this;
    }
    RuleBuilder &add(std::vector<ExprPtr> es) {
        for (auto &e : es)
            add(std::move(e));
        return *this;
    }
    RuleBuilder &match(std::uint32_t meta_key, std::uint8_t value) {
        return add(meta(meta_key)).add(cmp_u8(value));
    }
    RulePtr done(const std::string &comment = {}) {
        if (!comment.empty()) {
            UdataPtr ud = new_udata();
            nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str());
            nftnl_rule_set_data(rule.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud.get()),
                                nftnl_udata_buf_len(ud.get()));
        }
        return std::move(rule);
    }
};

std::uint32_t loopback_index() {
    unsigned idx = if_nametoindex("lo");
    return idx != 0 ? idx : 1; // "lo" is interface 1 in every network namespace
}

} // namespace

namespace {

// The first rules of chain input, up to `jump roles`.
void skeleton_rules(const std::string &table, std::uint32_t icmp_id, std::uint32_t icmpv6_id,
                    std::vector<RulePtr> &out) {
    auto rule = [&] { return RuleBuilder(table, input_chain); };
    std::uint32_t lo = loopback_index();
    // iif "lo" accept comment "loopback"
    out.push_back(rule()
                      .add(meta(NFT_META_IIF))
                      .add(cmp(NFT_CMP_EQ, &lo, sizeof lo))
                      .add(verdict(NF_ACCEPT))
                      .done("loopback"));
    // ct state established,related accept comment "replies to the host's own traffic"
    out.push_back(rule()
                      .add(ct_state(ct_established | ct_related))
                      .add(verdict(NF_ACCEPT))
                      .done("replies to the host's own traffic"));
    // ct state invalid drop comment "invalid packets"
    out.push_back(rule().add(ct_state(ct_invalid)).add(verdict(NF_DROP)).done("invalid packets"));
    auto icmp = [&](std::uint8_t family, std::uint8_t proto) {
        RuleBuilder r = rule();
        r.match(NFT_META_NFPROTO, family).match(NFT_META_L4PROTO, proto);
        r.add(payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1));
        return r;
    };
    // icmp type { destination-unreachable, time-exceeded, parameter-problem } accept
    out.push_back(icmp(NFPROTO_IPV4, IPPROTO_ICMP)
                      .add(lookup("__set%d", icmp_id))
                      .add(verdict(NF_ACCEPT))
                      .done("essential ICMP"));
    // icmp type echo-request limit rate 10/second burst 20 packets accept
    out.push_back(icmp(NFPROTO_IPV4, IPPROTO_ICMP)
                      .add(cmp_u8(icmp_echo_request))
                      .add(ping_limit())
                      .add(verdict(NF_ACCEPT))
                      .done("ping, rate-limited"));
    // icmpv6 type { destination-unreachable, ..., nd-neighbor-advert } accept
    out.push_back(icmp(NFPROTO_IPV6, IPPROTO_ICMPV6)
                      .add(lookup("__set%d", icmpv6_id))
                      .add(verdict(NF_ACCEPT))
                      .done("essential ICMPv6 and neighbour discovery"));
    // icmpv6 type echo-request limit rate 10/second burst 20 packets accept
    out.push_back(icmp(NFPROTO_IPV6, IPPROTO_ICMPV6)
                      .add(cmp_u8(icmpv6_echo_request))
                      .add(ping_limit())
                      .add(verdict(NF_ACCEPT))
                      .done("ping6, rate-limited"));
}

// ip6 daddr fe80::/64 udp dport 546 accept comment "DHCPv6 client"
RulePtr dhcpv6_rule(const std::string &table) {
    // fe80::/64 is matched on the first 8 bytes of the address.
    const std::uint8_t link_local[8] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0};
    const std::uint16_t port = htons(dhcpv6_client_port);
    return RuleBuilder(table, input_chain)
        .match(NFT_META_NFPROTO, NFPROTO_IPV6)
        .add(payload(NFT_PAYLOAD_NETWORK_HEADER, ip6_daddr_offset, sizeof link_local))
        .add(cmp(NFT_CMP_EQ, link_local, sizeof link_local))
        .match(NFT_META_L4PROTO, IPPROTO_UDP)
        .add(payload(NFT_PAYLOAD_TRANSPORT_HEADER, dport_offset, sizeof port))
        .add(cmp(NFT_CMP_EQ, &port, sizeof port))
        .add(verdict(NF_ACCEPT))
        .done("DHCPv6 client");
}

// tcp dport 22 accept comment "fail-safe: SSH, so that an admin can log in"
RulePtr failsafe_ssh_rule(const std::string &table) {
    const std::uint16_t port = htons(failsafe_ssh_port);
    return RuleBuilder(table, input_chain)
        .match(NFT_META_L4PROTO, IPPROTO_TCP)
        .add(payload(NFT_PAYLOAD_TRANSPORT_HEADER, dport_offset, sizeof port))
        .add(cmp(NFT_CMP_EQ, &port, sizeof port))
        .add(verdict(NF_ACCEPT))
        .done("fail-safe: SSH, so that an admin can log in");
}

// The rules after `jump roles`: what happens to everything no role accepted.
void policy_rules(const std::string &table, Policy policy, bool log_drops,
                  std::vector<RulePtr> &out) {
    auto rule = [&] { return RuleBuilder(table, input_chain); };
    // limit rate 50/second burst 50 packets log group 7405 comment "..." (drops.hpp)
    if (log_drops)
        out.push_back(rule()
                          .add(limit(drop_log_rate, drop_log_burst))
                          .add(log_group(drop_log_group))
                          .done(drop_log_comment));
    if (policy == Policy::drop) {
        // counter drop comment "policy drop"
        out.push_back(rule().add(new_expr("counter")).add(verdict(NF_DROP)).done("policy drop"));
        return;
    }
    // meta l4proto tcp counter reject with tcp reset comment "policy reject"
    out.push_back(rule()
                      .match(NFT_META_L4PROTO, IPPROTO_TCP)
                      .add(new_expr("counter"))
                      .add(reject(NFT_REJECT_TCP_RST, 0))
                      .done("policy reject"));
    // counter reject with icmpx admin-prohibited comment "policy reject"
    out.push_back(rule()
                      .add(new_expr("counter"))
                      .add(reject(NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED))
                      .done("policy reject"));
}

std::uint32_t id_of(const SetIds &ids, const std::string &name) {
    auto it = ids.find(name);
    return it != ids.end() ? it->second : 0;
}

bool has(const SetIds &ids, const std::string &name) {
    return ids.count(name) != 0;
}

} // namespace

std::vector<RulePtr> input_rules(const std::string &table, const Layout &layout,
                                 std::uint32_t icmp_set_id, std::uint32_t icmpv6_set_id) {
    std::vector<RulePtr> out;
    skeleton_rules(table, icmp_set_id, icmpv6_set_id, out);
    out.push_back(dhcpv6_rule(table));
    if (layout.failsafe)
        out.push_back(failsafe_ssh_rule(table));
    else // jump roles
        out.push_back(RuleBuilder(table, input_chain).add(verdict(NFT_JUMP, roles_chain)).done());
    policy_rules(table, layout.policy, layout.log_drops, out);
    return out;
}

std::vector<RulePtr> roles_rules(const std::string &table, const RoleChain &role,
                                 const SetIds &ids) {
    std::vector<RulePtr> out;
    for (auto [key, suffix] :
         {std::pair{NFT_META_IIFNAME, "_if"}, std::pair{NFT_META_NFPROTO, "_anyif"}}) {
        // iifname @<role>_if jump role-<role> comment "<role>"
        // meta nfproto @<role>_anyif jump role-<role> comment "<role>"
        std::string set = role.role + suffix;
        out.push_back(RuleBuilder(table, roles_chain)
                          .add(meta(key))
                          .add(lookup(set, id_of(ids, set)))
                          .add(verdict(NFT_JUMP, role_chain(role.role)))
                          .done(role.role));
    }
    return out;
}

std::vector<RulePtr> role_rules(const std::string &table, const RoleChain &role,
                                const SetIds &ids) {
    struct Family {
        std::uint8_t nfproto;
        std::uint32_t saddr_offset, saddr_len;
        const char *suffix;
    };
    std::vector<RulePtr> out;
    auto set = [&](const char *suffix) {
        return lookup(role.role + suffix, id_of(ids, role.role + suffix));
    };
    for (Family f : {Family{NFPROTO_IPV4, ip_saddr_offset, 4, "_v4"},
                     Family{NFPROTO_IPV6, ip6_saddr_offset, 16, "_v6"}}) {
        auto source = [&] {
            RuleBuilder r(table, role_chain(role.role));
            r.match(NFT_META_NFPROTO, f.nfproto)
                .add(payload(NFT_PAYLOAD_NETWORK_HEADER, f.saddr_offset, f.saddr_len))
                .add(set(f.suffix));
            return r;
        };
        for (auto [proto, suffix] :
             {std::pair{IPPROTO_TCP, "_tcp"}, std::pair{IPPROTO_UDP, "_udp"}}) {
            // ip saddr @<role>_v4 tcp dport @<role>_tcp counter accept (and udp, and ip6 saddr
            // @_v6): the counters are the role's (Backend::counters())
            if (has(ids, role.role + suffix)) {
                out.push_back(source()
                                  .match(NFT_META_L4PROTO, static_cast<std::uint8_t>(proto))
                                  .add(payload(NFT_PAYLOAD_TRANSPORT_HEADER, dport_offset, 2))
                                  .add(set(suffix))
                                  .add(new_expr("counter"))
                                  .add(verdict(NF_ACCEPT))
                                  .done());
            }
        }
        // ip saddr @<role>_v4 meta l4proto @<role>_proto counter accept (and ip6 saddr @_v6)
        if (has(ids, role.role + "_proto")) {
            out.push_back(source()
                              .add(meta(NFT_META_L4PROTO))
                              .add(set("_proto"))
                              .add(new_expr("counter"))
                              .add(verdict(NF_ACCEPT))
                              .done());
        }
    }
    return out;
}

} // namespace rolewall::kernel
