// Fuzz target: rolewall.toml parsing and validation against a small catalog.
#include "rolewall/config.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const rolewall::Catalog catalog =
        *rolewall::Catalog::load(ROLEWALL_SOURCE_DIR "/tests/data/catalog");
    std::string text(reinterpret_cast<const char *>(data), size);
    auto cfg = rolewall::Config::parse(text, "fuzz.toml", catalog);
    if (!cfg) (void)cfg.error().describe();
    return 0;
}
