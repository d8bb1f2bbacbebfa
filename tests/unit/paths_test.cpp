// Build-tree detection (rolewall/paths.hpp): a binary finds the source tree through the marker
// file above it, or $ROLEWALL_SOURCE_TREE; anywhere else it defaults to the installed files.
#include "rolewall/paths.hpp"
#include "util.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

namespace fs = std::filesystem;

namespace {

// `rolewallctl --help` of a copy of rolewallctl at dir/rel, ROLEWALL_SOURCE_TREE unset.
test::Run help_of_copy(const test::TempDir &dir, const std::string &rel) {
    fs::path copy = dir.path() / rel / "rolewallctl";
    fs::create_directories(copy.parent_path());
    fs::copy_file(ROLEWALL_CTL, copy, fs::copy_options::overwrite_existing);
    return test::run({"env", "-u", "ROLEWALL_SOURCE_TREE", copy.string(), "--help"});
}

std::string catalog_default(const std::string &dir) {
    return "--catalog DIR        shipped catalog (default: " + dir + ")";
}

} // namespace

TEST_CASE("rolewallctl run from its build tree defaults to the source tree's catalog") {
    auto r = test::run({"env", "-u", "ROLEWALL_SOURCE_TREE", ROLEWALL_CTL, "--help"});
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains(catalog_default(test::source_dir() + "/catalog")));
    CHECK_THAT(r.out,
               Catch::Contains("(default: " + test::source_dir() + "/etc/rolewall/rolewall.toml)"));
}

TEST_CASE("A binary outside a build tree defaults to the installed files") {
    test::TempDir d;
    auto r = help_of_copy(d, "usr/bin");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains(catalog_default(rolewall::paths::installed_catalog)));
    CHECK_THAT(r.out, Catch::Contains(std::string("(default: ") + rolewall::paths::config_file));
}

TEST_CASE("The build-tree marker is found up to three levels above the binary, no further") {
    test::TempDir d;
    d.write(rolewall::paths::build_tree_marker, "/src/of/rolewall\n");
    CHECK_THAT(help_of_copy(d, "").out,
               Catch::Contains(catalog_default("/src/of/rolewall/catalog")));
    CHECK_THAT(help_of_copy(d, "a/b/c").out,
               Catch::Contains(catalog_default("/src/of/rolewall/catalog")));
    CHECK_THAT(help_of_copy(d, "a/b/c/d").out,
               Catch::Contains(catalog_default(rolewall::paths::installed_catalog)));
}

TEST_CASE("ROLEWALL_SOURCE_TREE names the source tree, and set but empty names none") {
    testsupport::RunOptions o;
    o.env["ROLEWALL_SOURCE_TREE"] = "/elsewhere";
    auto r = testsupport::run({ROLEWALL_CTL, "--help"}, o);
    CHECK_THAT(r.out, Catch::Contains(catalog_default("/elsewhere/catalog")));
    CHECK_THAT(r.out, Catch::Contains("(default: /elsewhere/etc/rolewall/rolewall.toml)"));
    // Empty: the installed files even from the build tree (env -u would unset it: set it to "").
    r = test::run({"env", "ROLEWALL_SOURCE_TREE=", ROLEWALL_CTL, "--help"});
    CHECK_THAT(r.out, Catch::Contains(catalog_default(rolewall::paths::installed_catalog)));
}
