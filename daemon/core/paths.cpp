// Build-tree detection (rolewall/paths.hpp): the one place that decides whether a binary uses
// the installed files or a source tree's.
#include "rolewall/paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace rolewall::paths {

namespace {

// The first line of the marker in `dir`, if there is one.
std::optional<std::string> marker_in(const fs::path &dir) {
    std::ifstream in(dir / build_tree_marker);
    std::string line;
    if (!in || !std::getline(in, line) || line.empty()) return std::nullopt;
    return line;
}

} // namespace

std::optional<std::string> source_tree() {
    if (const char *env = std::getenv(source_tree_env))
        return *env ? std::optional<std::string>(env) : std::nullopt;
    std::error_code ec;
    fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    for (int level = 0; !ec && level <= build_tree_levels; ++level) {
        if (auto source = marker_in(dir)) return source;
        if (dir == dir.root_path()) break;
        dir = dir.parent_path();
    }
    return std::nullopt;
}

DefaultFiles default_files() {
    if (auto source = source_tree())
        return {*source + "/catalog", "", *source + "/etc/rolewall/rolewall.toml"};
    return {installed_catalog, local_catalog, config_file};
}

} // namespace rolewall::paths
