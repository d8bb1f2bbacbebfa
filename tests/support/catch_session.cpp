// The Catch2 implementation for every test binary, with skip tracking (skip.hpp).
#define CATCH_CONFIG_RUNNER
#include "skip.hpp"

#include <cstdio>
#include <cstring>
#include <vector>

namespace testsupport {

namespace {

struct Tally {
    std::size_t ran = 0;
    std::vector<std::string> skipped; // "name: reason"
    std::string current;
};

Tally &tally() {
    static Tally t;
    return t;
}

// Counts the test cases that ran; a test case run again for another SECTION counts once.
class SkipListener : public Catch::TestEventListenerBase {
  public:
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseStarting(const Catch::TestCaseInfo &info) override {
        tally().current = info.name;
        ++tally().ran;
    }
};

} // namespace

void mark_skipped(const std::string &reason) {
    std::string entry = tally().current + ": " + reason;
    auto &s = tally().skipped;
    if (s.empty() || s.back() != entry) s.push_back(entry);
}

int run_catch_session(int argc, char **argv) {
    int failed = Catch::Session().run(argc, argv);
    const Tally &t = tally();
    for (const auto &s : t.skipped)
        std::fprintf(stderr, "skipped: %s\n", s.c_str());
    if (failed == 0 && t.ran > 0 && t.skipped.size() == t.ran) return skip_code;
    return failed;
}

bool listing_only(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--list", 6) == 0 || std::strcmp(argv[i], "-l") == 0 ||
            std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

CATCH_REGISTER_LISTENER(SkipListener)

} // namespace testsupport
