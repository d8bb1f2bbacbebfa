// Real-kernel tests: each test process first enters its own user + network namespace (as
// `unshare -rn` does), so it has a private, empty ruleset and never touches the host's. Where
// that is impossible, every test reports itself skipped (tests/support/skip.hpp).
#include "testns.hpp"

#include <cstdio>

int main(int argc, char **argv) {
    if (!testns::listing_only(argc, argv)) {
        std::string why;
        if (!testns::enter_user_netns(&why)) {
            std::fprintf(stderr, "skipped: cannot enter a user and network namespace: %s\n",
                         why.c_str());
            return testns::skip_code;
        }
    }
    return testsupport::run_catch_session(argc, argv);
}
