#include "output.hpp"

#include <algorithm>
#include <cstdio>

namespace rolewall::ctl {

std::string TextTable::str() const {
    std::vector<std::size_t> width(header_.size(), 0);
    auto measure = [&](const std::vector<std::string> &cells) {
        for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], cells[i].size());
    };
    measure(header_);
    for (const auto &r : rows_)
        measure(r);
    auto line = [&](const std::vector<std::string> &cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            out += cells[i];
            if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
        }
        return out + "\n";
    };
    std::string out = line(header_);
    for (const auto &r : rows_)
        out += line(r);
    return out;
}

void print(const std::string &text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

void print_json(const Json &doc) {
    print(doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

} // namespace rolewall::ctl
