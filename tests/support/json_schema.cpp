#include "json_schema.hpp"

#include "support.hpp"

#include <sstream>
#include <stdexcept>

namespace testsupport {

namespace {

bool has_type(const OrderedJson &value, const std::string &type) {
    if (type == "string") return value.is_string();
    if (type == "integer") return value.is_number_integer();
    if (type == "boolean") return value.is_boolean();
    throw std::runtime_error("docs/JSON.md: unknown type \"" + type + "\"");
}

void check(const OrderedJson &doc, const OrderedJson &schema, const std::string &at,
           std::vector<std::string> &out);

void check_object(const OrderedJson &doc, const OrderedJson &schema, const std::string &at,
                  std::vector<std::string> &out) {
    auto it = doc.begin();
    for (const auto &[key, shape] : schema.items()) {
        bool optional = key.ends_with('?');
        std::string name = optional ? key.substr(0, key.size() - 1) : key;
        if (it != doc.end() && it.key() == name) {
            check(it.value(), shape, at + "." + name, out);
            ++it;
        } else if (!optional) {
            out.push_back(at + ": no key \"" + name + "\" at its place");
        }
    }
    for (; it != doc.end(); ++it)
        out.push_back(at + ": key \"" + it.key() + "\" is not in the schema at this place");
}

void check(const OrderedJson &doc, const OrderedJson &schema, const std::string &at,
           std::vector<std::string> &out) {
    if (schema.is_string()) {
        if (!has_type(doc, schema.get<std::string>()))
            out.push_back(at + ": expected " + schema.get<std::string>() + ", got " + doc.dump());
    } else if (schema.is_array()) {
        if (schema.size() != 1) throw std::runtime_error("docs/JSON.md: an array needs one shape");
        if (!doc.is_array()) out.push_back(at + ": not an array");
        for (std::size_t i = 0; doc.is_array() && i < doc.size(); ++i)
            check(doc[i], schema[0], at + "[" + std::to_string(i) + "]", out);
    } else if (schema.is_object()) {
        if (doc.is_object())
            check_object(doc, schema, at, out);
        else
            out.push_back(at + ": not an object");
    } else {
        throw std::runtime_error("docs/JSON.md: a schema value is a type name, [...] or {...}");
    }
}

} // namespace

OrderedJson documented_schema(const std::string &verb) {
    std::istringstream in(read_file(source_dir() + "/docs/JSON.md"));
    std::string heading = "## rolewallctl " + verb + " --json", line, block;
    bool under = false, inside = false;
    while (std::getline(in, line)) {
        if (inside && line == "```") return OrderedJson::parse(block);
        if (inside) block += line + "\n";
        if (line.starts_with("## ")) under = line == heading;
        if (under && line == "```json") inside = true;
    }
    throw std::runtime_error("docs/JSON.md has no schema under \"" + heading + "\"");
}

std::vector<std::string> schema_violations(const OrderedJson &doc, const OrderedJson &schema) {
    std::vector<std::string> out;
    if (!schema.is_object()) out.push_back("$: the schema's top level is not an object");
    check(doc, schema, "$", out);
    return out;
}

std::vector<std::string> check_json_output(const std::string &verb, const std::string &text) {
    OrderedJson doc = OrderedJson::parse(text, nullptr, false);
    if (doc.is_discarded()) return {"the output is not JSON: " + text.substr(0, 200)};
    return schema_violations(doc, documented_schema(verb));
}

} // namespace testsupport
