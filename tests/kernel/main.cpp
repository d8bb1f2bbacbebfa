// Real-kernel tests: each test process first enters its own user + network namespace (as
// `unshare -rn` does), so it has a private, empty ruleset and never touches the host's.
#define CATCH_CONFIG_RUNNER
#include "testns.hpp"

#include <catch2/catch.hpp>
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
    return Catch::Session().run(argc, argv);
}
