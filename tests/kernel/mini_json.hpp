// Just enough JSON to read `nft -j` output in tests.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace testns {

struct Json {
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>; // in document order
    std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v;

    bool is_object() const { return v.index() == 5; }
    bool is_array() const { return v.index() == 4; }
    bool is_string() const { return v.index() == 3; }
    bool is_number() const { return v.index() == 2; }
    const Array &array() const { return std::get<Array>(v); }
    const Object &object() const { return std::get<Object>(v); }
    const std::string &str() const { return std::get<std::string>(v); }
    double num() const { return std::get<double>(v); }
    // The member `key` of an object, nullptr when absent or not an object.
    const Json *get(const std::string &key) const;
    // Compact text, for messages and comparisons.
    std::string dump() const;

    static Json parse(const std::string &text); // throws std::runtime_error
};

} // namespace testns
