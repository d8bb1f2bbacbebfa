// Fuzz target: one catalog service file, loaded through the real directory loader.
#include "rolewall/catalog.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("rolewall-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir / "services");
    std::filesystem::create_directories(dir / "roles");
    std::ofstream(dir / "services" / "x.toml", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
    std::ofstream(dir / "roles" / "r.toml", std::ios::trunc)
        << "id = \"r\"\ntitle = \"R\"\ndescription = \"R\"\nservices = [\"x\"]\n";
    auto c = rolewall::Catalog::load(dir);
    if (!c) (void)c.error().describe();
    return 0;
}
