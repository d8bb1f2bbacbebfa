#include "support.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace testsupport {

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rolewall-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    ::chmod(tmpl.c_str(), 0755);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

// Files 0644 and directories 0755 whatever the umask: rolewalld refuses a config, catalog or
// state that anyone but root could write (and the tests run as root).
std::string TempDir::write(const std::string &rel, const std::string &text) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    for (fs::path d = p.parent_path(); d != path_ && d.has_relative_path(); d = d.parent_path())
        ::chmod(d.c_str(), 0755);
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), 0644);
    return p.string();
}

std::string read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string source_dir() {
    return ROLEWALL_SOURCE_DIR;
}
std::string fixture_catalog() {
    return source_dir() + "/tests/data/catalog";
}

namespace {

bool write_proc(const char *path, const std::string &text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

} // namespace

std::string unshare_as_root(int extra) {
    std::string uid = std::to_string(geteuid()), gid = std::to_string(getegid());
    if (::unshare(CLONE_NEWUSER | extra) != 0)
        return std::string("unshare(CLONE_NEWUSER): ") + std::strerror(errno);
    for (const auto &[path, text] : {std::pair{"/proc/self/setgroups", std::string("deny")},
                                     {"/proc/self/uid_map", "0 " + uid + " 1"},
                                     {"/proc/self/gid_map", "0 " + gid + " 1"}})
        if (!write_proc(path, text))
            return std::string("writing ") + path + ": " + std::strerror(errno);
    return "";
}

} // namespace testsupport
