// Strict reading of TOML tables: typed fields, every unknown key reported, every problem with
// file, line and column.
#pragma once

#include "rolewall/error.hpp"
#include "rolewall/scope.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace rolewall {

class Diagnostics {
  public:
    explicit Diagnostics(std::vector<Diagnostic> &out) : out_(out) {}
    void add(const std::string &file, const toml::source_region &at, std::string message);
    void add(const std::string &file, std::string message);
    void add(const std::string &file, int line, int column, std::string message);
    std::size_t count() const { return out_.size(); }

  private:
    std::vector<Diagnostic> &out_;
};

// Reads one table; `context` names it in messages ("entry 3", "roles.ad-dc").
class TableReader {
  public:
    TableReader(const toml::table &table, std::string file, Diagnostics &diags,
                std::string context = {});

    std::optional<std::string> string(std::string_view key, bool required);
    std::optional<std::vector<std::string>> strings(std::string_view key, bool required);
    std::optional<std::int64_t> integer(std::string_view key, bool required);
    std::optional<bool> boolean(std::string_view key);
    const toml::node *node(std::string_view key); // marks the key as known

    // Reports every key that no getter asked for.
    void finish();

    void error(std::string_view key, const std::string &message); // at the key's value
    void error_here(const std::string &message);                  // at the table
    const std::string &file() const { return file_; }
    std::string field(std::string_view key) const; // "roles.ad-dc.sources"

  private:
    const toml::node *fetch(std::string_view key, bool required, const char *type);

    const toml::table &table_;
    std::string file_;
    Diagnostics &diags_;
    std::string context_;
    std::set<std::string, std::less<>> known_;
};

// The fields "interfaces" and "sources" of a role's table (config and state file alike), read
// by the one scope model: absent is any, every problem reported at its field.
Scope read_scope(TableReader &r, const ScopeLimits &limits);

// Parses a file or text; a syntax error becomes one Diagnostic.
std::optional<toml::table> parse_toml_file(const std::string &path, Diagnostics &diags);
std::optional<toml::table> parse_toml_text(std::string_view text, const std::string &name,
                                           Diagnostics &diags);

} // namespace rolewall
