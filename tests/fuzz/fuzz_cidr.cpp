// Fuzz target: CIDRs and interface names, as D-Bus callers and the config give them.
#include "rolewall/config.hpp"
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    if (auto c = rolewall::Cidr::parse(text)) {
        auto e = rolewall::cidr_element(*c, "fuzz");
        (void)rolewall::element_key_str(
            c->v6 ? rolewall::KeyType::ipv6_addr : rolewall::KeyType::ipv4_addr, e);
        if (rolewall::Cidr::parse(c->str())->str() != c->str()) __builtin_trap();
    }
    if (rolewall::valid_interface_name(text))
        (void)rolewall::element_key_str(rolewall::KeyType::ifname,
                                        rolewall::ifname_element(text, "fuzz"));
    return 0;
}
