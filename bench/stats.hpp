// What every benchmark reports of its samples.
#pragma once

#include <algorithm>
#include <vector>

namespace bench {

struct Stats {
    double median = 0, p90 = 0, max = 0;
};

// The median (the upper one of an even count), the 90th percentile and the largest sample;
// zeros for no samples.
inline Stats stats(std::vector<double> v) {
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[v.size() * 9 / 10], v.back()};
}

} // namespace bench
