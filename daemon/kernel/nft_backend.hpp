// The kernel backend: table inet rolewall over libnftnl/libmnl, nothing else in the ruleset
// touched. See docs/KERNEL.md. The one header of daemon/kernel/ that the rest of the tree
// (rolewalld's main, rolewallctl, tests) includes, as "kernel/nft_backend.hpp".
#pragma once

#include "rolewall/backend.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace rolewall {

class NftBackend : public Backend {
  public:
    // NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST (Linux 6.9 and later).
    static constexpr std::uint32_t default_table_flags = 0x2 | 0x4;

    // Opens a netfilter netlink socket in the calling thread's network namespace (a netlink
    // socket belongs to the namespace of its creator). The socket stays open for the backend's
    // lifetime: with the table flags owner and persist the table belongs to it, and it
    // outlives the backend. Whether the kernel has those flags is learnt when needed: from a
    // table flagged persist found in the kernel, or from the batch that creates the table
    // with them (a kernel without them refuses it, and it is sent again without them); only
    // when neither tells does a check-only batch probe, which costs the kernel's wait for an
    // RCU grace period (8-15 ms here, most of a cold start). `wanted`: the flags to give the
    // table when the kernel has them (tests ask for one no kernel has, to play an older one).
    static Result<std::unique_ptr<NftBackend>> open(std::uint32_t wanted = default_table_flags);
    ~NftBackend() override;

    // Without a picture of the kernel (first use, after an error) or with ApplyHint::repair(),
    // reads the whole table back first (see Backend::apply()). With a hint naming roles, looks
    // only at those roles.
    Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) override;
    Status check(const Layout &desired) override;
    Result<KernelCheck> verify(const Layout &expected) override;
    // Reads the sets back; the next apply() compares the whole table again.
    Result<std::vector<SetContent>> read() override;
    Result<TablePresence> presence() override;
    Result<ApplyReport> keep() override;
    std::string fingerprint(const Layout &layout) const override;
    Result<Counters> counters() override;

    // The wanted flags (owner|persist) when the kernel has them, else 0: the flags this
    // backend gives table inet rolewall (probed when not known yet).
    std::uint32_t table_flags();
    // Forgets what it believes the kernel holds: the next apply() reads the table again.
    void forget();

  private:
    struct Impl;
    explicit NftBackend(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The same, behind the Backend interface.
Result<std::unique_ptr<Backend>> make_nft_backend();

// The fingerprint the backend writes into the table comment for `layout`: a hash of the
// netlink messages that create its skeleton (see daemon/kernel/fingerprint.hpp). For
// render_nft(layout, nft_fingerprint(layout)).
std::string nft_fingerprint(const Layout &layout);

} // namespace rolewall
