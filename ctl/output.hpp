// rolewallctl's output: aligned text tables for people, JSON for scripts (docs/JSON.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rolewall::ctl {

// A JSON document as rolewallctl prints it. ordered_json keeps the keys in the order the verb
// writes them: that order is part of each verb's schema in docs/JSON.md.
using Json = nlohmann::ordered_json;

// Aligned columns for human output, like networkctl's tables.
class TextTable {
  public:
    explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
    void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    bool empty() const { return rows_.empty(); }
    // Columns separated by two spaces; the last column is not padded.
    std::string str() const;

  private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

// Local time of a CLOCK_REALTIME usec: "14:03:22", or "Nov 27 14:03" when not today.
std::string local_time(std::uint64_t usec);
// Counts and sizes for people: "950", "1.2k", "3.4M", "5.0G"; "950 B", "1.2 KiB", "3.4 MiB".
std::string human_count(std::uint64_t n);
std::string human_bytes(std::uint64_t n);

// Writes `text` to stdout as it is.
void print(const std::string &text);
// Writes `doc` to stdout: two-space indentation and a final newline. Bytes that are not UTF-8
// come out as U+FFFD instead of aborting the output.
void print_json(const Json &doc);

} // namespace rolewall::ctl
