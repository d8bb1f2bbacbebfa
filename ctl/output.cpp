#include "output.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace rolewall::ctl {

std::string local_time(std::uint64_t usec) {
    std::time_t t = static_cast<std::time_t>(usec / 1000000u), now = std::time(nullptr);
    std::tm tm{}, today{};
    localtime_r(&t, &tm);
    localtime_r(&now, &today);
    char buf[32];
    bool same_day = tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year;
    std::strftime(buf, sizeof buf, same_day ? "%H:%M:%S" : "%b %d %H:%M", &tm);
    return buf;
}

namespace {

// n in steps of `step` with one decimal: units[0] for n < step ("950"), else "1.2" + units[i].
std::string scaled(std::uint64_t n, double step, const std::vector<const char *> &units) {
    if (static_cast<double>(n) < step) return std::to_string(n) + units[0];
    double v = static_cast<double>(n);
    std::size_t i = 0;
    while (v >= step && i + 1 < units.size()) {
        v /= step;
        ++i;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[i]);
    return buf;
}

} // namespace

std::string human_count(std::uint64_t n) {
    return scaled(n, 1000, {"", "k", "M", "G", "T"});
}

std::string human_bytes(std::uint64_t n) {
    return scaled(n, 1024, {" B", " KiB", " MiB", " GiB", " TiB"});
}

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
