// The --json schemas of docs/JSON.md, and a check of a document against one of them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace testsupport {

// Keeps keys in document order, which the schemas fix.
using OrderedJson = nlohmann::ordered_json;

// The schema of `rolewallctl VERB --json`: the first ```json block after the heading
// "## rolewallctl VERB --json" of docs/JSON.md. Throws std::runtime_error when there is none.
OrderedJson documented_schema(const std::string &verb);

// What in `doc` breaks `schema` (the rules at the top of docs/JSON.md), one line each with the
// path of the value ("$.roles[2].name: ..."); empty when the document follows the schema.
std::vector<std::string> schema_violations(const OrderedJson &doc, const OrderedJson &schema);

// Parses `text` (a verb's stdout) and checks it against the verb's documented schema; a text
// that is not JSON is one violation.
std::vector<std::string> check_json_output(const std::string &verb, const std::string &text);

} // namespace testsupport
