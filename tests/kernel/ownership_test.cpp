// Table ownership: with owner|persist the table belongs to the backend's socket while it is
// open and outlives it; a new backend takes it over in place.
#include "backend_util.hpp"
#include "kernel/nft_backend.hpp"
#include "kernel_util.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace rolewall;
using namespace testns;

namespace {

bool has_owner_flags() {
    auto b = NftBackend::open();
    return b && (*b)->table_flags() != 0;
}

enum class Ending { exit, sigkill };

// A child process applies `layout` and ends; returns how it ended (0: applied and exited,
// SIGKILL: applied and was killed; anything else is a failure code).
int apply_in_child(const Layout &layout, Ending ending) {
    pid_t pid = fork();
    if (pid == 0) {
        auto b = NftBackend::open();
        if (!b || !(*b)->apply(layout, ApplyHint::everything())) _exit(3);
        if (ending == Ending::sigkill) raise(SIGKILL);
        _exit(0); // no destructors: as abrupt as a crash, short of the signal
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
}

} // namespace

TEST_CASE("The table outlives the backend that made it") {
    Layout layout = make_layout(sample_roles());
    {
        auto backend = open_backend();
        REQUIRE(backend->apply(layout, ApplyHint::everything()).ok());
    }
    REQUIRE(table_exists());
    CHECK(table_text() == rendered(layout));
}

TEST_CASE("The table outlives its process, whether it exits or is killed") {
    if (!has_owner_flags()) return; // the kernel has no persist flag: nothing to outlive
    Layout layout = make_layout(sample_roles());
    Ending ending = GENERATE(Ending::exit, Ending::sigkill);
    int how = apply_in_child(layout, ending);
    CHECK(how == (ending == Ending::exit ? 0 : SIGKILL));
    REQUIRE(table_exists());
    CHECK(table_text() == rendered(layout));
    // Orphaned: no progname, no owner flag.
    CHECK_THAT(listing(), !Catch::Contains("progname"));
    // A new backend takes it over with one message and changes nothing else.
    auto before = handles();
    auto backend = open_backend();
    auto r = backend->apply(layout, ApplyHint::everything());
    REQUIRE(r.ok());
    CHECK(r->kind == ApplyReport::Kind::unchanged);
    CHECK(r->messages == 1);
    CHECK(handles() == before);
    CHECK_THAT(listing(), Catch::Contains("progname kernel_tests"));
}

TEST_CASE("A backend started on a table made for another layout replaces it in one transaction") {
    auto roles = sample_roles();
    REQUIRE(apply_in_child(make_layout(roles), Ending::exit) == 0);
    roles[0].enabled = false;
    roles[1].tcp.push_back({8443, 8443, "https-alt"});
    Layout wanted = make_layout(roles);
    auto backend = open_backend();
    std::uint32_t gen = generation();
    auto r = backend->apply(wanted, ApplyHint::everything());
    REQUIRE(r.ok());
    // Only a table that is exactly what the daemon builds is kept: this one is not.
    CHECK(r->kind == ApplyReport::Kind::replaced);
    CHECK(generation() == gen + 1);
    CHECK_THAT(r->differences,
               Catch::VectorContains(std::string("extra chain role-ad-dc")) &&
                   Catch::VectorContains(std::string(
                       "set web_tcp: missing element 8443 comment \"web: https-alt\"")));
    CHECK(table_text() == rendered(wanted));
    CHECK(backend->verify(wanted).value().matches);
}

TEST_CASE("Nobody else can change or delete the table while the backend owns it") {
    auto backend = open_backend();
    if (!backend->table_flags()) return;
    Layout layout = make_layout(sample_roles());
    REQUIRE(backend->apply(layout, ApplyHint::everything()).ok());
    std::string before = listing();
    REQUIRE(nft_script("table ip other {\n  chain c {\n  }\n}\n").status == 0);

    CHECK(nft({"add", "element", "inet", "rolewall", "ssh_tcp", "{ 2222 }"}).status != 0);
    CHECK(nft({"delete", "table", "inet", "rolewall"}).status != 0);
    // `nft flush ruleset` succeeds, and flushes everything but the owned table. (Only ever
    // in this process's own network namespace.)
    REQUIRE(in_private_netns());
    CHECK(nft({"flush", "ruleset"}).status == 0);
    CHECK_FALSE(table_exists("ip", "other"));
    CHECK(listing() == before);
    // A second backend in this namespace is refused without sending anything.
    auto other = open_backend();
    auto r = other->apply(make_layout({}), ApplyHint::everything());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kernel_rejected);
    CHECK_THAT(r.error().message, Catch::Contains("belongs to another process"));
    CHECK(listing() == before);
}

TEST_CASE("presence() tells whether there is a table and whether another process owns it") {
    auto backend = open_backend();
    auto none = backend->presence();
    REQUIRE(none.ok());
    CHECK_FALSE(none->exists);
    CHECK_FALSE(none->other_owner);

    apply_ok(*backend, failsafe_layout());
    auto mine = backend->presence();
    REQUIRE(mine.ok());
    CHECK(mine->exists);
    CHECK(mine->failsafe);
    CHECK_FALSE(mine->other_owner);
    CHECK(fingerprint_in(mine->comment) == nft_fingerprint(failsafe_layout()));

    // A table without roles is not told apart by its sets (it has none) but by presence().
    apply_ok(*backend, make_layout({}));
    auto other = open_backend();
    auto seen = other->presence();
    REQUIRE(seen.ok());
    CHECK(seen->exists);
    CHECK_FALSE(seen->failsafe);
    if (backend->table_flags()) CHECK(seen->other_owner.has_value());
}

TEST_CASE("keep() takes an orphaned table over and changes nothing else") {
    if (!has_owner_flags()) return; // nothing to take over without owner|persist
    Layout layout = make_layout(sample_roles());
    REQUIRE(apply_in_child(layout, Ending::sigkill) == SIGKILL);
    std::string before = table_text();
    auto handles_before = handles();
    std::uint32_t gen = generation();

    auto backend = open_backend();
    auto r = backend->keep();
    REQUIRE(r.ok());
    CHECK(r->kind == ApplyReport::Kind::unchanged);
    CHECK(r->messages == 1);
    CHECK(generation() == gen + 1);
    CHECK(table_text() == before);
    CHECK(handles() == handles_before);
    CHECK_THAT(listing(), Catch::Contains("progname kernel_tests"));
    // Ours now: `nft flush ruleset` leaves it, another backend cannot take it.
    REQUIRE(in_private_netns());
    CHECK(nft({"flush", "ruleset"}).status == 0);
    CHECK(table_text() == before);
    auto other = open_backend();
    auto refused = other->keep();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("belongs to another process"));
    // Kept twice: nothing to send. The next apply compares the table and keeps it in place.
    auto again = backend->keep();
    REQUIRE(again.ok());
    CHECK(again->messages == 0);
    auto applied = backend->apply(layout, ApplyHint::everything());
    REQUIRE(applied.ok());
    CHECK(applied->kind == ApplyReport::Kind::unchanged);
    CHECK(handles() == handles_before);
}

TEST_CASE("keep() with no table sends nothing") {
    auto backend = open_backend();
    std::uint32_t gen = generation();
    auto r = backend->keep();
    REQUIRE(r.ok());
    CHECK(r->messages == 0);
    CHECK(generation() == gen);
    CHECK_FALSE(table_exists());
}

TEST_CASE("A kernel without the table flags gets the table without them from one apply") {
    // A flag no kernel has stands for a kernel without persist (before Linux 6.9, as Debian 12's
    // 6.1): it refuses the batch that creates the table with it, and the backend sends the
    // creation again without flags.
    constexpr std::uint32_t unknown_flag = 1u << 30;
    auto b = NftBackend::open(NftBackend::default_table_flags | unknown_flag);
    REQUIRE(b);
    Layout layout = make_layout(sample_roles());
    auto r = (*b)->apply(layout, ApplyHint::everything());
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    CHECK(r->kind == ApplyReport::Kind::created);
    CHECK((*b)->table_flags() == 0);
    CHECK(table_text() == rendered(layout));
    CHECK_THAT(listing(), !Catch::Contains("flags owner") && !Catch::Contains("persist") &&
                              !Catch::Contains("progname"));
    // Known from then on: a change goes in place, without flags.
    Layout fewer = make_layout({sample_roles().front()});
    auto again = (*b)->apply(fewer, ApplyHint::everything());
    REQUIRE(again);
    CHECK(again->kind == ApplyReport::Kind::elements);
    CHECK(table_text() == rendered(fewer));
}
