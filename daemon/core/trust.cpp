#include "trust.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <vector>

namespace fs = std::filesystem;

namespace rolewall {

namespace {

std::string octal(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Why `path` cannot be trusted, or "" when it can (or does not exist).
std::string distrust(const fs::path &path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? ""
                   : std::string("cannot be checked: ") + std::strerror(errno);
    std::vector<std::string> why;
    if (st.st_uid != 0)
        why.push_back("is owned by uid " + std::to_string(st.st_uid) + ", not by root");
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        const char *who = (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ? "its group and others"
                          : (st.st_mode & S_IWGRP)                         ? "its group"
                                                                           : "others";
        why.push_back(std::string("is writable by ") + who + " (mode " + octal(st.st_mode) + ")");
    }
    if (why.empty()) return "";
    std::string out = "refused: it " + why[0];
    if (why.size() > 1) out += ", and it " + why[1];
    return out + "; it must be owned by root and writable by root alone (chown root, chmod go-w)";
}

std::vector<fs::path> local_catalog_paths(const fs::path &dir) {
    std::vector<fs::path> out{dir};
    for (const char *sub : {"roles", "services"}) {
        fs::path d = dir / sub;
        out.push_back(d);
        std::error_code ec;
        for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".toml") out.push_back(it->path());
    }
    return out;
}

} // namespace

Status check_trusted_inputs(const Sources &sources, const fs::path &state_file) {
    std::vector<fs::path> paths{sources.config, sources.config.parent_path(), sources.state_dir,
                                state_file};
    if (!sources.local_catalog.empty())
        for (auto &p : local_catalog_paths(sources.local_catalog))
            paths.push_back(std::move(p));
    Error e = make_error(Errc::invalid_config, "");
    for (const fs::path &p : paths)
        if (!p.empty())
            if (std::string why = distrust(p); !why.empty())
                e.diagnostics.push_back({p.string(), 0, 0, why});
    if (e.diagnostics.empty()) return Ok{};
    std::size_t n = e.diagnostics.size();
    e.message = "rolewalld does not trust " + std::to_string(n) + (n == 1 ? " file" : " files") +
                " it reads: anyone but root could have written " + (n == 1 ? "it" : "them");
    return e;
}

} // namespace rolewall
