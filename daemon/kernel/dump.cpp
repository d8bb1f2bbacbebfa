#include "dump.hpp"

#include "objects.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <linux/netfilter.h>
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

// The spec of a set as the kernel lists it; nullopt for sets rolewall does not make
// (anonymous ones, unknown key types).
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
    if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
        std::uint32_t len = 0;
        const void *ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
        spec.comment = udata_string(ud, len, NFTNL_UDATA_SET_COMMENT);
    }
    return spec;
}

RawElement raw_of(nftnl_set_elem *e) {
    RawElement r;
    std::uint32_t len = 0;
    const auto *key =
        static_cast<const std::uint8_t *>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len));
    if (key) r.key.assign(key, key + len);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
        r.end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
        const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
        r.comment = udata_string(ud, len, NFTNL_UDATA_SET_ELEM_COMMENT);
    }
    return r;
}

// GETSETELEM dump of one set.
Result<std::vector<Element>> read_elements(NetlinkSocket &sock, const std::string &table,
                                           const SetSpec &spec) {
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
        SetPtr s = new_set();
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
        nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name.c_str());
        auto rc = sock.request(
            NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
            [&](nlmsghdr *nlh) { nftnl_set_elems_nlmsg_build_payload(nlh, s.get()); },
            [&](const nlmsghdr *nlh) { nftnl_set_elems_nlmsg_parse(nlh, s.get()); });
        if (!rc) return rc.error();
        if (*rc == EINTR) continue;
        if (*rc != 0) return kernel_io("cannot list set \"" + spec.name + "\"", *rc);
        std::vector<RawElement> raw;
        nftnl_set_elem_foreach(
            s.get(),
            [](nftnl_set_elem *e, void *data) {
                static_cast<std::vector<RawElement> *>(data)->push_back(raw_of(e));
                return 0;
            },
            &raw);
        return rebuild_ranges(std::move(raw), spec.interval);
    }
    return kernel_io("cannot list set \"" + spec.name + "\"", EINTR);
}

// GETSET dump of the table's sets.
Result<std::vector<SetSpec>> read_set_specs(NetlinkSocket &sock, const std::string &table) {
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
        std::vector<SetSpec> specs;
        SetPtr filter = new_set();
        nftnl_set_set_str(filter.get(), NFTNL_SET_TABLE, table.c_str());
        auto rc = sock.request(
            NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP,
            [&](nlmsghdr *nlh) { nftnl_set_nlmsg_build_payload(nlh, filter.get()); },
            [&](const nlmsghdr *nlh) {
                SetPtr s = new_set();
                if (nftnl_set_nlmsg_parse(nlh, s.get()) < 0) return;
                if (auto spec = spec_of(s.get())) specs.push_back(std::move(*spec));
            });
        if (!rc) return rc.error();
        if (*rc == EINTR) continue;
        if (*rc == ENOENT) return std::vector<SetSpec>{};
        if (*rc != 0) return kernel_io("cannot list the sets of table inet " + table, *rc);
        return specs;
    }
    return kernel_io("cannot list the sets of table inet " + table, EINTR);
}

} // namespace

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
            if (open) out.back().hi = key_predecessor(std::move(r.key));
            open = false;
        } else {
            Bytes max(r.key.size(), 0xff);
            out.push_back({std::move(r.key), std::move(max), std::move(r.comment)});
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
    auto specs = read_set_specs(sock, table);
    if (!specs) return specs.error();
    std::sort(specs->begin(), specs->end(),
              [](const SetSpec &a, const SetSpec &b) { return a.name < b.name; });
    std::vector<SetContent> out;
    out.reserve(specs->size());
    for (SetSpec &spec : *specs) {
        auto elements = read_elements(sock, table, spec);
        if (!elements) return elements.error();
        out.push_back({std::move(spec), std::move(*elements)});
    }
    return out;
}

} // namespace rolewall::kernel
