// The integration tests need real root (see harness.hpp); without it every test is skipped
// with exit code 77, which CTest reports as skipped, not passed.
#define CATCH_CONFIG_RUNNER
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string_view>

int main(int argc, char **argv) {
    bool listing = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        listing = listing || a.rfind("--list", 0) == 0;
    }
    if (!listing && !bustest::have_root()) {
        std::fprintf(stderr, "bus_tests: skipped: they need root (setns into a user + network "
                             "namespace, and a client running as uid 65534)\n");
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
