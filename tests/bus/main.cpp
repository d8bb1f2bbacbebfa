// The integration tests run as root, or inside a user namespace of their own where they are
// root (see harness.hpp); without either every test reports itself skipped
// (tests/support/skip.hpp), which CTest shows as skipped, not passed.
#include "harness.hpp"
#include "skip.hpp"

#include <cstdio>

int main(int argc, char **argv) {
    if (!testsupport::listing_only(argc, argv)) {
        if (std::string why = bustest::enter_test_namespace(); !why.empty()) {
            std::fprintf(stderr, "bus_tests: skipped: %s\n", why.c_str());
            return testsupport::skip_code;
        }
    }
    return testsupport::run_catch_session(argc, argv);
}
