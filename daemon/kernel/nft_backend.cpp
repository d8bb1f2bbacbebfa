#include "nft_backend.hpp"

#include "compare.hpp"
#include "counters.hpp"
#include "dump.hpp"
#include "fingerprint.hpp"
#include "netlink.hpp"
#include "objects.hpp"
#include "plan.hpp"
#include "rolewall/state.hpp"
#include "transaction.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cerrno>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

namespace rolewall {

using namespace kernel;

static_assert(NftBackend::default_table_flags == (table_flag_owner | table_flag_persist));

namespace {

// Where check() builds its copy of the layout: never committed, and apart from the live
// table so that an owned table inet rolewall never conflicts with it.
constexpr const char *check_table = "rolewall_check";
// A read is retried when a commit by someone else lands in the middle of it.
constexpr int read_attempts = 3;

std::size_t element_count(const std::vector<SetContent> &sets) {
    std::size_t n = 0;
    for (const SetContent &s : sets)
        n += s.elements.size();
    return n;
}

bool refused_as_stale(const BatchOutcome &out, const SealedBatch &batch) {
    return std::any_of(out.errors.begin(), out.errors.end(), [&](const KernelError &e) {
        return e.seq == batch.begin_seq() && e.error == ERESTART;
    });
}

Error owned_elsewhere(std::uint32_t port) {
    return make_error(Errc::kernel_rejected,
                      "table inet rolewall belongs to another process (netlink port " +
                          std::to_string(port) + "); nothing was changed");
}

// Does the kernel take the table flags `wanted`? A batch without BATCH_END is checked and
// thrown away. Costly: the kernel waits for an RCU grace period (8-15 ms here) to throw a
// batch away.
std::uint32_t probe_table_flags(NetlinkSocket &sock, std::uint32_t wanted) {
    Batch probe(sock.next_seq());
    add_table_adoption(probe, "rolewall_probe_" + std::to_string(sock.portid()), wanted);
    auto out = sock.send(std::move(probe).check_only());
    return out && out->ok() ? wanted : 0;
}

// What a refused batch that created the table with flags the backend assumed says of them.
enum class FlagsAnswer { taken, refused, unknown };

FlagsAnswer flags_answer(const BatchOutcome &out, const SealedBatch &batch) {
    constexpr auto newtable =
        static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE);
    for (const KernelError &e : out.errors) {
        if (e.seq == batch.begin_seq()) return FlagsAnswer::unknown; // refused unread
        const nlmsghdr *m = batch.message(e.seq);
        // A kernel without a flag refuses the table with EOPNOTSUPP (nf_tables_newtable()).
        if (m && m->nlmsg_type == newtable)
            return e.error == EOPNOTSUPP ? FlagsAnswer::refused : FlagsAnswer::unknown;
    }
    return FlagsAnswer::taken; // another message was refused
}

// Batch memory kept for the next batch up to this size; a rare larger one (100,000 entries
// make 6.5 MB) is given back.
constexpr std::size_t kept_buffer = 1 << 20;

} // namespace

struct NftBackend::Impl {
    NetlinkSocket sock;
    std::uint32_t wanted; // the table flags to give the table when the kernel has them
    // owner|persist when the kernel has both, else 0; not known until needed (see flags()).
    std::optional<std::uint32_t> known_flags;
    // The flags of the last batch were assumed, not known (see plan()).
    bool flags_assumed = false;
    std::optional<Cache> cache;

    BatchBuffer spare;  // memory of the last batch, for the next one
    CounterClock clock; // since when each chain counts

    // The table flags, probed on first need unless a table already told (learn()).
    std::uint32_t flags() {
        if (!known_flags) known_flags = probe_table_flags(sock, wanted);
        return *known_flags;
    }
    // Only a kernel with both flags holds a table flagged persist.
    void learn(const KernelTable &t) {
        if (t.flags & table_flag_persist) known_flags = wanted;
    }
    Status load(const Layout *reference);
    Result<Plan> plan(const Layout &desired, const ApplyHint &hint);
    Result<ApplyReport> apply_once(const Layout &desired, const ApplyHint &hint, bool &again);
    void remember(const Layout &desired, const Plan &plan, const BatchOutcome &out);
};

NftBackend::NftBackend(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NftBackend::~NftBackend() = default;

std::uint32_t NftBackend::table_flags() {
    return impl_->flags();
}
void NftBackend::forget() {
    impl_->cache.reset();
}

Result<std::unique_ptr<NftBackend>> NftBackend::open(std::uint32_t wanted) {
    auto sock = NetlinkSocket::open();
    if (!sock) return sock.error();
    auto impl = std::make_unique<Impl>(
        Impl{std::move(*sock), wanted, std::nullopt, false, std::nullopt, {}, {}});
    return std::unique_ptr<NftBackend>(new NftBackend(std::move(impl)));
}

Result<std::unique_ptr<Backend>> make_nft_backend() {
    auto b = NftBackend::open();
    if (!b) return b.error();
    return std::unique_ptr<Backend>(std::move(*b));
}

std::string nft_fingerprint(const Layout &layout) {
    return kernel::fingerprint(layout);
}

std::string NftBackend::fingerprint(const Layout &layout) const {
    return nft_fingerprint(layout);
}

// Reads the whole table between two generation reads (when they differ, someone committed in
// between and the read starts again) and compares it with `reference`: when it is exactly
// that layout, the cache knows the kernel holds it; else the table is to be replaced. A
// table another live process owns is not read further: it cannot be touched.
Status NftBackend::Impl::load(const Layout *reference) {
    cache.reset();
    for (int attempt = 0; attempt < read_attempts; ++attempt) {
        auto gen = read_generation(sock);
        if (!gen) return gen.error();
        auto table = read_table(sock, table_name);
        if (!table) return table.error();
        Cache c;
        c.table = *table;
        c.known = !c.table; // no table: nothing to doubt
        if (c.table) {
            c.ours = c.table->owner && *c.table->owner == sock.portid();
            learn(*c.table);
        }
        if (c.table && (!c.table->owner || c.ours)) {
            auto content = read_content(sock, table_name);
            if (!content) return content.error();
            clock.seen(chain_counts(content->rules), realtime_usec());
            if (reference) {
                // Shells of roles disabled before the read (a restart, a repair) are ours.
                std::optional<Layout> shells = with_shells(*reference, *content);
                const Layout &want = shells ? *shells : *reference;
                Comparison cmp = compare_table(*c.table, *content, want, flags());
                c.known = cmp.differences.empty();
                c.differences = std::move(cmp.differences);
                c.dispatch = std::move(cmp.dispatch);
                if (c.known) c.held = want;
            } else {
                c.differences.push_back("the table was read without a layout to compare it with");
            }
        }
        auto again = read_generation(sock);
        if (!again) return again.error();
        if (*again != *gen) continue;
        if (!c.table) clock.clear();
        c.genid = *gen;
        cache = std::move(c);
        return Ok{};
    }
    return make_error(Errc::io, "table inet rolewall kept changing while it was read");
}

Result<std::vector<SetContent>> NftBackend::read() {
    std::optional<Layout> held;
    if (impl_->cache && impl_->cache->known) held = std::move(impl_->cache->held);
    if (auto st = impl_->load(held ? &*held : nullptr); !st) return st.error();
    return read_sets(impl_->sock, table_name);
}

Result<KernelCheck> NftBackend::verify(const Layout &expected) {
    auto table = read_table(impl_->sock, table_name);
    if (!table) return table.error();
    KernelCheck out;
    if (!*table) {
        out.differences.push_back("the kernel holds no table inet rolewall");
        return out;
    }
    impl_->learn(**table);
    auto content = read_content(impl_->sock, table_name);
    if (!content) return content.error();
    out.differences = compare_table(**table, *content, expected, impl_->flags()).differences;
    out.matches = out.differences.empty();
    return out;
}

Result<TablePresence> NftBackend::presence() {
    auto table = read_table(impl_->sock, table_name);
    if (!table) return table.error();
    TablePresence p;
    if (!*table) return p;
    const KernelTable &t = **table;
    p.exists = true;
    if (t.owner && *t.owner != impl_->sock.portid()) p.other_owner = t.owner;
    p.comment = t.comment;
    p.failsafe = t.comment == table_comment(failsafe_layout(), fingerprint_in(t.comment));
    return p;
}

// One NEWTABLE with our flags, tied to the generation read with the table: a table that
// changed hands in between is refused (ERESTART) and read again.
Result<ApplyReport> NftBackend::keep() {
    Impl &m = *impl_;
    m.cache.reset(); // the next apply() reads the table back and compares it
    for (int attempt = 0; attempt < read_attempts; ++attempt) {
        auto gen = read_generation(m.sock);
        if (!gen) return gen.error();
        auto table = read_table(m.sock, table_name);
        if (!table) return table.error();
        ApplyReport report;
        if (!*table) return report;
        const KernelTable &t = **table;
        if (t.owner && *t.owner != m.sock.portid()) return owned_elsewhere(*t.owner);
        // Ours already, or not persist (the kernel adopts only those, and only a kernel with
        // both flags holds one).
        if (t.owner || !(t.flags & table_flag_persist)) return report;
        m.learn(t);
        Batch batch(m.sock.next_seq(), *gen);
        add_table_adoption(batch, table_name, m.wanted);
        report.messages = batch.messages();
        SealedBatch sealed = std::move(batch).commit();
        auto out = m.sock.send(sealed);
        if (!out) return out.error();
        if (out->ok()) return report;
        if (!refused_as_stale(*out, sealed)) return describe_refusal(sealed, *out);
    }
    return make_error(Errc::io, "table inet rolewall kept changing while it was taken over");
}

// What to send: everything when there is no table; the table anew when it is not exactly what
// the backend knows (or cannot become ours: only an orphaned persist table can be taken over)
// or the skeleton changes; else the changed roles in place, taking the table over first if
// its owner went away.
Result<Plan> NftBackend::Impl::plan(const Layout &desired, const ApplyHint &hint) {
    const Cache &c = *cache;
    if (c.table && c.table->owner && !c.ours) return owned_elsewhere(*c.table->owner);
    Plan p;
    // No table and the flags not known yet (a cold start): create it with owner|persist
    // rather than probe first; a kernel without them refuses the batch, and apply_once()
    // probes and sends it again.
    flags_assumed = !known_flags && !c.table;
    if (flags_assumed) known_flags = wanted;
    const std::uint32_t flags = this->flags();
    bool adoptable = !flags || (c.table && (c.table->flags & table_flag_persist));
    bool in_place = c.table && c.known && adoptable && c.held.same_skeleton(desired);
    if (in_place) p.steps = role_steps(c, desired, hint);
    in_place = in_place && p.steps.feasible;
    bool adopt = in_place && flags && !c.ours;
    if (in_place && p.steps.empty() && !adopt) return p; // nothing to send
    // A table that is not ours could change between our read and this batch: tie the batch
    // to the generation we read (the kernel then refuses it with ERESTART).
    Batch batch(sock.next_seq(), c.table && !c.ours ? c.genid : std::nullopt, std::move(spare));
    if (in_place) {
        if (adopt) add_table_adoption(batch, table_name, flags);
        add_steps(batch, c, desired, p.steps);
        p.report.kind =
            p.steps.empty() ? ApplyReport::Kind::unchanged : ApplyReport::Kind::elements;
        count_elements(c, desired, p.steps, p.report);
    } else {
        p.replace = true;
        if (c.table) add_table_delete(batch, table_name);
        TableObjects objects = table_objects(table_name, flags, desired,
                                             table_comment(desired, kernel::fingerprint(desired)));
        add_creation(batch, objects);
        p.report.kind = c.table ? ApplyReport::Kind::replaced : ApplyReport::Kind::created;
        p.report.added = element_count(desired.sets);
        p.report.removed = c.known ? element_count(c.held.sets) : 0;
        p.report.differences = c.differences;
    }
    p.report.messages = batch.messages();
    p.batch = std::move(batch).commit();
    return p;
}

// After a commit the cache holds what the kernel now holds, without reading it back; the
// handles of new dispatch rules come from the kernel's echo.
void NftBackend::Impl::remember(const Layout &desired, const Plan &p, const BatchOutcome &out) {
    Cache &c = *cache;
    c.genid.reset(); // only the first batch after a read is tied to its generation
    if (std::uint32_t flags = this->flags()) {
        if (!c.table) c.table = KernelTable{};
        c.table->flags = flags;
        c.table->owner = sock.portid();
        c.ours = true;
    }
    std::uint64_t now = realtime_usec();
    if (p.replace) {
        clock.table_created(desired, now);
        if (!c.table) c.table = KernelTable{};
        c.held = desired;
        c.known = true;
        c.differences.clear();
        c.dispatch.clear();
    } else {
        for (const std::string &id : p.steps.removed) {
            c.dispatch.erase(id);
            clock.role_removed(id);
        }
        for (const std::string &id : p.steps.added)
            clock.role_created(id, now);
        copy_role_parts(c.held, desired, p.steps.touched);
    }
    std::vector<EchoedRule> echoed = out.echoed;
    std::sort(echoed.begin(), echoed.end(),
              [](const EchoedRule &a, const EchoedRule &b) { return a.seq < b.seq; });
    for (const EchoedRule &e : echoed)
        if (const MessageInfo *info = p.batch->info(e.seq); info && info->echo)
            c.dispatch[info->role].push_back(e.handle);
}

Result<ApplyReport> NftBackend::Impl::apply_once(const Layout &desired, const ApplyHint &hint,
                                                 bool &again) {
    again = false;
    if (hint.read_back() && cache && cache->known) {
        // Compare the kernel with what this backend last applied: a difference is a change
        // made behind its back.
        Layout held = std::move(cache->held);
        if (auto st = load(&held); !st) return st.error();
    } else if (!cache || hint.read_back()) {
        if (auto st = load(&desired); !st) return st.error();
    }
    const ApplyHint all = ApplyHint::everything(); // freshly read: look at everything
    auto p = plan(desired, cache->genid ? all : hint);
    if (!p) return p.error();
    if (!p->batch) return p->report;
    auto out = sock.send(*p->batch);
    // What the answer says of the flags plan() assumed, if it did.
    FlagsAnswer flags = FlagsAnswer::taken;
    if (flags_assumed && !out)
        flags = FlagsAnswer::unknown;
    else if (flags_assumed && !out->ok())
        flags = flags_answer(*out, *p->batch);
    flags_assumed = false;
    if (flags == FlagsAnswer::unknown) known_flags.reset(); // assumed again next time
    Result<ApplyReport> result = p->report;
    if (!out) {
        cache.reset(); // the outcome is unknown: read the kernel again next time
        result = out.error();
    } else if (out->ok()) {
        remember(desired, *p, *out);
    } else if (flags == FlagsAnswer::refused) {
        // A kernel without the flags it assumed: planned again without them.
        known_flags = 0;
        cache.reset();
        again = true;
    } else {
        // The kernel kept its state. Our picture of it stays right unless someone else could
        // have changed the table (not ours) or committed since we read it (ERESTART).
        again = refused_as_stale(*out, *p->batch);
        if (again || !cache->ours) cache.reset();
        result = describe_refusal(*p->batch, *out);
    }
    BatchBuffer used = std::move(*p->batch).take_buffer();
    if (used.capacity <= kept_buffer) spare = std::move(used);
    return result;
}

Result<ApplyReport> NftBackend::apply(const Layout &desired, const ApplyHint &hint) {
    bool again = false;
    auto r = impl_->apply_once(desired, hint, again);
    if (again) r = impl_->apply_once(desired, ApplyHint::everything(), again);
    return r;
}

Result<Counters> NftBackend::counters() {
    auto rules = read_rules(impl_->sock, table_name);
    if (!rules) return rules.error();
    return impl_->clock.report(chain_counts(*rules), realtime_usec());
}

Status NftBackend::check(const Layout &desired) {
    Batch batch(impl_->sock.next_seq());
    TableObjects objects =
        table_objects(check_table, 0, desired, table_comment(desired, fingerprint(desired)));
    add_creation(batch, objects);
    SealedBatch sealed = std::move(batch).check_only();
    auto out = impl_->sock.send(sealed);
    if (!out) return out.error();
    if (!out->ok()) return describe_refusal(sealed, *out);
    return Ok{};
}

} // namespace rolewall
