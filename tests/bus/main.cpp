// The integration tests need real root (see harness.hpp); without it every test reports itself
// skipped (tests/support/skip.hpp), which CTest shows as skipped, not passed.
#include "harness.hpp"
#include "skip.hpp"

#include <cstdio>

int main(int argc, char **argv) {
    if (!testsupport::listing_only(argc, argv) && !bustest::have_root()) {
        std::fprintf(stderr, "bus_tests: skipped: they need root (setns into a user + network "
                             "namespace, and a client running as uid 65534)\n");
        return testsupport::skip_code;
    }
    return testsupport::run_catch_session(argc, argv);
}
