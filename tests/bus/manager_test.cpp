// Role logic without kernel or bus: Manager over a RecordingBackend and files in a temp dir.
#include "recording_backend.hpp"
#include "rolewall/manager.hpp"
#include "support.hpp"
#include "worker_backend.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <poll.h>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace rolewall;
using testsupport::RecordingBackend;
using testsupport::TempDir;

namespace {

// A role of the local catalog, so that tests can make it vanish.
const char *extra_role = "id = \"extra\"\ntitle = \"Extra\"\ndescription = \"Local.\"\n"
                         "services = [\"ssh\"]\n";

struct Fixture {
    TempDir dir;
    RecordingBackend backend;
    Sources sources;

    explicit Fixture(const std::string &config = "[roles.remote]\n") {
        write_config(config);
        dir.write("local/roles/extra.toml", extra_role);
        sources = {testsupport::fixture_catalog(), dir.path() / "local",
                   dir.path() / "rolewall.toml", dir.path() / "state"};
    }
    void write_config(const std::string &text) const { dir.write("rolewall.toml", text); }
    fs::path state_file() const { return dir.path() / "state" / "state.toml"; }
    std::string state_text() const { return testsupport::read_file(state_file()); }

    Manager started() {
        Manager m(backend, sources);
        auto r = m.start();
        INFO((r ? "" : r.error().describe()));
        REQUIRE(r.ok());
        return m;
    }
};

// The roles in the last layout the backend got (the table holds only enabled roles).
std::set<std::string> kernel_roles(const RecordingBackend &b) {
    std::set<std::string> out;
    if (b.applied.empty()) return out;
    for (const auto &r : without_shells(b.applied.back()).roles)
        out.insert(r.role);
    return out;
}

std::set<std::string> names(const Manager &m) {
    auto v = m.enabled_names();
    return {v.begin(), v.end()};
}

// A request that replaces the dimensions given (non-empty) and keeps the others.
ScopeRequest scope(std::vector<std::string> ifs, std::vector<std::string> srcs = {}) {
    ScopeRequest r;
    if (!ifs.empty()) r.interfaces.replace = std::move(ifs);
    if (!srcs.empty()) r.sources.replace = std::move(srcs);
    return r;
}

ScopeRequest any_interface() {
    ScopeRequest r;
    r.interfaces.any = true;
    return r;
}

ChangeOptions runtime() {
    ChangeOptions o;
    o.runtime = true;
    return o;
}

ChangeOptions persistent() {
    return {};
}

RoleOrigin origin(const Manager &m, const std::string &role) {
    const EnabledRole *r = m.find(role);
    REQUIRE(r);
    return r->origin;
}

std::vector<fs::path> files_in(const fs::path &dir) {
    std::vector<fs::path> out;
    for (const auto &e : fs::directory_iterator(dir))
        out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("The roles of the config are enabled with origin config at start") {
    Fixture f("[roles.remote]\n[roles.vpn]\nsources = [\"10.0.0.0/8\"]\n");
    Manager m = f.started();
    CHECK(names(m) == std::set<std::string>{"remote", "vpn"});
    CHECK(origin(m, "remote") == RoleOrigin::config);
    CHECK(m.find("vpn")->scope.sources.at(0).str() == "10.0.0.0/8");
    CHECK(kernel_roles(f.backend) == names(m));
    CHECK_FALSE(fs::exists(f.state_file())); // nothing to save
}

TEST_CASE("A persistent enable is saved and has origin state") {
    Fixture f;
    Manager m = f.started();
    auto r = m.enable("dc", scope({"lan0"}, {"10.1.2.3/8"}), persistent());
    REQUIRE(r.ok());
    CHECK(r->saved);
    CHECK(r->applied);
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].role == "dc");
    CHECK(r->changes[0].enabled);
    CHECK(r->names_changed);
    CHECK(origin(m, "dc") == RoleOrigin::state);
    CHECK(kernel_roles(f.backend) == std::set<std::string>{"dc", "remote"});
    auto saved = parse_state(f.state_text(), "state.toml");
    REQUIRE(saved.ok());
    REQUIRE(saved->count("dc"));
    CHECK(saved->at("dc").enabled);
    CHECK(saved->at("dc").scope.interfaces == std::vector<std::string>{"lan0"});
    CHECK(saved->at("dc").scope.sources.at(0).str() == "10.0.0.0/8");
}

TEST_CASE("A runtime enable is not saved and has origin runtime") {
    Fixture f;
    Manager m = f.started();
    auto r = m.enable("dc", {}, runtime());
    REQUIRE(r.ok());
    CHECK_FALSE(r->saved);
    CHECK(origin(m, "dc") == RoleOrigin::runtime);
    CHECK(kernel_roles(f.backend).count("dc"));
    CHECK_FALSE(fs::exists(f.state_file()));
}

TEST_CASE("Runtime changes are lost and persistent ones kept when the daemon starts again") {
    Fixture f;
    {
        Manager m = f.started();
        REQUIRE(m.enable("dc", {}, persistent()).ok());
        REQUIRE(m.enable("vpn", {}, runtime()).ok());
        REQUIRE(m.disable("remote", runtime()).ok());
        CHECK(names(m) == std::set<std::string>{"dc", "vpn"});
    }
    Manager again = f.started();
    CHECK(names(again) == std::set<std::string>{"dc", "remote"});
    CHECK(origin(again, "dc") == RoleOrigin::state);
    CHECK(origin(again, "remote") == RoleOrigin::config);
    CHECK(kernel_roles(f.backend) == names(again));
}

TEST_CASE("Enabling a role twice changes nothing") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("dc", scope({"lan0"}), persistent()).ok());
    std::size_t applies = f.backend.applied.size();
    std::string file = f.state_text();
    auto r =
        m.enable("dc", scope({"lan0", "lan0"}), persistent()); // same scope, duplicates ignored
    REQUIRE(r.ok());
    CHECK(r->changes.empty());
    CHECK_FALSE(r->applied);
    CHECK_FALSE(r->saved);
    CHECK(f.backend.applied.size() == applies);
    CHECK(f.state_text() == file);
}

TEST_CASE("Enabling an enabled role with a new scope re-scopes it") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("dc", scope({"lan0"}), persistent()).ok());
    auto r = m.enable("dc", scope({}, {"192.0.2.0/24"}), persistent());
    REQUIRE(r.ok());
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].enabled);
    CHECK_FALSE(r->names_changed);
    const EnabledRole *dc = m.find("dc");
    CHECK(dc->scope.interfaces == std::vector<std::string>{"lan0"}); // kept: not asked
    REQUIRE(m.enable("dc", any_interface(), persistent()).ok());
    CHECK(dc->scope.interfaces.empty());
    CHECK(dc->scope.sources.at(0).str() == "192.0.2.0/24");
    const Layout &l = f.backend.applied.back();
    CHECK(l.set("dc_if")->elements.empty());
    CHECK(l.set("dc_anyif")->elements.size() == 2);
    CHECK(l.set("dc_v4")->elements.size() == 1);
    CHECK(l.set("dc_v6")->elements.empty());
}

TEST_CASE("A change names only the roles it touches to the backend, start and reload none") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(f.backend.hints.size() == 1);
    CHECK(f.backend.hints[0].all()); // start compares everything
    REQUIRE(m.enable("dc", scope({"lan0"}), persistent()).ok());
    REQUIRE(m.disable("remote", runtime()).ok());
    REQUIRE(f.backend.hints.size() == 3);
    CHECK_FALSE(f.backend.hints[1].all());
    CHECK(f.backend.hints[1].roles() == std::vector<std::string>{"dc"});
    CHECK(f.backend.hints[2].roles() == std::vector<std::string>{"remote"});
    CHECK_FALSE(f.backend.hints[2].covers("dc"));
    REQUIRE(m.reload().ok());
    REQUIRE(f.backend.hints.size() == 4);
    CHECK(f.backend.hints[3].all());
    CHECK(f.backend.applied.size() == 4);
}

TEST_CASE("A persistent disable of a config role is saved and survives a restart") {
    Fixture f;
    {
        Manager m = f.started();
        auto r = m.disable("remote", persistent());
        REQUIRE(r.ok());
        CHECK(r->saved);
        CHECK(names(m).empty());
        CHECK(kernel_roles(f.backend).empty());
    }
    CHECK(f.state_text().find("enabled = false") != std::string::npos);
    Manager again = f.started();
    CHECK(names(again).empty());
}

TEST_CASE("Disabling a role that is not enabled changes nothing") {
    Fixture f;
    Manager m = f.started();
    std::size_t applies = f.backend.applied.size();
    auto r = m.disable("vpn", persistent());
    REQUIRE(r.ok());
    CHECK(r->changes.empty());
    CHECK(f.backend.applied.size() == applies);
    CHECK_FALSE(fs::exists(f.state_file()));
}

TEST_CASE("Making a runtime enabling persistent changes only its origin") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("dc", {}, runtime()).ok());
    std::size_t applies = f.backend.applied.size();
    auto r = m.enable("dc", {}, persistent());
    REQUIRE(r.ok());
    CHECK_FALSE(r->applied); // the kernel already has it
    CHECK(r->saved);
    REQUIRE(r->changes.size() == 1); // the origin changed: RoleChanged is sent
    CHECK(origin(m, "dc") == RoleOrigin::state);
    CHECK(f.backend.applied.size() == applies);
}

TEST_CASE("A persistent change replaces a runtime change of the same role") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.disable("remote", runtime()).ok());
    REQUIRE(m.enable("remote", scope({"eth1"}), persistent()).ok());
    CHECK(origin(m, "remote") == RoleOrigin::state);
    CHECK(m.find("remote")->scope.interfaces == std::vector<std::string>{"eth1"});
}

TEST_CASE("Going back to the config's scope removes the state entry") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("remote", scope({"eth1"}), persistent()).ok());
    CHECK(origin(m, "remote") == RoleOrigin::state);
    REQUIRE(m.enable("remote", {}, persistent()).ok()); // nothing asked: the scope stays
    CHECK(origin(m, "remote") == RoleOrigin::state);
    REQUIRE(m.enable("remote", any_interface(), persistent()).ok());
    CHECK(origin(m, "remote") == RoleOrigin::config);
    CHECK(m.saved().empty());
    CHECK(f.state_text().find("[roles.") == std::string::npos);
}

TEST_CASE("A runtime change back to the persistent state leaves no runtime entry") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.disable("remote", runtime()).ok());
    REQUIRE(m.enable("remote", {}, runtime()).ok());
    CHECK(origin(m, "remote") == RoleOrigin::config);
}

TEST_CASE("An unknown role is refused and nothing changes") {
    Fixture f;
    Manager m = f.started();
    std::size_t applies = f.backend.applied.size();
    auto e = m.enable("no-such-role", {}, persistent());
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == Errc::unknown_role);
    CHECK(e.error().message.find("'no-such-role'") != std::string::npos);
    auto d = m.disable("no-such-role", runtime());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().code == Errc::unknown_role);
    CHECK(f.backend.applied.size() == applies);
    CHECK(names(m) == std::set<std::string>{"remote"});
}

TEST_CASE("A bad source or interface is refused as an invalid argument and nothing changes") {
    Fixture f;
    Manager m = f.started();
    std::size_t applies = f.backend.applied.size();
    for (const auto &bad : {scope({}, {"10.0.0.0/33"}), scope({}, {"not-an-address"}),
                            scope({"a/b"}), scope({"much-too-long-name0"}), scope({""})}) {
        auto r = m.enable("dc", bad, persistent());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_argument);
    }
    CHECK(f.backend.applied.size() == applies);
    CHECK_FALSE(m.find("dc"));
    CHECK_FALSE(fs::exists(f.state_file()));
}

TEST_CASE("A kernel refusal keeps memory, state file and kernel as they were") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("vpn", {}, persistent()).ok());
    std::string file = f.state_text();
    Layout before = f.backend.applied.back();
    f.backend.fail_next = true;
    auto r = m.enable("dc", {}, persistent());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kernel_rejected);
    CHECK(names(m) == std::set<std::string>{"remote", "vpn"});
    CHECK(f.state_text() == file);
    CHECK(kernel_roles(f.backend) == std::set<std::string>{"remote", "vpn"});
    CHECK(f.backend.applied.back().roles == before.roles);
    CHECK(f.backend.applied.back().sets == before.sets);
    CHECK(m.layout().sets == before.sets); // the role's part put back
    CHECK(files_in(f.dir.path() / "state") == std::vector<fs::path>{"state.toml"});
    // And the manager still works afterwards.
    REQUIRE(m.enable("dc", {}, persistent()).ok());
    CHECK(names(m) == std::set<std::string>{"dc", "remote", "vpn"});
}

TEST_CASE("A state file that cannot be written keeps memory and kernel as they were") {
    Fixture f;
    f.dir.write("not-a-dir", "");
    f.sources.state_dir = f.dir.path() / "not-a-dir" / "state"; // mkdir fails (ENOTDIR)
    Manager m = f.started();
    std::size_t applies = f.backend.applied.size();
    auto r = m.enable("dc", {}, persistent());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::io);
    CHECK(f.backend.applied.size() == applies); // the kernel was never asked
    CHECK_FALSE(m.find("dc"));
    // Runtime changes need no file and still work.
    CHECK(m.enable("dc", {}, runtime()).ok());
}

TEST_CASE("Reload applies an edited config and keeps runtime changes") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("vpn", {}, runtime()).ok());
    f.write_config("[firewall]\npolicy = \"reject\"\n[roles.dc]\n");
    auto r = m.reload();
    REQUIRE(r.ok());
    CHECK(r->applied);
    CHECK(names(m) == std::set<std::string>{"dc", "vpn"});
    CHECK(origin(m, "vpn") == RoleOrigin::runtime);
    CHECK(m.config().policy == Policy::reject);
    CHECK(f.backend.applied.back().policy == Policy::reject);
    std::set<std::string> changed;
    for (const auto &c : r->changes)
        changed.insert(c.role);
    CHECK(changed == std::set<std::string>{"dc", "remote"});
}

TEST_CASE("Reload with a broken config keeps everything as it was") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("vpn", {}, persistent()).ok());
    std::size_t applies = f.backend.applied.size();
    std::string file = f.state_text();
    f.write_config("[roles.remote]\n[roles.nonexistent]\n[firewall]\npolicy = \"maybe\"\n");
    auto r = m.reload();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    CHECK(r.error().diagnostics.size() == 2);
    CHECK(r.error().describe().find("rolewall.toml:2:") != std::string::npos);
    CHECK(f.backend.applied.size() == applies);
    CHECK(names(m) == std::set<std::string>{"remote", "vpn"});
    CHECK(m.config().policy == Policy::drop);
    CHECK(f.state_text() == file);
}

TEST_CASE("Reload with a broken local catalog keeps everything as it was") {
    Fixture f;
    Manager m = f.started();
    f.dir.write("local/roles/broken.toml", "id = \"broken\"\n");
    auto r = m.reload();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    CHECK(m.catalog().role("extra"));
    CHECK(names(m) == std::set<std::string>{"remote"});
}

TEST_CASE("A kernel refusal during reload keeps the running config") {
    Fixture f;
    Manager m = f.started();
    f.write_config("[roles.dc]\n");
    f.backend.fail_next = true;
    auto r = m.reload();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kernel_rejected);
    CHECK(m.config().roles.count("remote"));
    CHECK(names(m) == std::set<std::string>{"remote"});
}

TEST_CASE("Reload reads a state file edited by hand, and keeps the roles of damaged entries") {
    Fixture f;
    Manager m = f.started();
    f.dir.write("state/state.toml", "version = 1\n[roles.vpn]\nenabled = true\n");
    REQUIRE(m.reload().ok());
    CHECK(origin(m, "vpn") == RoleOrigin::state);
    f.dir.write("state/state.toml", "version = 1\n[roles.vpn]\nenabled = \"yes\"\n"
                                    "[roles.remote]\nenabled = false\n");
    auto r = m.reload();
    REQUIRE(r.ok());
    // The good entry applies; the damaged one's role keeps the saved state in force.
    CHECK(names(m) == std::set<std::string>{"vpn"});
    CHECK(origin(m, "vpn") == RoleOrigin::state);
    bool told = false;
    for (const auto &n : r->notices)
        told = told || (n.role == "vpn" && n.message.find("damaged") != std::string::npos);
    CHECK(told);
    // Left in place for the admin to fix: no moving aside on reload.
    CHECK(files_in(f.dir.path() / "state") == std::vector<fs::path>{"state.toml"});
}

TEST_CASE("A damaged state file is moved aside at start and replaced by what is in force") {
    Fixture f;
    std::string garbage = "version = 1\n[roles.dc\nenabled = tru";
    f.dir.write("state/state.toml", garbage);
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE(r.ok());
    // No table in the kernel: the damaged entry's role is disabled.
    CHECK(names(m) == std::set<std::string>{"remote"});
    bool moved = false, named = false;
    for (const auto &n : r->notices) {
        moved = moved || n.message.find("moved it aside") != std::string::npos;
        named = named || n.role == "dc";
    }
    CHECK(moved);
    CHECK(named);
    auto files = files_in(f.dir.path() / "state");
    REQUIRE(files.size() == 2);
    CHECK(files[0] == "state.toml");
    CHECK(files[1].string().rfind("state.toml.corrupt-", 0) == 0);
    CHECK(testsupport::read_file(f.dir.path() / "state" / files[1]) == garbage);
    auto fresh = parse_state(f.state_text(), "state.toml");
    REQUIRE(fresh.ok());
    CHECK(fresh->empty());
}

namespace {

// The config enables remote and vpn; the saved state disables vpn and enables dc from one
// network on lan0. Returns the state file's text.
std::string closed_by_state(Fixture &f) {
    f.write_config("[roles.remote]\n[roles.vpn]\n");
    Manager m = f.started();
    REQUIRE(m.disable("vpn", persistent()).ok());
    REQUIRE(m.enable("dc", scope({"lan0"}, {"192.0.2.0/24"}), persistent()).ok());
    REQUIRE(names(m) == std::set<std::string>{"dc", "remote"});
    return f.state_text();
}

std::string damage(std::string text, const std::string &from, const std::string &to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("One damaged entry in state.toml spoils only its own role, never opening anything") {
    Fixture f;
    std::string good = closed_by_state(f);
    SECTION("a bad value in the entry of a closed role, the kernel holding the table") {
        f.dir.write("state/state.toml", damage(good, "enabled = false", "enabled = 0"));
        Manager m = f.started();
        CHECK(names(m) == std::set<std::string>{"dc", "remote"}); // vpn as the kernel has it
        CHECK(m.find("dc")->scope.sources.at(0).str() == "192.0.2.0/24");
    }
    SECTION("a syntax error in the entry of a scoped role, the kernel holding the table") {
        f.dir.write("state/state.toml", damage(good, "sources = [", "sources = [[,"));
        Manager m = f.started();
        CHECK(names(m) == std::set<std::string>{"dc", "remote"});
        // dc keeps the scope the kernel holds, not "any" and not the config's nothing.
        REQUIRE(m.find("dc"));
        CHECK(m.find("dc")->scope.interfaces == std::vector<std::string>{"lan0"});
        CHECK(m.find("dc")->scope.sources.at(0).str() == "192.0.2.0/24");
        // The replacement file keeps it so, for the next reload and start.
        auto saved = parse_state(f.state_text(), "state.toml");
        REQUIRE(saved.ok());
        CHECK(saved->at("dc").scope.interfaces == std::vector<std::string>{"lan0"});
        CHECK_FALSE(saved->at("vpn").enabled);
    }
    SECTION("damaged entries after a reboot (no table): their roles are disabled") {
        f.dir.write("state/state.toml", damage(damage(good, "enabled = false", "enabled = no"),
                                               "192.0.2.0/24", "192.0.2.0/33"));
        RecordingBackend fresh;
        Manager m(fresh, f.sources);
        REQUIRE(m.start().ok());
        CHECK(names(m) == std::set<std::string>{"remote"}); // neither vpn (config) nor dc
    }
    SECTION("a damaged version line: every role stays as the kernel has it") {
        f.dir.write("state/state.toml", damage(good, "version = 1", "version = "));
        Manager m = f.started();
        CHECK(names(m) == std::set<std::string>{"dc", "remote"});
    }
    SECTION("the other entries apply") {
        f.dir.write("state/state.toml", damage(good, "enabled = false",
                                               "enabled = false\n[roles.remote]\nenabled = f"));
        RecordingBackend fresh;
        Manager m(fresh, f.sources);
        REQUIRE(m.start().ok());
        // vpn's entry (before the damage) applies, dc's too; remote's entry is damaged.
        CHECK(names(m) == std::set<std::string>{"dc"});
    }
}

TEST_CASE("The state file is read entry by entry, each problem with its line") {
    std::string text = "version = 1\n\n[roles.dc]\nenabled = true\nsources = [\"10.0.0.0/8\"]\n\n"
                       "[roles.vpn\nenabled = true\n\n"
                       "[roles.ssh]\nenabled = maybe\n\n"
                       "[roles.remote]\nenabled = false\n\n"
                       "[roles.dc]\nenabled = false\n";
    StateRead r = read_state(text, "state.toml");
    CHECK_FALSE(r.clean());
    CHECK_FALSE(r.unattributed);
    CHECK(r.good.size() == 1);
    CHECK(r.good.count("remote"));
    CHECK(r.damaged == std::set<std::string>{"dc", "ssh", "vpn"}); // dc: two entries
    std::set<int> lines;
    for (const auto &d : r.problems)
        lines.insert(d.line);
    CHECK(lines.count(7));  // [roles.vpn
    CHECK(lines.count(11)); // enabled = maybe
    CHECK(r.is_damaged("vpn"));
    CHECK_FALSE(r.is_damaged("web")); // no entry, nothing unattributed
    SECTION("a problem outside any entry damages every role without a good entry") {
        StateRead u =
            read_state("version = 1\ncolour = 1\n[roles.remote]\nenabled = false\n", "state.toml");
        CHECK(u.unattributed);
        CHECK(u.good.count("remote"));
        CHECK_FALSE(u.is_damaged("remote"));
        CHECK(u.is_damaged("web"));
    }
    SECTION("an unknown version makes every entry meaningless") {
        StateRead v = read_state("version = 2\n[roles.remote]\nenabled = false\n", "state.toml");
        CHECK(v.unattributed);
        CHECK(v.good.empty());
        CHECK(v.is_damaged("remote"));
    }
}

TEST_CASE("A saved role that left the catalog is ignored, reported and kept in the file") {
    Fixture f;
    {
        Manager m = f.started();
        REQUIRE(m.enable("extra", scope({"eth0"}), persistent()).ok());
    }
    fs::remove(f.dir.path() / "local/roles/extra.toml");
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE(r.ok());
    CHECK(names(m) == std::set<std::string>{"remote"});
    REQUIRE(r->notices.size() == 1);
    CHECK(r->notices[0].role == "extra");
    // Another persistent change keeps the dormant entry in the file.
    REQUIRE(m.enable("dc", {}, persistent()).ok());
    auto saved = parse_state(f.state_text(), "state.toml");
    REQUIRE(saved.ok());
    CHECK(saved->count("extra"));
    // When the role comes back, so does its saved enabling.
    f.dir.write("local/roles/extra.toml", extra_role);
    auto back = m.reload();
    REQUIRE(back.ok());
    CHECK(origin(m, "extra") == RoleOrigin::state);
    CHECK(m.find("extra")->scope.interfaces == std::vector<std::string>{"eth0"});
}

TEST_CASE("Reload drops runtime changes of roles that left the catalog") {
    Fixture f;
    Manager m = f.started();
    REQUIRE(m.enable("extra", {}, runtime()).ok());
    fs::remove(f.dir.path() / "local/roles/extra.toml");
    auto r = m.reload();
    REQUIRE(r.ok());
    CHECK_FALSE(m.find("extra"));
    REQUIRE(r->notices.size() == 1);
    CHECK(r->notices[0].role == "extra");
    CHECK(kernel_roles(f.backend) == std::set<std::string>{"remote"});
}

TEST_CASE("Start fails on a broken config and applies nothing") {
    Fixture f("[roles.nope]\n");
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    CHECK(f.backend.applied.empty());
    CHECK_FALSE(m.started());
}

TEST_CASE(
    "A Manager that cannot start holds a firewall, refuses changes, and a reload brings it back") {
    Fixture f("[roles.nope]\n");
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE_FALSE(r.ok());
    SECTION("with nothing in the kernel: the fail-safe") {
        REQUIRE(m.hold(r.error()).ok());
        REQUIRE(f.backend.applied.size() == 1);
        CHECK(f.backend.applied.back().failsafe);
        CHECK(m.health().ruleset == Ruleset::fail_safe);
        CHECK(m.layout().failsafe);
    }
    SECTION("with the fail-safe table a degraded daemon left: the fail-safe again") {
        REQUIRE(m.hold(r.error()).ok());
        Manager again(f.backend, f.sources);
        auto r2 = again.start();
        REQUIRE_FALSE(r2.ok());
        REQUIRE(again.hold(r2.error()).ok());
        CHECK(again.health().ruleset == Ruleset::fail_safe);
        CHECK(again.layout().failsafe);
        CHECK(f.backend.kept == 0);
        return;
    }
    SECTION("with a table in the kernel: kept as it is") {
        Fixture good;
        good.started();
        Manager held(good.backend, f.sources);
        REQUIRE(held.hold(r.error()).ok());
        CHECK(good.backend.applied.size() == 1); // nothing applied on top
        CHECK(good.backend.kept == 1);           // but taken over, so nothing removes it
        CHECK(held.health().ruleset == Ruleset::last_good);
        CHECK(held.layout().sets == good.backend.applied.back().sets); // what Explain sees
        CHECK(held.layout().roles.size() == 1);
        CHECK(held.verify_kernel().state == KernelMatch::State::unknown);
        return;
    }
    CHECK(m.health().degraded);
    CHECK(m.health().error.message.find("rolewall.toml") != std::string::npos);
    auto refused = m.enable("remote", {}, persistent());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::degraded);
    CHECK(m.disable("remote", runtime()).error().code == Errc::degraded);
    CHECK(m.reload().error().code == Errc::invalid_config); // still broken
    CHECK(m.health().degraded);
    f.write_config("[roles.vpn]\n");
    auto back = m.reload();
    REQUIRE(back.ok());
    CHECK_FALSE(m.health().degraded);
    CHECK(m.health().ruleset == Ruleset::roles);
    CHECK(names(m) == std::set<std::string>{"vpn"});
    CHECK_FALSE(f.backend.applied.back().failsafe);
    CHECK(m.verify_kernel().state == KernelMatch::State::matches);
    REQUIRE(m.enable("dc", {}, runtime()).ok());
}

TEST_CASE("A Manager does not hold a table another live process owns") {
    Fixture f("[roles.nope]\n");
    f.backend.other_owner = 4242;
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE_FALSE(r.ok());
    auto held = m.hold(r.error());
    REQUIRE_FALSE(held.ok());
    CHECK(held.error().message.find("netlink port 4242") != std::string::npos);
    CHECK(f.backend.applied.empty()); // no fail-safe over the other's table
    CHECK(f.backend.kept == 0);
    CHECK_FALSE(m.health().degraded);
}

TEST_CASE("A reload reads the whole table back and repairs it, a start compares it at first") {
    Fixture f;
    Manager m(f.backend, f.sources);
    REQUIRE(m.start().ok());
    CHECK_FALSE(f.backend.hints.back().read_back()); // the backend's first apply reads anyway
    CHECK(f.backend.hints.back().all());
    REQUIRE(m.reload().ok());
    CHECK(f.backend.hints.back().read_back());
    CHECK(f.backend.hints.back().all());
    REQUIRE(m.enable("dc", {}, runtime()).ok());
    CHECK_FALSE(f.backend.hints.back().read_back()); // a toggle does not
}

TEST_CASE("Files that anyone but root could write are refused, with path and mode") {
    Fixture f;
    fs::path refused;
    std::string why;
    SECTION("a world-writable config") {
        refused = f.dir.path() / "rolewall.toml";
        ::chmod(refused.c_str(), 0666);
        why = "is writable by its group and others (mode 0666)";
    }
    SECTION("a group-writable state directory") {
        f.dir.write("state/state.toml", "version = 1\n");
        refused = f.dir.path() / "state";
        ::chmod(refused.c_str(), 0775);
        why = "is writable by its group (mode 0775)";
    }
    SECTION("a state file owned by another user") {
        refused = f.dir.write("state/state.toml", "version = 1\n");
        REQUIRE(::chown(refused.c_str(), 1000, 1000) == 0);
        why = "is owned by uid 1000, not by root";
    }
    SECTION("a local catalog role owned by another user and writable by others") {
        refused = f.dir.path() / "local/roles/extra.toml";
        REQUIRE(::chown(refused.c_str(), 1000, 1000) == 0);
        ::chmod(refused.c_str(), 0646);
        why = "is owned by uid 1000, not by root, and it is writable by others (mode 0646)";
    }
    SECTION("a world-writable directory holding the config") {
        refused = f.dir.path();
        ::chmod(refused.c_str(), 01777);
        why = "is writable by its group and others (mode 1777)";
    }
    Manager m(f.backend, f.sources);
    auto r = m.start();
    ::chmod(f.dir.path().c_str(), 0755); // so that the temporary directory can go
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
    REQUIRE(r.error().diagnostics.size() == 1);
    CHECK(r.error().diagnostics[0].file == refused.string());
    CHECK(r.error().diagnostics[0].message.find(why) != std::string::npos);
    CHECK(f.backend.applied.empty());
}

TEST_CASE("Reload refuses a file that became writable by others and keeps what runs") {
    Fixture f;
    Manager m = f.started();
    f.write_config("[roles.vpn]\n");
    ::chmod((f.dir.path() / "rolewall.toml").c_str(), 0622);
    auto r = m.reload();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().describe().find("mode 0622") != std::string::npos);
    CHECK(names(m) == std::set<std::string>{"remote"});
    ::chmod((f.dir.path() / "rolewall.toml").c_str(), 0644);
    REQUIRE(m.reload().ok());
    CHECK(names(m) == std::set<std::string>{"vpn"});
}

TEST_CASE("Start fails on a missing catalog directory") {
    Fixture f;
    f.sources.catalog = f.dir.path() / "missing";
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_config);
}

TEST_CASE("The state file round-trips through render and parse") {
    SavedState s;
    s["dc"] = {
        true, *apply_request({}, scope({"vlan*", "lan0"}, {"fd00::/8", "10.0.0.0/8"}), {}, nullptr),
        1795867200000000, "uid 0"}; // saved_at (whole seconds), saved_by
    s["remote"] = {false, {}, 0, {}};
    s["vpn"] = {true, {}, 1795867201000000, "uid 1000"};
    std::string text = render_state(s);
    auto back = parse_state(text, "state.toml");
    INFO(text);
    REQUIRE(back.ok());
    CHECK(*back == s);
}

TEST_CASE("A state file with anything unexpected in it is invalid") {
    for (const char *text :
         {"", "version = 2\n", "version = 1\nextra = 1\n", "version = 1\n[roles.dc]\n",
          "version = 1\n[roles.dc]\nenabled = true\nsources = [\"10.0.0.300\"]\n",
          "version = 1\n[roles.dc]\nenabled = true\ninterfaces = []\n",
          "version = 1\n[roles.dc]\nenabled = false\ninterfaces = [\"lan0\"]\n",
          "version = 1\n[roles.dc]\nenabled = true\ncolour = \"red\"\n",
          "version = 1\n[roles.dc]\nenabled = true\nsaved_at = \"yesterday\"\n",
          "version = 1\n[roles.dc]\nenabled = true\nsaved_at = 2026-11-28T12:00:00\n",
          "version = 1\n[roles.dc]\nenabled = true\nsaved_by = 0\n", "version = 1\nroles = 3\n"}) {
        INFO(text);
        auto r = parse_state(text, "state.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_config);
        CHECK_FALSE(r.error().diagnostics.empty());
    }
}

TEST_CASE("A state file is replaced without leaving temporary files behind") {
    Fixture f;
    Manager m = f.started();
    for (int i = 0; i < 5; ++i) {
        REQUIRE(m.enable("dc", {}, persistent()).ok());
        REQUIRE(m.disable("dc", persistent()).ok());
    }
    REQUIRE(m.enable("vpn", {}, persistent()).ok());
    CHECK(files_in(f.dir.path() / "state") == std::vector<fs::path>{"state.toml"});
    CHECK(fs::status(f.state_file()).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
}

TEST_CASE("Temporary state files left by a killed daemon are removed at start") {
    Fixture f;
    f.dir.write("state/state.toml", "version = 1\n\n[roles.vpn]\nenabled = true\n");
    f.dir.write("state/state.toml.tmp-a1B2c3", "version = 1\n\n[roles.dc]\nenabled = tr");
    f.dir.write("state/state.toml.tmp-Zz9999", "");
    f.dir.write("state/state.toml.corrupt-20260101T000000Z", "kept");
    f.dir.write("state/notes.txt", "not ours");
    Manager m(f.backend, f.sources);
    auto r = m.start();
    REQUIRE(r.ok());
    CHECK(files_in(f.dir.path() / "state") ==
          std::vector<fs::path>{"notes.txt", "state.toml", "state.toml.corrupt-20260101T000000Z"});
    CHECK(names(m) == std::set<std::string>{"remote", "vpn"}); // the real file is in force
    std::size_t told = 0;
    for (const auto &n : r->notices)
        told += n.message.find("state.toml.tmp-") != std::string::npos;
    CHECK(told == 2);
}

TEST_CASE("After any sequence of changes the layout is the one built from the enabled roles") {
    Fixture f("[roles.remote]\n[roles.dc]\ninterfaces = [\"lan0\"]\n");
    Manager m = f.started();
    auto check = [&] {
        std::map<std::string, Scope> scopes;
        for (const auto &[name, r] : m.enabled())
            scopes.emplace(name, r.scope);
        Layout want = build_layout(m.catalog(), m.config().policy, m.config().ranges, scopes);
        // What a disable left of a role is its shell: the same sets, empty.
        CHECK(without_shells(m.layout()).sets == want.sets);
        CHECK(without_shells(f.backend.applied.back()).sets == want.sets);
        for (const RoleChain &r : m.layout().roles)
            CHECK((m.layout().shell(r.role) || want.role(r.role)));
    };
    REQUIRE(m.enable("vpn", scope({}, {"192.0.2.0/24", "2001:db8::/32"}), runtime()).ok());
    check();
    REQUIRE(m.disable("dc", persistent()).ok());
    check();
    REQUIRE(m.enable("dc", scope({"lan1"}), runtime()).ok());
    check();
    REQUIRE(m.enable("remote", scope({"wan0"}), persistent()).ok());
    check();
    REQUIRE(m.disable("vpn", runtime()).ok());
    check();
    f.backend.fail_next = true;
    CHECK_FALSE(m.enable("vpn", scope({}), persistent()).ok());
    check(); // the refused change's sets were put back
    REQUIRE(m.reload().ok());
    check();
    CHECK(without_shells(m.layout()).roles == m.layout().roles); // a reload builds anew
}

// --- The daemon's backend: kernel changes on a worker --------------------------------------------

namespace {

// Records on which thread apply() ran.
struct ThreadRecording : RecordingBackend {
    std::thread::id apply_thread;
    pid_t apply_tid = 0; // the kernel's id: a new thread gets a new one (a std::thread::id may
                         // be reused once a thread is joined)
    Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) override {
        apply_thread = std::this_thread::get_id();
        apply_tid = ::gettid();
        return RecordingBackend::apply(desired, hint);
    }
};

} // namespace

TEST_CASE("The daemon's backend applies on a worker and refuses every other call meanwhile") {
    ThreadRecording inner;
    WorkerBackend *worker = nullptr;
    int waits = 0;
    WorkerBackend backend(inner, [&](int done_fd) {
        ++waits;
        CHECK(worker->busy());
        // What the loop may be asked while it waits (GetStatus reads the kernel back): refused,
        // never run on the backend the worker is using.
        auto check = worker->verify(failsafe_layout());
        REQUIRE_FALSE(check.ok());
        CHECK(check.error().message.find("a change is being applied") != std::string::npos);
        CHECK_FALSE(worker->presence().ok());
        CHECK_FALSE(worker->apply(failsafe_layout(), ApplyHint::everything()).ok());
        pollfd p{done_fd, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 10000) == 1); // the waiter returns once the worker is done
    });
    worker = &backend;
    Layout layout = failsafe_layout();
    auto applied = backend.apply(layout, ApplyHint::everything());
    REQUIRE(applied.ok());
    CHECK(waits == 1);
    CHECK(inner.applied.size() == 1);
    CHECK(inner.apply_thread != std::thread::id());
    CHECK(inner.apply_thread != std::this_thread::get_id());
    CHECK_FALSE(backend.busy());
    auto check = backend.verify(layout); // after it: calls go through again
    REQUIRE(check.ok());
    CHECK(check->matches);
    const pid_t first = inner.apply_tid;
    inner.fail_next = true; // the backend's refusal is the caller's, unchanged
    auto refused = backend.apply(layout, ApplyHint::everything());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::kernel_rejected);
    CHECK(inner.applied.size() == 1);
    CHECK(waits == 2);
    CHECK(inner.apply_tid == first); // one worker thread for every change
}
