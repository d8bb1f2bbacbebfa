// The receiver of the policy's dropped packets: an NFLOG (nfnetlink_log) socket bound to
// drop_log_group, over libmnl with the kernel's uapi header <linux/netfilter/nfnetlink_log.h>.
// libmnl is already how the backend speaks netfilter's netlink; the protocol is three
// messages (bind, copy mode, flush timeout) and two attributes read (input interface, payload),
// so libnetfilter-log would add a package and a layer for nothing rolewalld uses.
#pragma once

#include "rolewall/drops.hpp"

namespace rolewall::kernel {

// Binds the group in the calling process's network namespace (needs CAP_NET_ADMIN there).
// Another process holding the group is an error that says so.
Result<std::unique_ptr<DropReceiver>> open_nflog(std::uint16_t group = drop_log_group);

} // namespace rolewall::kernel
