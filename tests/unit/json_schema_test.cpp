// The check behind the --json schema tests finds what it must: a missing, extra, misplaced or
// mistyped key, and a verb docs/JSON.md does not document.
#include "json_schema.hpp"

#include <catch2/catch.hpp>

using testsupport::OrderedJson;
using testsupport::schema_violations;

namespace {

const OrderedJson schema = OrderedJson::parse(R"({
  "roles": [{"name": "string", "port?": "integer", "local": "boolean"}],
  "note": "string"
})");

std::vector<std::string> violations(const char *doc) {
    return schema_violations(OrderedJson::parse(doc), schema);
}

} // namespace

TEST_CASE("A document that follows its schema has no violations, with or without optional keys") {
    CHECK(violations(R"({"roles": [], "note": ""})").empty());
    CHECK(violations(R"({"roles": [{"name": "a", "local": true},
                                   {"name": "b", "port": 22, "local": false}],
                         "note": "x"})")
              .empty());
}

TEST_CASE("The schema check names each key that is missing, extra, misplaced or of a wrong type") {
    using V = std::vector<std::string>;
    CHECK(violations(R"({"roles": []})") == V{"$: no key \"note\" at its place"});
    CHECK(violations(R"({"roles": [], "note": "", "more": 1})") ==
          V{"$: key \"more\" is not in the schema at this place"});
    CHECK(violations(R"({"note": "", "roles": []})") ==
          V{"$: no key \"roles\" at its place",
            "$: key \"roles\" is not in the schema at this place"});
    CHECK(violations(R"({"roles": [{"name": 1, "local": true}], "note": ""})") ==
          V{"$.roles[0].name: expected string, got 1"});
    CHECK(violations(R"({"roles": [{"name": "a", "port": 2.5, "local": true}], "note": ""})") ==
          V{"$.roles[0].port: expected integer, got 2.5"});
    CHECK(violations(R"({"roles": {}, "note": ""})") == V{"$.roles: not an array"});
    CHECK(violations(R"([])") == V{"$: not an object"});
}

TEST_CASE("Output that is not JSON, or a verb without a schema, is reported, not passed") {
    CHECK(testsupport::check_json_output("list", "not json") ==
          std::vector<std::string>{"the output is not JSON: not json"});
    CHECK_THROWS_WITH(testsupport::documented_schema("no-such-verb"),
                      Catch::Contains("docs/JSON.md has no schema"));
}
