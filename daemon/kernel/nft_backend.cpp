#include "nft_backend.hpp"

#include "dump.hpp"
#include "netlink.hpp"
#include "objects.hpp"
#include "transaction.hpp"

#include <algorithm>
// <arpa/inet.h> brings glibc's <netinet/in.h> before any <linux/...> header, whose
// <linux/in.h> then leaves those definitions to glibc.
#include <arpa/inet.h>
#include <cerrno>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

namespace rolewall {

using namespace kernel;

namespace {

// Where check() builds its copy of the layout: never committed, and apart from the live
// table so that an owned table inet rolewall never conflicts with it.
constexpr const char *check_table = "rolewall_check";
// A read is retried when a commit by someone else lands in the middle of it.
constexpr int read_attempts = 3;

// What a layout's fingerprint is made of (policy, chains, set declarations), kept to tell
// "same fingerprint" by comparing a few hundred short strings instead of rendering the
// skeleton and hashing it on every apply.
struct Skeleton {
    Policy policy = Policy::drop;
    std::vector<RoleChain> roles;
    std::vector<SetSpec> specs;

    static Skeleton of(const Layout &l) {
        Skeleton s{l.policy, l.roles, {}};
        s.specs.reserve(l.sets.size());
        for (const SetContent &c : l.sets)
            s.specs.push_back(c.spec);
        return s;
    }
    bool matches(const Layout &l) const {
        if (l.policy != policy || l.roles != roles || l.sets.size() != specs.size()) return false;
        for (std::size_t i = 0; i < specs.size(); ++i)
            if (!(l.sets[i].spec == specs[i])) return false;
        return true;
    }
};

// What the backend believes the kernel holds: table inet rolewall as of its last read or
// successful commit.
struct Cache {
    std::optional<KernelTable> table; // nullopt: no table
    std::string fingerprint;
    std::optional<Skeleton> skeleton; // of a layout with that fingerprint, once one was seen
    std::vector<SetContent> sets;
    bool ours = false;                  // the table's owner is our socket
    std::optional<std::uint32_t> genid; // generation of the read, for the first batch after it
};

// Sets whose elements differ, handed to rolewall::diff() alone: comparing equal sets is
// cheaper than sorting copies of them. The sets of roles the hint does not cover are taken to
// be unchanged and not even compared.
std::vector<SetChange> changes_between(const std::vector<SetContent> &have, const Layout &want,
                                       const ApplyHint &hint) {
    std::vector<SetContent> now, next;
    std::size_t i = 0; // both lists are sorted by name: walk them side by side
    for (const SetContent &d : want.sets) {
        if (!hint.covers(d.spec.role)) continue;
        while (i < have.size() && have[i].spec.name < d.spec.name)
            ++i;
        bool found = i < have.size() && have[i].spec.name == d.spec.name;
        if (found && have[i].elements == d.elements) continue;
        if (found) now.push_back(have[i]);
        next.push_back(d);
    }
    return diff(now, next);
}

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

// One transaction to make: its kind, its element changes, and the batch (none when the
// kernel already holds the layout).
struct Plan {
    ApplyReport report;
    std::vector<SetChange> changes;
    std::string fingerprint; // of a layout created anew
    std::optional<SealedBatch> batch;
};

// Batch memory kept for the next batch up to this size; a rare larger one (100,000 entries
// make 6.5 MB) is given back.
constexpr std::size_t kept_buffer = 1 << 20;

} // namespace

struct NftBackend::Impl {
    NetlinkSocket sock;
    std::uint32_t flags = 0;
    std::optional<Cache> cache;

    BatchBuffer spare; // memory of the last batch, for the next one

    Status load();
    bool same_fingerprint(const Layout &desired);
    Result<Plan> plan(const Layout &desired, const ApplyHint &hint);
    Result<ApplyReport> apply_once(const Layout &desired, const ApplyHint &hint, bool &again);
    void remember(const Layout &desired, const Plan &plan);
};

NftBackend::NftBackend(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NftBackend::~NftBackend() = default;

std::uint32_t NftBackend::table_flags() const {
    return impl_->flags;
}
void NftBackend::forget() {
    impl_->cache.reset();
}

// Does the kernel take owner|persist? A batch without BATCH_END is checked and thrown away.
static std::uint32_t probe_table_flags(NetlinkSocket &sock) {
    std::uint32_t wanted = table_flag_owner | table_flag_persist;
    Batch probe(sock.next_seq());
    add_table_adoption(probe, "rolewall_probe_" + std::to_string(sock.portid()), wanted);
    auto out = sock.send(std::move(probe).check_only());
    return out && out->ok() ? wanted : 0;
}

Result<std::unique_ptr<NftBackend>> NftBackend::open() {
    auto sock = NetlinkSocket::open();
    if (!sock) return sock.error();
    auto impl = std::make_unique<Impl>(Impl{std::move(*sock), 0, std::nullopt, {}});
    impl->flags = probe_table_flags(impl->sock);
    return std::unique_ptr<NftBackend>(new NftBackend(std::move(impl)));
}

Result<std::unique_ptr<Backend>> make_nft_backend() {
    auto b = NftBackend::open();
    if (!b) return b.error();
    return std::unique_ptr<Backend>(std::move(*b));
}

// Reads table, sets and elements between two generation reads; when they differ, someone
// committed in between and the read starts again.
Status NftBackend::Impl::load() {
    cache.reset();
    for (int attempt = 0; attempt < read_attempts; ++attempt) {
        auto gen = read_generation(sock);
        if (!gen) return gen.error();
        auto table = read_table(sock, table_name);
        if (!table) return table.error();
        Cache c;
        c.table = *table;
        if (c.table) {
            auto sets = read_sets(sock, table_name);
            if (!sets) return sets.error();
            c.sets = std::move(*sets);
            c.fingerprint = fingerprint_in(c.table->comment);
            c.ours = c.table->owner && *c.table->owner == sock.portid();
        }
        auto again = read_generation(sock);
        if (!again) return again.error();
        if (*again != *gen) continue;
        c.genid = *gen;
        cache = std::move(c);
        return Ok{};
    }
    return make_error(Errc::io, "table inet rolewall kept changing while it was read");
}

Result<std::vector<SetContent>> NftBackend::read() {
    if (auto st = impl_->load(); !st) return st.error();
    return impl_->cache->sets;
}

bool NftBackend::Impl::same_fingerprint(const Layout &desired) {
    Cache &c = *cache;
    if (c.skeleton && c.skeleton->matches(desired)) return true;
    if (c.fingerprint != desired.fingerprint()) return false;
    c.skeleton = Skeleton::of(desired);
    return true;
}

// What to send: everything when there is no table; the table anew when its fingerprint
// differs (or it cannot become ours: only an orphaned persist table can be taken over);
// else only element changes, taking the table over first if its owner went away.
Result<Plan> NftBackend::Impl::plan(const Layout &desired, const ApplyHint &hint) {
    const Cache &c = *cache;
    if (c.table && c.table->owner && !c.ours)
        return make_error(Errc::kernel_rejected,
                          "table inet rolewall belongs to another process (netlink port " +
                              std::to_string(*c.table->owner) + "); nothing was changed");
    Plan p;
    bool adoptable = !flags || (c.table && (c.table->flags & table_flag_persist));
    bool by_elements = c.table && adoptable && same_fingerprint(desired);
    bool adopt = by_elements && flags && !c.ours;
    if (by_elements) {
        p.changes = changes_between(c.sets, desired, hint);
        if (p.changes.empty() && !adopt) return p; // nothing to send
    }
    // A table that is not ours could change between our read and this batch: tie the batch
    // to the generation we read (the kernel then refuses it with ERESTART).
    Batch batch(sock.next_seq(), c.table && !c.ours ? c.genid : std::nullopt, std::move(spare));
    if (by_elements) {
        if (adopt) add_table_adoption(batch, table_name, flags);
        add_changes(batch, table_name, p.changes);
        p.report.kind =
            p.changes.empty() ? ApplyReport::Kind::unchanged : ApplyReport::Kind::elements;
        for (const SetChange &ch : p.changes) {
            p.report.added += ch.add.size();
            p.report.removed += ch.remove.size();
        }
    } else {
        if (c.table) add_table_delete(batch, table_name);
        p.fingerprint = desired.fingerprint();
        add_creation(batch, table_name, flags, desired, p.fingerprint);
        p.report.kind = c.table ? ApplyReport::Kind::replaced : ApplyReport::Kind::created;
        p.report.added = element_count(desired.sets);
        p.report.removed = element_count(c.sets);
    }
    p.report.messages = batch.messages();
    p.batch = std::move(batch).commit();
    return p;
}

// After a commit the cache holds what the kernel now holds, without reading it back.
void NftBackend::Impl::remember(const Layout &desired, const Plan &p) {
    Cache &c = *cache;
    c.genid.reset(); // only the first batch after a read is tied to its generation
    if (flags) {
        if (!c.table) c.table = KernelTable{};
        c.table->flags = flags;
        c.table->owner = sock.portid();
        c.ours = true;
    }
    if (p.report.kind == ApplyReport::Kind::created ||
        p.report.kind == ApplyReport::Kind::replaced) {
        if (!c.table) c.table = KernelTable{};
        c.fingerprint = p.fingerprint;
        c.skeleton = Skeleton::of(desired);
        c.sets = desired.sets;
        return;
    }
    for (const SetChange &ch : p.changes) {
        auto it = std::lower_bound(
            c.sets.begin(), c.sets.end(), ch.set,
            [](const SetContent &s, const std::string &n) { return s.spec.name < n; });
        const SetContent *want = desired.set(ch.set);
        if (!want) continue;
        if (it != c.sets.end() && it->spec.name == ch.set)
            it->elements = want->elements;
        else
            c.sets.insert(it, *want);
    }
}

Result<ApplyReport> NftBackend::Impl::apply_once(const Layout &desired, const ApplyHint &hint,
                                                 bool &again) {
    again = false;
    bool fresh = !cache;
    if (fresh) {
        if (auto st = load(); !st) return st.error();
    }
    const ApplyHint all = ApplyHint::everything(); // freshly read: compare everything
    auto p = plan(desired, fresh ? all : hint);
    if (!p) return p.error();
    if (!p->batch) return p->report;
    auto out = sock.send(*p->batch);
    Result<ApplyReport> result = p->report;
    if (!out) {
        cache.reset(); // the outcome is unknown: read the kernel again next time
        result = out.error();
    } else if (out->ok()) {
        remember(desired, *p);
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

Status NftBackend::check(const Layout &desired) {
    Batch batch(impl_->sock.next_seq());
    add_creation(batch, check_table, 0, desired, desired.fingerprint());
    SealedBatch sealed = std::move(batch).check_only();
    auto out = impl_->sock.send(sealed);
    if (!out) return out.error();
    if (!out->ok()) return describe_refusal(sealed, *out);
    return Ok{};
}

} // namespace rolewall
