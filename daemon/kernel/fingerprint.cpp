// The fingerprint of a layout: a hash of the netlink messages that create its skeleton, so that
// a change in any rule or object builder changes it and a table made by an older rolewalld is
// never taken for one of ours.
#include "fingerprint.hpp"

#include "build.hpp"
#include "transaction.hpp"

#include <cstdio>
#include <libmnl/libmnl.h>
#include <memory>
#include <mutex>
#include <optional>

namespace rolewall::kernel {

namespace {

// A role with every kind of set, so that the builders of role chains, their rules, their sets
// and the dispatch rules all reach the hash. Its name and title are part of the messages
// only; real roles' names are not.
Layout skeleton_of(const Layout &layout) {
    Layout s;
    s.policy = layout.policy;
    s.failsafe = layout.failsafe;
    if (s.failsafe) return s;
    const std::string role = "template";
    s.roles.push_back({role, "a role with every kind of set"});
    const std::pair<const char *, KeyType> kinds[] = {
        {"anyif", KeyType::nf_proto},   {"if", KeyType::ifname},
        {"proto", KeyType::inet_proto}, {"tcp", KeyType::inet_service},
        {"udp", KeyType::inet_service}, {"v4", KeyType::ipv4_addr},
        {"v6", KeyType::ipv6_addr}};
    for (const auto &[suffix, type] : kinds) {
        bool interval = type != KeyType::nf_proto && type != KeyType::inet_proto;
        s.sets.push_back({{role + "_" + suffix, type, interval, role}, {}});
    }
    return s;
}

// 64-bit FNV-1a.
void hash_bytes(std::uint64_t &h, const void *data, std::size_t len) {
    const auto *p = static_cast<const unsigned char *>(data);
    for (std::size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
}

// The skeleton's messages built in zeroed memory of `room` bytes; nullopt when they needed more
// (the batch grew into memory that is not zeroed). libmnl 1.0.4 (Debian 12) leaves the padding
// after an attribute (the three bytes after "rolewall\0") as it finds the memory, and a batch
// does not zero its memory (a toggle would pay for it): in zeroed memory only the content of
// the messages reaches the hash, the same in every process.
std::optional<SealedBatch> skeleton_batch(const TableObjects &objects, std::size_t room) {
    // Sequence numbers from 0 and set ids from 1: the same messages in every build and process.
    Batch batch(0, std::nullopt, BatchBuffer(std::make_unique<char[]>(room), room));
    add_creation(batch, objects, Part::skeleton);
    SealedBatch sealed = std::move(batch).check_only();
    if (sealed.capacity() != room) return std::nullopt;
    return sealed;
}

std::string compute(const Layout &layout) {
    Layout skeleton = skeleton_of(layout);
    TableObjects objects = table_objects(table_name, 0, skeleton, {});
    std::optional<SealedBatch> built;
    for (std::size_t room = 64 * 1024; !built; room *= 2)
        built = skeleton_batch(objects, room);
    const SealedBatch &sealed = *built;
    std::uint64_t h = 1469598103934665603ull;
    for (std::uint32_t seq = sealed.begin_seq() + 1; seq <= sealed.last_seq(); ++seq) {
        const nlmsghdr *nlh = sealed.message(seq);
        nlmsghdr header = *nlh;
        header.nlmsg_seq = 0; // normalised anyway: only the content counts
        hash_bytes(h, &header, sizeof header);
        hash_bytes(h, reinterpret_cast<const char *>(nlh) + sizeof header,
                   nlh->nlmsg_len - sizeof header);
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

} // namespace

std::string fingerprint(const Layout &layout) {
    // Only policy and fail-safe make the skeleton: four fingerprints at most, each built once.
    static std::mutex mutex;
    static std::string known[2][2];
    std::lock_guard lock(mutex);
    std::string &f = known[layout.policy == Policy::drop ? 0 : 1][layout.failsafe ? 1 : 0];
    if (f.empty()) f = compute(layout);
    return f;
}

} // namespace rolewall::kernel
