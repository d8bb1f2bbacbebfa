// The messages of a netlink batch as readable text, for the golden files of
// tests/data/golden/netlink/ (nftables' tests/py/*.payload files are the model): one block per
// message with its type, family and flags, then the object it carries as libnftnl reads it back
// from the message: chains and sets with their fields, rules one expression a line, elements one
// a line. Sequence numbers are left out (they depend on the socket), so the same layout always
// gives the same text.
#pragma once

#include "batch.hpp"

#include <string>

namespace testns {

std::string batch_text(const rolewall::kernel::SealedBatch &batch);

} // namespace testns
