// Opening a backend and applying a layout, each failing the test with the backend's message.
#pragma once

#include "kernel/nft_backend.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

namespace testns {

inline std::unique_ptr<rolewall::NftBackend> open_backend() {
    auto b = rolewall::NftBackend::open();
    INFO((b ? std::string() : b.error().message));
    REQUIRE(b.ok());
    return std::move(*b);
}

inline rolewall::ApplyReport apply_ok(rolewall::Backend &b, const rolewall::Layout &layout) {
    auto r = b.apply(layout, rolewall::ApplyHint::everything());
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

} // namespace testns
