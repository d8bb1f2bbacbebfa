// Golden tests of the netlink messages rolewalld sends, without a kernel: the batches the kernel
// layer builds for a sample layout (tests/data/scoped.toml over the test catalog), rendered as
// text (netlink_text.hpp) and compared with tests/data/golden/netlink/*.payload. They need no
// privilege and no namespace.
//
// After a deliberate change in what is sent (a rule, a set flag, a new object), regenerate the
// files and read the diff before committing it:
//   ROLEWALL_UPDATE_GOLDEN=1 build/tests/kernel/netlink_golden_tests && git diff tests/data/golden
#include "build.hpp"
#include "fingerprint.hpp"
#include "netlink_text.hpp"
#include "objects.hpp"
#include "plan.hpp"
#include "rolewall/config.hpp"
#include "support.hpp"
#include "transaction.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

using namespace rolewall;
using namespace rolewall::kernel;

namespace {

const Catalog &catalog() {
    static Catalog c = *Catalog::load(testsupport::fixture_catalog());
    return c;
}

Scope scope(std::vector<std::string> interfaces, const std::vector<std::string> &sources) {
    Scope s;
    s.interfaces = std::move(interfaces);
    for (const auto &c : sources)
        s.sources.push_back(*Cidr::parse(c));
    return s;
}

// The sample: tests/data/scoped.toml (policy reject, an RPC range, a scoped role and an open
// one).
Config sample_config() {
    auto cfg = Config::load(testsupport::source_dir() + "/tests/data/scoped.toml", catalog());
    REQUIRE(cfg.ok());
    return *cfg;
}

Layout layout_of(const Config &cfg, const std::map<std::string, Scope> &roles) {
    Layout l = build_layout(catalog(), cfg.policy, cfg.ranges, roles);
    l.log_drops = cfg.log_drops;
    return l;
}

// What rolewalld sends when there is no table: everything, the table owned and persistent.
std::string creation(const Layout &layout) {
    TableObjects objects = table_objects(table_name, table_flag_owner | table_flag_persist, layout,
                                         table_comment(layout, fingerprint(layout)));
    Batch batch(0);
    add_creation(batch, objects);
    return testns::batch_text(std::move(batch).commit());
}

// What rolewalld sends on a toggle of `roles` when the kernel holds `held` (as it knows after
// its own commit: dispatch rules of the i-th role have handles 100 + 2i and 101 + 2i).
std::string toggle(const Layout &held, const Layout &desired,
                   const std::vector<std::string> &roles) {
    Cache c;
    c.table = KernelTable{1, table_flag_owner | table_flag_persist, 1, ""};
    c.ours = true;
    c.known = true;
    c.held = held;
    for (std::size_t i = 0; i < held.roles.size(); ++i)
        c.dispatch[held.roles[i].role] = {100 + 2 * i, 101 + 2 * i};
    Steps steps = role_steps(c, desired, ApplyHint::only(roles));
    REQUIRE(steps.feasible);
    Batch batch(0);
    add_steps(batch, c, desired, steps);
    return testns::batch_text(std::move(batch).commit());
}

void check_golden(const std::string &name, const std::string &text) {
    std::string path =
        testsupport::source_dir() + "/tests/data/golden/netlink/" + name + ".payload";
    if (std::getenv("ROLEWALL_UPDATE_GOLDEN")) std::ofstream(path) << text;
    INFO("golden file " << path
                        << " (regenerate: ROLEWALL_UPDATE_GOLDEN=1 "
                           "build/tests/kernel/netlink_golden_tests)");
    CHECK(text == testsupport::read_file(path));
}

} // namespace

TEST_CASE("The creation batch of the sample layout is the golden one") {
    Config cfg = sample_config();
    check_golden("create", creation(layout_of(cfg, cfg.roles)));
}

TEST_CASE("The creation batch of the fail-safe table is the golden one") {
    check_golden("create-failsafe", creation(failsafe_layout()));
}

TEST_CASE("Enabling a role sends its objects only, its dispatch rules in role order") {
    Config cfg = sample_config();
    auto roles = cfg.roles;
    roles.erase("remote");
    roles["vpn"] = {};
    Layout held = layout_of(cfg, roles);
    roles["remote"] = cfg.roles.at("remote");
    // remote sorts before vpn: its dispatch rules go in front of vpn's first one.
    check_golden("enable", toggle(held, layout_of(cfg, roles), {"remote"}));
}

TEST_CASE("Disabling a role removes its dispatch rules by handle, its chain and its sets") {
    Config cfg = sample_config();
    auto roles = cfg.roles;
    Layout held = layout_of(cfg, roles);
    roles.erase("dc");
    check_golden("disable", toggle(held, layout_of(cfg, roles), {"dc"}));
}

TEST_CASE("rolewalld disabling a role empties its sets, and enabling it again fills them") {
    Config cfg = sample_config();
    Layout held = layout_of(cfg, cfg.roles);
    // What the daemon's role changes make of the layout: dc stays as an empty shell.
    Layout shell = held;
    auto roles = cfg.roles;
    roles.erase("dc");
    update_role_sets(shell, catalog(), cfg.ranges, roles, {"dc"});
    REQUIRE(shell.shell("dc"));
    std::string off = toggle(held, shell, {"dc"});
    std::string on = toggle(shell, held, {"dc"});
    for (const std::string &text : {off, on})
        for (const char *kind :
             {"NEWSET ", "DELSET ", "NEWRULE ", "DELRULE ", "NEWCHAIN ", "DELCHAIN "})
            CHECK(text.find(kind) == std::string::npos);
    check_golden("disable-shell", off);
    check_golden("enable-shell", on);
}

TEST_CASE("Re-scoping an enabled role changes only elements") {
    Config cfg = sample_config();
    auto roles = cfg.roles;
    Layout held = layout_of(cfg, roles);
    roles["dc"] = scope({"lan0", "vlan*"}, {"192.0.2.0/25", "198.51.100.0/24", "2001:db8::/32"});
    std::string text = toggle(held, layout_of(cfg, roles), {"dc"});
    CHECK(text.find("NEWSET ") == std::string::npos);
    CHECK(text.find("NEWRULE ") == std::string::npos);
    check_golden("rescope", text);
}
