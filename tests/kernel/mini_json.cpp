#include "mini_json.hpp"

#include <cctype>
#include <cstdlib>

namespace testns {

namespace {

struct Parser {
    const std::string &s;
    std::size_t i = 0;

    [[noreturn]] void fail(const char *what) {
        throw std::runtime_error(std::string("JSON: ") + what + " at " + std::to_string(i));
    }
    void ws() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
    }
    bool eat(char c) {
        ws();
        if (i < s.size() && s[i] == c) return ++i, true;
        return false;
    }
    std::string string() {
        if (!eat('"')) fail("string expected");
        std::string out;
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c != '\\') {
                out += c;
                continue;
            }
            char e = s[i++];
            if (e == 'n')
                out += '\n';
            else if (e == 't')
                out += '\t';
            else if (e == 'u')
                out += static_cast<char>(std::strtol(s.substr(i, 4).c_str(), nullptr, 16)), i += 4;
            else
                out += e;
        }
        if (!eat('"')) fail("unterminated string");
        return out;
    }
    Json value() {
        ws();
        if (i >= s.size()) fail("value expected");
        char c = s[i];
        if (c == '{') return object();
        if (c == '[') return array();
        if (c == '"') return Json{string()};
        if (s.compare(i, 4, "true") == 0) return i += 4, Json{true};
        if (s.compare(i, 5, "false") == 0) return i += 5, Json{false};
        if (s.compare(i, 4, "null") == 0) return i += 4, Json{nullptr};
        char *end = nullptr;
        double d = std::strtod(s.c_str() + i, &end);
        if (end == s.c_str() + i) fail("bad value");
        i = static_cast<std::size_t>(end - s.c_str());
        return Json{d};
    }
    Json array() {
        eat('[');
        Json::Array out;
        if (eat(']')) return Json{out};
        do
            out.push_back(value());
        while (eat(','));
        if (!eat(']')) fail("] expected");
        return Json{out};
    }
    Json object() {
        eat('{');
        Json::Object out;
        if (eat('}')) return Json{out};
        do {
            ws();
            std::string key = string();
            if (!eat(':')) fail(": expected");
            out.emplace_back(std::move(key), value());
        } while (eat(','));
        if (!eat('}')) fail("} expected");
        return Json{out};
    }
};

} // namespace

const Json *Json::get(const std::string &key) const {
    if (!is_object()) return nullptr;
    for (const auto &[k, val] : object())
        if (k == key) return &val;
    return nullptr;
}

std::string Json::dump() const {
    switch (v.index()) {
    case 0:
        return "null";
    case 1:
        return std::get<bool>(v) ? "true" : "false";
    case 2: {
        double d = num();
        auto n = static_cast<long long>(d);
        return static_cast<double>(n) == d ? std::to_string(n) : std::to_string(d);
    }
    case 3:
        return "\"" + str() + "\"";
    case 4: {
        std::string out = "[";
        for (const auto &e : array())
            out += (out.size() > 1 ? "," : "") + e.dump();
        return out + "]";
    }
    default: {
        std::string out = "{";
        for (const auto &[k, val] : object())
            out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":") + val.dump();
        return out + "}";
    }
    }
}

Json Json::parse(const std::string &text) {
    Parser p{text};
    Json out = p.value();
    p.ws();
    if (p.i != text.size()) p.fail("trailing text");
    return out;
}

} // namespace testns
