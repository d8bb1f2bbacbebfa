#include "dump.hpp"

#include "objects.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <functional>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

namespace rolewall::kernel {

namespace {

// A dump that a concurrent commit interrupted (EINTR) is started again, a few times.
constexpr int dump_attempts = 5;

std::optional<KeyType> key_type_of(std::uint32_t id) {
    for (KeyType t : {KeyType::ipv4_addr, KeyType::ipv6_addr, KeyType::inet_proto,
                      KeyType::inet_service, KeyType::nf_proto, KeyType::ifname})
        if (static_cast<std::uint32_t>(t) == id) return t;
    return std::nullopt;
}

Error kernel_io(const std::string &what, int error) {
    return make_error(Errc::io, what + ": " + errno_text(error));
}

// One attribute of an element nest: its key, its flags, its comment.
void element_attr(const nlattr *a, RawElement &r) {
    switch (mnl_attr_get_type(a)) {
    case NFTA_SET_ELEM_KEY:
        for_each_attr(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), [&](const nlattr *v) {
            if (mnl_attr_get_type(v) != NFTA_DATA_VALUE) return;
            const auto *p = static_cast<const std::uint8_t *>(mnl_attr_get_payload(v));
            r.key.assign(p, p + mnl_attr_get_payload_len(v));
        });
        break;
    case NFTA_SET_ELEM_FLAGS:
        r.end = ntohl(mnl_attr_get_u32(a)) & NFT_SET_ELEM_INTERVAL_END;
        break;
    case NFTA_SET_ELEM_USERDATA:
        r.comment = udata_string(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
                                 NFTNL_UDATA_SET_ELEM_COMMENT);
        break;
    }
}

// A dump (NLM_F_DUMP) of `type` for table `table`, started again when a commit interrupts it
// (EINTR). A missing table answers ENOENT: nothing to list.
Status dump(NetlinkSocket &sock, std::uint16_t type, const NetlinkSocket::Builder &build,
            const std::function<void()> &restart, const NetlinkSocket::Handler &on_reply,
            const std::string &what) {
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
        restart();
        auto rc = sock.request(type, NFPROTO_INET, NLM_F_DUMP, build, on_reply);
        if (!rc) return rc.error();
        if (*rc == EINTR) continue;
        if (*rc == ENOENT) {
            restart();
            return Ok{};
        }
        if (*rc != 0) return kernel_io("cannot list " + what, *rc);
        return Ok{};
    }
    return kernel_io("cannot list " + what, EINTR);
}

// The elements of one GETSETELEM answer, read straight from its attributes (no libnftnl
// object per element: a set may hold 100,000 of them).
void parse_elements(const nlmsghdr *nlh, std::vector<RawElement> &out) {
    const void *attrs = mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg));
    std::size_t len = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(nfgenmsg));
    for_each_attr(attrs, len, [&](const nlattr *list) {
        if (mnl_attr_get_type(list) != NFTA_SET_ELEM_LIST_ELEMENTS) return;
        for_each_attr(mnl_attr_get_payload(list), mnl_attr_get_payload_len(list),
                      [&](const nlattr *elem) {
                          RawElement r;
                          for_each_attr(mnl_attr_get_payload(elem), mnl_attr_get_payload_len(elem),
                                        [&](const nlattr *a) { element_attr(a, r); });
                          out.push_back(std::move(r));
                      });
    });
}

// GETSETELEM dump of one set.
Result<std::vector<RawElement>> read_raw_elements(NetlinkSocket &sock, const std::string &table,
                                                  const std::string &name) {
    std::vector<RawElement> raw;
    SetPtr s = new_set();
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
    auto st = dump(
        sock, NFT_MSG_GETSETELEM,
        [&](nlmsghdr *nlh) { nftnl_set_elems_nlmsg_build_payload(nlh, s.get()); },
        [&] { raw.clear(); }, [&](const nlmsghdr *nlh) { parse_elements(nlh, raw); },
        "set \"" + name + "\"");
    if (!st) return st.error();
    return raw;
}

// GETSET dump of the table's sets, named and anonymous.
Result<std::vector<KernelSet>> read_set_decls(NetlinkSocket &sock, const std::string &table) {
    std::vector<KernelSet> sets;
    SetPtr filter = new_set();
    nftnl_set_set_str(filter.get(), NFTNL_SET_TABLE, table.c_str());
    auto st = dump(
        sock, NFT_MSG_GETSET,
        [&](nlmsghdr *nlh) { nftnl_set_nlmsg_build_payload(nlh, filter.get()); },
        [&] { sets.clear(); },
        [&](const nlmsghdr *nlh) {
            SetPtr s = new_set();
            if (nftnl_set_nlmsg_parse(nlh, s.get()) < 0) return;
            const char *of = nftnl_set_get_str(s.get(), NFTNL_SET_TABLE);
            if (!of || table != of) return; // not every kernel filters the dump by table
            KernelSet k;
            k.name = nftnl_set_get_str(s.get(), NFTNL_SET_NAME);
            k.anonymous = nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS;
            k.decl = std::move(s);
            sets.push_back(std::move(k));
        },
        "the sets of table inet " + table);
    if (!st) return st.error();
    std::sort(sets.begin(), sets.end(),
              [](const KernelSet &a, const KernelSet &b) { return a.name < b.name; });
    return sets;
}

} // namespace

std::optional<SetSpec> spec_of(const nftnl_set *s) {
    std::uint32_t flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
    if (flags & NFT_SET_ANONYMOUS) return std::nullopt;
    auto type = key_type_of(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE));
    if (!type) return std::nullopt;
    SetSpec spec;
    spec.name = nftnl_set_get_str(s, NFTNL_SET_NAME);
    spec.type = *type;
    spec.interval = flags & NFT_SET_INTERVAL;
    spec.role = spec.name.substr(0, spec.name.rfind('_'));
    return spec;
}

std::vector<Element> rebuild_ranges(std::vector<RawElement> raw, bool interval) {
    // Ascending keys; at equal keys an END closes the range before the next one starts.
    std::sort(raw.begin(), raw.end(), [](const RawElement &a, const RawElement &b) {
        return a.key != b.key ? a.key < b.key : a.end > b.end;
    });
    std::vector<Element> out;
    out.reserve(interval ? raw.size() / 2 + 1 : raw.size());
    bool open = false; // out.back() waits for its END
    for (RawElement &r : raw) {
        if (!interval) {
            out.push_back({r.key, r.key, std::move(r.comment)});
        } else if (r.end) {
            if (open) out.back().hi = key_predecessor(r.key);
            open = false;
        } else {
            Bytes max(r.key.size(), 0xff);
            out.push_back({r.key, max, std::move(r.comment)});
            open = true;
        }
    }
    return out;
}

Result<std::uint32_t> read_generation(NetlinkSocket &sock) {
    std::uint32_t id = 0;
    auto rc = sock.request(NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, nullptr, [&](const nlmsghdr *nlh) {
        GenPtr g = new_gen();
        if (nftnl_gen_nlmsg_parse(nlh, g.get()) == 0) id = nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID);
    });
    if (!rc) return rc.error();
    if (*rc != 0) return kernel_io("cannot read the ruleset generation", *rc);
    return id;
}

Result<std::optional<KernelTable>> read_table(NetlinkSocket &sock, const std::string &name) {
    std::optional<KernelTable> out;
    TablePtr ref = table_ref(name);
    auto rc = sock.request(
        NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK,
        [&](nlmsghdr *nlh) { nftnl_table_nlmsg_build_payload(nlh, ref.get()); },
        [&](const nlmsghdr *nlh) {
            TablePtr t = new_table();
            if (nftnl_table_nlmsg_parse(nlh, t.get()) < 0) return;
            KernelTable k;
            k.handle = nftnl_table_get_u64(t.get(), NFTNL_TABLE_HANDLE);
            k.flags = table_flags_of(t.get()).value_or(0);
            if (nftnl_table_is_set(t.get(), NFTNL_TABLE_OWNER))
                k.owner = nftnl_table_get_u32(t.get(), NFTNL_TABLE_OWNER);
            k.comment = table_comment(t.get());
            out = std::move(k);
        });
    if (!rc) return rc.error();
    if (*rc == ENOENT) return std::optional<KernelTable>{};
    if (*rc != 0) return kernel_io("cannot read table inet " + name, *rc);
    return out;
}

Result<std::vector<SetContent>> read_sets(NetlinkSocket &sock, const std::string &table) {
    auto decls = read_set_decls(sock, table);
    if (!decls) return decls.error();
    std::vector<SetContent> out;
    out.reserve(decls->size());
    for (KernelSet &k : *decls) {
        auto spec = spec_of(k.decl.get());
        if (!spec) continue;
        auto raw = read_raw_elements(sock, table, k.name);
        if (!raw) return raw.error();
        out.push_back({std::move(*spec), rebuild_ranges(std::move(*raw), spec->interval)});
    }
    return out;
}

namespace {

template <typename Ptr, typename Parse>
Status read_objects(NetlinkSocket &sock, std::uint16_t type, const NetlinkSocket::Builder &build,
                    Ptr (*make)(), Parse parse, std::vector<Ptr> &out, const std::string &what) {
    return dump(
        sock, type, build, [&] { out.clear(); },
        [&](const nlmsghdr *nlh) {
            Ptr p = make();
            if (parse(nlh, p.get()) >= 0) out.push_back(std::move(p));
        },
        what);
}

// Named objects (counters, quotas, ...) and flowtables: rolewall makes none, so any is extra.
Status read_others(NetlinkSocket &sock, const std::string &table, std::vector<std::string> &out) {
    ObjPtr obj = new_obj();
    nftnl_obj_set_str(obj.get(), NFTNL_OBJ_TABLE, table.c_str());
    std::vector<ObjPtr> objs;
    auto st = read_objects(
        sock, NFT_MSG_GETOBJ, [&](nlmsghdr *nlh) { nftnl_obj_nlmsg_build_payload(nlh, obj.get()); },
        &new_obj, nftnl_obj_nlmsg_parse, objs, "the objects of table inet " + table);
    if (!st) return st;
    for (const ObjPtr &o : objs)
        out.push_back("object \"" + std::string(nftnl_obj_get_str(o.get(), NFTNL_OBJ_NAME)) + "\"");
    FlowtablePtr ft = new_flowtable();
    nftnl_flowtable_set_str(ft.get(), NFTNL_FLOWTABLE_TABLE, table.c_str());
    std::vector<FlowtablePtr> fts;
    st = read_objects(
        sock, NFT_MSG_GETFLOWTABLE,
        [&](nlmsghdr *nlh) { nftnl_flowtable_nlmsg_build_payload(nlh, ft.get()); }, &new_flowtable,
        nftnl_flowtable_nlmsg_parse, fts, "the flowtables of table inet " + table);
    if (!st) return st;
    for (const FlowtablePtr &f : fts)
        out.push_back("flowtable \"" +
                      std::string(nftnl_flowtable_get_str(f.get(), NFTNL_FLOWTABLE_NAME)) + "\"");
    return Ok{};
}

} // namespace

Result<std::vector<RulePtr>> read_rules(NetlinkSocket &sock, const std::string &table) {
    std::vector<RulePtr> rules;
    RulePtr rule = new_rule();
    nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, table.c_str());
    auto st = read_objects(
        sock, NFT_MSG_GETRULE,
        [&](nlmsghdr *nlh) { nftnl_rule_nlmsg_build_payload(nlh, rule.get()); }, &new_rule,
        nftnl_rule_nlmsg_parse, rules, "the rules of table inet " + table);
    if (!st) return st.error();
    // Keep what belongs to the table: not every kernel filters every dump by table.
    std::erase_if(rules, [&](const RulePtr &r) {
        const char *t = nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE);
        return !t || table != t || nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY) != NFPROTO_INET;
    });
    return rules;
}

Result<KernelContent> read_content(NetlinkSocket &sock, const std::string &table) {
    KernelContent k;
    ChainPtr chain = new_chain();
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, table.c_str());
    auto st = read_objects(
        sock, NFT_MSG_GETCHAIN,
        [&](nlmsghdr *nlh) { nftnl_chain_nlmsg_build_payload(nlh, chain.get()); }, &new_chain,
        nftnl_chain_nlmsg_parse, k.chains, "the chains of table inet " + table);
    if (!st) return st.error();
    // Keep what belongs to the table: not every kernel filters every dump by table.
    auto other_table = [&](const char *t) { return !t || table != t; };
    std::erase_if(k.chains, [&](const ChainPtr &c) {
        return other_table(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)) ||
               nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY) != NFPROTO_INET;
    });
    auto rules = read_rules(sock, table);
    if (!rules) return rules.error();
    k.rules = std::move(*rules);
    auto sets = read_set_decls(sock, table);
    if (!sets) return sets.error();
    for (KernelSet &s : *sets) {
        auto raw = read_raw_elements(sock, table, s.name);
        if (!raw) return raw.error();
        s.elements = std::move(*raw);
    }
    k.sets = std::move(*sets);
    if (st = read_others(sock, table, k.others); !st) return st.error();
    return k;
}

} // namespace rolewall::kernel
