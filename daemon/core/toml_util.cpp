#include "toml_util.hpp"

#include <fstream>
#include <sstream>

namespace rolewall {

void Diagnostics::add(const std::string &file, const toml::source_region &at, std::string message) {
    out_.push_back({file, static_cast<int>(at.begin.line), static_cast<int>(at.begin.column),
                    std::move(message)});
}

void Diagnostics::add(const std::string &file, int line, int column, std::string message) {
    out_.push_back({file, line, column, std::move(message)});
}

void Diagnostics::add(const std::string &file, std::string message) {
    out_.push_back({file, 0, 0, std::move(message)});
}

TableReader::TableReader(const toml::table &table, std::string file, Diagnostics &diags,
                         std::string context)
    : table_(table), file_(std::move(file)), diags_(diags), context_(std::move(context)) {}

std::string TableReader::field(std::string_view key) const {
    return context_.empty() ? std::string(key) : context_ + "." + std::string(key);
}

void TableReader::error(std::string_view key, const std::string &message) {
    const toml::node *n = table_.get(key);
    std::string text = "field '" + field(key) + "': " + message;
    if (n)
        diags_.add(file_, n->source(), std::move(text));
    else
        diags_.add(file_, table_.source(), std::move(text));
}

void TableReader::error_here(const std::string &message) {
    std::string where = context_.empty() ? "" : context_ + ": ";
    diags_.add(file_, table_.source(), where + message);
}

const toml::node *TableReader::fetch(std::string_view key, bool required, const char *type) {
    known_.emplace(key);
    const toml::node *n = table_.get(key);
    if (!n && required) error_here("missing required field '" + field(key) + "' (" + type + ")");
    return n;
}

const toml::node *TableReader::node(std::string_view key) {
    known_.emplace(key);
    return table_.get(key);
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
    const toml::node *n = fetch(key, required, "a string");
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>(); v && n->is_string()) return v;
    error(key, "expected a string");
    return std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key, bool required) {
    const toml::node *n = fetch(key, required, "an array of strings");
    if (!n) return std::nullopt;
    const toml::array *a = n->as_array();
    if (!a) {
        error(key, "expected an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool good = true;
    for (const toml::node &item : *a) {
        if (!item.is_string()) {
            diags_.add(file_, item.source(),
                       "field '" + field(key) + "': every item must be a string");
            good = false;
            continue;
        }
        out.push_back(*item.value<std::string>());
    }
    if (!good) return std::nullopt;
    return out;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, bool required) {
    const toml::node *n = fetch(key, required, "an integer");
    if (!n) return std::nullopt;
    if (n->is_integer()) return n->value<std::int64_t>();
    error(key, "expected an integer");
    return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const toml::node *n = fetch(key, false, "true or false");
    if (!n) return std::nullopt;
    if (n->is_boolean()) return n->value<bool>();
    error(key, "expected true or false");
    return std::nullopt;
}

void TableReader::finish() {
    for (auto &&[k, v] : table_) {
        if (known_.count(k.str())) continue;
        diags_.add(file_, k.source(), "unknown field '" + field(k.str()) + "'");
    }
}

std::optional<toml::table> parse_toml_text(std::string_view text, const std::string &name,
                                           Diagnostics &diags) {
    try {
        return toml::parse(text, std::string_view(name));
    } catch (const toml::parse_error &e) {
        diags.add(name, e.source(), std::string(e.description()));
        return std::nullopt;
    }
}

std::optional<toml::table> parse_toml_file(const std::string &path, Diagnostics &diags) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diags.add(path, "cannot be read");
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_toml_text(ss.str(), path, diags);
}

} // namespace rolewall
