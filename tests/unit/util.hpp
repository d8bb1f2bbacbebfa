// Helpers for the pure tests: temporary trees and running rolewallctl.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace test {

// A temporary directory removed with everything in it when the object goes.
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

struct Run {
    int status = -1; // exit code
    std::string out;
    std::string err;
};

// Runs a program with arguments (no shell), capturing stdout and stderr.
Run run(const std::vector<std::string> &argv);
Run ctl(std::vector<std::string> args); // rolewallctl ARGS

std::string read_file(const std::string &path);
std::string source_dir(); // the repository
std::string fixture_catalog(); // tests/data/catalog

} // namespace test
