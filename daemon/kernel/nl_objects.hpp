// One RAII owner per libnftnl/libmnl object kind. libnftnl takes ownership in a few calls
// (nftnl_rule_add_expr, nftnl_set_elem_add): pass `ptr.release()` there so the transfer shows
// at the call site.
#pragma once

// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <memory>
#include <netinet/in.h>
#include <new>

namespace rolewall::kernel {

template <auto Free> struct Freer {
    template <typename T> void operator()(T *p) const { Free(p); }
};

using TablePtr = std::unique_ptr<nftnl_table, Freer<nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Freer<nftnl_chain_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Freer<nftnl_rule_free>>;
using ExprPtr = std::unique_ptr<nftnl_expr, Freer<nftnl_expr_free>>;
using ExprIterPtr = std::unique_ptr<nftnl_expr_iter, Freer<nftnl_expr_iter_destroy>>;
using SetPtr = std::unique_ptr<nftnl_set, Freer<nftnl_set_free>>;
using SetElemPtr = std::unique_ptr<nftnl_set_elem, Freer<nftnl_set_elem_free>>;
using SetElemsIterPtr = std::unique_ptr<nftnl_set_elems_iter, Freer<nftnl_set_elems_iter_destroy>>;
using GenPtr = std::unique_ptr<nftnl_gen, Freer<nftnl_gen_free>>;
using ObjPtr = std::unique_ptr<nftnl_obj, Freer<nftnl_obj_free>>;
using FlowtablePtr = std::unique_ptr<nftnl_flowtable, Freer<nftnl_flowtable_free>>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, Freer<nftnl_udata_buf_free>>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, Freer<mnl_socket_close>>;

// libnftnl's allocators return NULL only when memory is exhausted.
template <typename Ptr, typename Raw> Ptr owned(Raw *raw) {
    if (!raw) throw std::bad_alloc();
    return Ptr(raw);
}

inline TablePtr new_table() {
    return owned<TablePtr>(nftnl_table_alloc());
}
inline ChainPtr new_chain() {
    return owned<ChainPtr>(nftnl_chain_alloc());
}
inline RulePtr new_rule() {
    return owned<RulePtr>(nftnl_rule_alloc());
}
inline ExprPtr new_expr(const char *name) {
    return owned<ExprPtr>(nftnl_expr_alloc(name));
}
inline SetPtr new_set() {
    return owned<SetPtr>(nftnl_set_alloc());
}
inline SetElemPtr new_set_elem() {
    return owned<SetElemPtr>(nftnl_set_elem_alloc());
}
inline ObjPtr new_obj() {
    return owned<ObjPtr>(nftnl_obj_alloc());
}
inline FlowtablePtr new_flowtable() {
    return owned<FlowtablePtr>(nftnl_flowtable_alloc());
}
inline GenPtr new_gen() {
    return owned<GenPtr>(nftnl_gen_alloc());
}
inline SetElemsIterPtr new_set_elems_iter(const nftnl_set *s) {
    return owned<SetElemsIterPtr>(nftnl_set_elems_iter_create(s));
}
// Userdata TLVs are at most 255 bytes each; the kernel keeps at most 256 bytes per object
// (NFT_USERDATA_MAXLEN), so that is all the room a buffer ever needs.
inline constexpr unsigned udata_capacity = 256;
inline UdataPtr new_udata() {
    return owned<UdataPtr>(nftnl_udata_buf_alloc(udata_capacity));
}

} // namespace rolewall::kernel
