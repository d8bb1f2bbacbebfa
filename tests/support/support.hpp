// Helpers shared by the tests and the benchmarks: temporary directories and files, a user
// namespace of one's own.
#pragma once

#include <filesystem>
#include <string>

namespace testsupport {

// A temporary directory (mode 0755, so that other uids can reach sockets in it), removed with
// everything in it when the object goes.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::filesystem::path &path() const { return path_; }
    // Writes `text` to path()/rel, creating directories; returns the full path.
    std::string write(const std::string &rel, const std::string &text) const;

  private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path &path); // empty when missing
std::string source_dir();                                 // the repository
std::string fixture_catalog();                            // tests/data/catalog

// As `unshare -r`: moves this process into a new user namespace where its uid and gid are 0
// (and `extra` namespaces, e.g. CLONE_NEWNET, with it). Must be called while the process has one
// thread. Returns "" on success, else why not (user namespaces disabled, ...).
std::string unshare_as_root(int extra = 0);

} // namespace testsupport
