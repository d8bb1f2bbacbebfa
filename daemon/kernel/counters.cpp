#include "counters.hpp"

namespace rolewall::kernel {

ChainCounts chain_counts(const std::vector<RulePtr> &rules) {
    ChainCounts out;
    for (const RulePtr &r : rules) {
        const char *chain = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
        if (!chain) continue;
        Count &c = out[chain];
        auto it = owned<ExprIterPtr>(nftnl_expr_iter_create(r.get()));
        for (nftnl_expr *e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get()))
            if (std::string(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) == "counter") {
                c.packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
                c.bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
            }
    }
    return out;
}

void CounterClock::table_created(const Layout &layout, std::uint64_t now) {
    start_.clear();
    start_[input_chain] = Count{0, 0, now};
    for (const RoleChain &r : layout.roles)
        start_[role_chain(r.role)] = Count{0, 0, now};
}

void CounterClock::role_created(const std::string &role, std::uint64_t now) {
    start_[role_chain(role)] = Count{0, 0, now};
}

void CounterClock::role_removed(const std::string &role) {
    start_.erase(role_chain(role));
}

void CounterClock::seen(const ChainCounts &counts, std::uint64_t now) {
    for (const auto &[chain, c] : counts)
        start_.try_emplace(chain, Count{c.packets, c.bytes, now});
}

Counters CounterClock::report(const ChainCounts &counts, std::uint64_t now) {
    seen(counts, now);
    const std::string prefix = role_chain("");
    Counters out;
    for (const auto &[chain, c] : counts) {
        Count &start = start_[chain];
        if (c.packets < start.packets || c.bytes < start.bytes) start = Count{0, 0, now};
        Count counted{c.packets - start.packets, c.bytes - start.bytes, start.since_usec};
        if (chain == input_chain)
            out.policy = counted;
        else if (chain.starts_with(prefix))
            out.roles[chain.substr(prefix.size())] = counted;
    }
    return out;
}

} // namespace rolewall::kernel
