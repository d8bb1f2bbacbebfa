// Aligned columns for human output, like networkctl's tables.
#pragma once

#include <string>
#include <vector>

namespace rolewall {

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

} // namespace rolewall
