#include "transaction.hpp"

#include "dump.hpp"
#include "objects.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

namespace rolewall::kernel {

namespace {

// Room for one object message (table, set, chain, rule): the largest, a rule with eleven
// expressions and a comment, takes well under 1 KiB.
constexpr std::size_t object_room = 4096;
// What one object message takes at most, for sizing a whole batch up front.
constexpr std::size_t object_bytes = 1024;
// Room for one element message: libnftnl stops a message once its element list passes
// 64 KiB (the u16 attribute length), so one element more (under 512 bytes with a 256-byte
// comment) and the names of table and set are all that can come on top.
constexpr std::size_t element_room = 64 * 1024 + 4096;

constexpr std::uint16_t create = NLM_F_CREATE | NLM_F_EXCL;

void add_table_msg(Batch &b, std::uint16_t type, std::uint16_t flags, const nftnl_table *t,
                   const char *action) {
    b.add(type, NFPROTO_INET, flags, object_room,
          {action, nftnl_table_get_str(t, NFTNL_TABLE_NAME), {}, false},
          [&](nlmsghdr *nlh) { nftnl_table_nlmsg_build_payload(nlh, t); });
}

void add_chain(Batch &b, const nftnl_chain *chain, const std::string &role) {
    b.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, create, object_room,
          {"add chain", nftnl_chain_get_str(chain, NFTNL_CHAIN_NAME), role, false},
          [&](nlmsghdr *nlh) {
              nftnl_chain_nlmsg_build_payload(nlh, const_cast<nftnl_chain *>(chain));
          });
}

// NLM_F_APPEND: without it (and without a position) the kernel inserts at the head of the
// chain. With `before`, the rule goes in front of the rule of that handle.
void add_rule(Batch &b, const nftnl_rule *rule, const std::string &role, bool echo,
              std::optional<std::uint64_t> before = std::nullopt) {
    auto flags = static_cast<std::uint16_t>(NLM_F_CREATE | (before ? 0 : NLM_F_APPEND) |
                                            (echo ? NLM_F_ECHO : 0));
    MessageInfo info{"add a rule to chain", nftnl_rule_get_str(rule, NFTNL_RULE_CHAIN), role,
                     false};
    info.echo = echo;
    b.add(NFT_MSG_NEWRULE, NFPROTO_INET, flags, object_room, std::move(info), [&](nlmsghdr *nlh) {
        auto *r = const_cast<nftnl_rule *>(rule);
        if (before) nftnl_rule_set_u64(r, NFTNL_RULE_POSITION, *before);
        nftnl_rule_nlmsg_build_payload(nlh, r);
        if (before) nftnl_rule_unset(r, NFTNL_RULE_POSITION);
    });
}

void add_set(Batch &b, const nftnl_set *s, const std::string &role) {
    b.add(NFT_MSG_NEWSET, NFPROTO_INET, create, object_room,
          {"add set", nftnl_set_get_str(s, NFTNL_SET_NAME), role, false},
          [&](nlmsghdr *nlh) { nftnl_set_nlmsg_build_payload(nlh, const_cast<nftnl_set *>(s)); });
}

// An upper bound of what `elements` take in a message: per range a start and an END element,
// each a nest with a flags attribute and a key of at most 16 bytes (48 bytes), and the
// start's userdata (comment, NUL, open-interval flag: 12 bytes of TLV headers and padding).
std::size_t elements_bytes(const std::vector<Element> &elements) {
    std::size_t n = 0;
    for (const Element &e : elements)
        n += 2 * 48 + 12 + e.comment.size();
    return n;
}

// As many NEWSETELEM/DELSETELEM messages as the elements need, each under 64 KiB. `bytes`
// bounds the room the first message asks for, so that a small change does not make the
// batch grow its buffer to 68 KiB.
void add_elements(Batch &b, std::uint16_t type, const nftnl_set *s, const MessageInfo &info,
                  std::size_t bytes = element_room) {
    SetElemsIterPtr it = new_set_elems_iter(s);
    if (!nftnl_set_elems_iter_cur(it.get())) return; // no elements, no message
    std::uint16_t flags = type == NFT_MSG_NEWSETELEM ? create : 0;
    std::size_t room = std::min(element_room, bytes + object_room);
    for (bool more = true; more; room = element_room)
        b.add(type, NFPROTO_INET, flags, room, info, [&](nlmsghdr *nlh) {
            more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it.get()) > 0;
        });
}

void add_named_set(Batch &b, const std::string &table, const NamedSet &ns, Part part) {
    const SetSpec &spec = ns.content->spec;
    add_set(b, ns.decl.get(), spec.role);
    if (part == Part::skeleton) return;
    SetPtr elems =
        elements_object(table, spec.name, spec.interval, ns.content->elements, true, ns.id);
    add_elements(b, NFT_MSG_NEWSETELEM, elems.get(),
                 {"add elements to set", spec.name, spec.role, true},
                 elements_bytes(ns.content->elements));
}

void add_rule_object(Batch &b, const RuleObject &r, std::optional<std::uint64_t> before = {}) {
    if (r.anonymous) {
        add_set(b, r.anonymous->set.get(), r.role);
        add_elements(b, NFT_MSG_NEWSETELEM, r.anonymous->set.get(),
                     {"add elements to the anonymous set of", "chain input", r.role, false},
                     object_room);
    }
    add_rule(b, r.rule.get(), r.role, r.dispatch, before);
}

// An upper bound of what a role's objects take: their elements, and a message per object and
// per 64 KiB of elements.
void count_role(const RoleObjects &r, std::size_t &bytes, std::size_t &messages) {
    messages += 1 + r.rules.size() + r.dispatch.size();
    for (const NamedSet &ns : r.sets) {
        std::size_t elements = elements_bytes(ns.content->elements);
        bytes += elements;
        messages += 2 + elements / (64 * 1024);
    }
}

void reserve(Batch &b, std::size_t bytes, std::size_t messages) {
    b.reserve(bytes + messages * object_bytes, messages);
}

} // namespace

void add_creation(Batch &batch, const TableObjects &t, Part part) {
    std::size_t bytes = 0, messages = 4 + 2 * t.input.size();
    for (const RoleObjects &r : t.roles)
        count_role(r, bytes, messages);
    reserve(batch, bytes, messages);
    if (part == Part::everything)
        add_table_msg(batch, NFT_MSG_NEWTABLE, create, t.table.get(), "add table inet");
    const std::string table = nftnl_table_get_str(t.table.get(), NFTNL_TABLE_NAME);
    for (const ChainObject &c : t.chains)
        add_chain(batch, c.chain.get(), c.role);
    for (const RoleObjects &r : t.roles)
        add_chain(batch, r.chain.chain.get(), r.role);
    for (const RoleObjects &r : t.roles)
        for (const NamedSet &ns : r.sets)
            add_named_set(batch, table, ns, part);
    for (const RuleObject &r : t.input)
        add_rule_object(batch, r);
    for (const RoleObjects &r : t.roles)
        for (const RuleObject &d : r.dispatch)
            add_rule_object(batch, d);
    for (const RoleObjects &r : t.roles)
        for (const RuleObject &rule : r.rules)
            add_rule_object(batch, rule);
}

void add_role(Batch &batch, const RoleObjects &role, std::optional<std::uint64_t> before) {
    std::size_t bytes = 0, messages = 0;
    count_role(role, bytes, messages);
    reserve(batch, bytes, messages);
    const std::string table = nftnl_chain_get_str(role.chain.chain.get(), NFTNL_CHAIN_TABLE);
    add_chain(batch, role.chain.chain.get(), role.role);
    for (const NamedSet &ns : role.sets)
        add_named_set(batch, table, ns, Part::everything);
    for (const RuleObject &rule : role.rules)
        add_rule_object(batch, rule);
    for (const RuleObject &d : role.dispatch)
        add_rule_object(batch, d, before);
}

void add_role_removal(Batch &batch, const std::string &table, const std::string &role,
                      const std::vector<std::uint64_t> &dispatch,
                      const std::vector<std::string> &sets) {
    for (std::uint64_t handle : dispatch) {
        RulePtr r = new_rule();
        nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table.c_str());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, roles_chain);
        nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
        batch.add(NFT_MSG_DELRULE, NFPROTO_INET, 0, object_room,
                  {"delete a rule of chain", roles_chain, role, false},
                  [&](nlmsghdr *nlh) { nftnl_rule_nlmsg_build_payload(nlh, r.get()); });
    }
    // The kernel deletes a chain with its rules, once nothing jumps to it any more.
    ChainPtr c = chain_object(table, role_chain(role), {});
    batch.add(NFT_MSG_DELCHAIN, NFPROTO_INET, 0, object_room,
              {"delete chain", role_chain(role), role, false},
              [&](nlmsghdr *nlh) { nftnl_chain_nlmsg_build_payload(nlh, c.get()); });
    for (const std::string &name : sets) {
        SetPtr s = new_set();
        nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
        nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
        batch.add(NFT_MSG_DELSET, NFPROTO_INET, 0, object_room, {"delete set", name, role, false},
                  [&](nlmsghdr *nlh) { nftnl_set_nlmsg_build_payload(nlh, s.get()); });
    }
}

void add_table_delete(Batch &batch, const std::string &table) {
    TablePtr t = table_ref(table);
    add_table_msg(batch, NFT_MSG_DELTABLE, 0, t.get(), "delete table inet");
}

void add_table_adoption(Batch &batch, const std::string &table, std::uint32_t flags) {
    TablePtr t = table_ref(table);
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, flags);
    add_table_msg(batch, NFT_MSG_NEWTABLE, NLM_F_CREATE, t.get(), "take over table inet");
}

void add_changes(Batch &batch, const std::string &table, const std::vector<SetChange> &changes) {
    std::size_t bytes = 0, messages = 0;
    for (const SetChange &c : changes) {
        bytes += elements_bytes(c.remove) + elements_bytes(c.add) + 2 * object_bytes;
        messages += 2 + (elements_bytes(c.remove) + elements_bytes(c.add)) / (64 * 1024);
    }
    batch.reserve(bytes, messages);
    for (const SetChange &c : changes) {
        SetPtr del = elements_object(table, c.set, c.interval, c.remove, false, 0);
        add_elements(batch, NFT_MSG_DELSETELEM, del.get(),
                     {"delete elements from set", c.set, c.role, true}, elements_bytes(c.remove));
        SetPtr add = elements_object(table, c.set, c.interval, c.add, true, 0);
        add_elements(batch, NFT_MSG_NEWSETELEM, add.get(),
                     {"add elements to set", c.set, c.role, true}, elements_bytes(c.add));
    }
}

namespace {

// The comment of an element nest (NFTA_LIST_ELEM), "" when it has none.
std::string element_comment(const nlattr *elem) {
    std::string out;
    for_each_attr(mnl_attr_get_payload(elem), mnl_attr_get_payload_len(elem), [&](const nlattr *a) {
        if (mnl_attr_get_type(a) == NFTA_SET_ELEM_USERDATA)
            out = udata_string(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
                               NFTNL_UDATA_SET_ELEM_COMMENT);
    });
    return out;
}

// The comment naming the services of the element the kernel refused: the element at
// `offset` (an END element takes the comment of the start before it), or without an offset
// the first comment of the message.
std::string refused_element_comment(const nlmsghdr *nlh, std::optional<std::uint32_t> offset) {
    std::string last, found;
    bool done = false;
    const char *base = reinterpret_cast<const char *>(nlh);
    for_each_attr(
        mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)),
        nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(nfgenmsg)), [&](const nlattr *list) {
            if (mnl_attr_get_type(list) != NFTA_SET_ELEM_LIST_ELEMENTS) return;
            for_each_attr(mnl_attr_get_payload(list), mnl_attr_get_payload_len(list),
                          [&](const nlattr *elem) {
                              if (done) return;
                              if (std::string c = element_comment(elem); !c.empty()) last = c;
                              auto at = static_cast<std::uint32_t>(
                                  reinterpret_cast<const char *>(elem) - base);
                              bool hit = offset ? (*offset >= at && *offset < at + elem->nla_len)
                                                : !last.empty();
                              if (hit) found = last, done = true;
                          });
        });
    return found;
}

// "ad-dc: kerberos-kdc, ldap" -> "kerberos-kdc, ldap"
std::string services_in(const std::string &comment) {
    auto colon = comment.find(": ");
    return colon == std::string::npos ? comment : comment.substr(colon + 2);
}

const KernelError &root_cause(const SealedBatch &batch, const BatchOutcome &outcome) {
    for (const KernelError &e : outcome.errors)
        if (batch.info(e.seq)) return e; // the first refused message
    return outcome.errors.front();       // the batch as a whole
}

} // namespace

Error describe_refusal(const SealedBatch &batch, const BatchOutcome &outcome) {
    const KernelError &e = root_cause(batch, outcome);
    Error err = make_error(Errc::kernel_rejected, {});
    std::string reason = errno_text(e.error) + (e.message.empty() ? "" : " (" + e.message + ")");
    const MessageInfo *info = batch.info(e.seq);
    if (!info) {
        err.message = "the kernel refused the transaction: " + reason;
        return err;
    }
    err.role = info->role;
    if (info->elements) {
        std::string comment = refused_element_comment(batch.message(e.seq), e.offset);
        if (!comment.empty()) err.service = services_in(comment);
    }
    err.message = "the kernel refused to " + info->what();
    if (!err.role.empty()) err.message += " for role \"" + err.role + "\"";
    if (!err.service.empty()) err.message += ", service \"" + err.service + "\"";
    err.message += ": " + reason;
    return err;
}

} // namespace rolewall::kernel
