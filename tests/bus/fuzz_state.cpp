// Fuzz target: the state file. Any text either parses, or is refused with diagnostics; what
// parses renders to a file that parses back to the same state.
#include "rolewall/state.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    auto state = rolewall::parse_state(text, "state.toml");
    if (!state) {
        if (state.error().diagnostics.empty()) __builtin_trap();
        return 0;
    }
    auto again = rolewall::parse_state(rolewall::render_state(*state), "rendered.toml");
    if (!again || !(*again == *state)) __builtin_trap();
    return 0;
}
