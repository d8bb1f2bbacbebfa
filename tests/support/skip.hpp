// Skipping a test that cannot run here, honestly.
//
// Catch2 2.13 (Debian 12) has no SKIP. ROLEWALL_SKIP(reason) ends the running test case at once,
// without failing it, and prints "skipped: <reason>" in Catch's report. The test main
// (run_catch_session) then exits with skip_code (77) when every test case it ran was skipped
// and nothing failed; CTest runs each test case as a process of its own with
// SKIP_RETURN_CODE 77, so it reports such a test as "Not Run (Skipped)", never as "Passed". Run
// by hand, a binary with some skipped and some passing cases exits 0 and lists the skipped
// ones on stderr at the end.
//
// ROLEWALL_SKIP returns from the function it is written in: use it in the TEST_CASE body (a
// helper returns whether the test can run, and the test case skips).
#pragma once

#include <catch2/catch.hpp>
#include <string>

namespace testsupport {

// CTest's SKIP_RETURN_CODE for every test of this tree.
inline constexpr int skip_code = 77;

// Records that the running test case is skipped, and why.
void mark_skipped(const std::string &reason);

// Runs the Catch session on argv, as Catch's own main does, and returns the exit code above.
int run_catch_session(int argc, char **argv);

// True when argv only asks Catch to list tests or print help (catch_discover_tests does at
// build time): no namespace or privilege is needed for that.
bool listing_only(int argc, char **argv);

} // namespace testsupport

#define ROLEWALL_SKIP(reason)                                                                      \
    do {                                                                                           \
        WARN("skipped: " << (reason));                                                             \
        ::testsupport::mark_skipped(std::string() + (reason));                                     \
        return;                                                                                    \
    } while (false)
