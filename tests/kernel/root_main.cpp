// Real-kernel tests that need real root: batches larger than an unprivileged socket may send
// (SO_SNDBUFFORCE needs CAP_NET_ADMIN in the initial user namespace) and traffic between
// network namespaces. Each test process first enters a network namespace of its own; without
// root every test reports itself skipped (tests/support/skip.hpp).
#include "testns.hpp"

#include <cstdio>

int main(int argc, char **argv) {
    if (!testns::listing_only(argc, argv)) {
        std::string why;
        if (!testns::enter_root_netns(&why)) {
            std::fprintf(stderr, "skipped: %s\n", why.c_str());
            return testns::skip_code;
        }
    }
    return testsupport::run_catch_session(argc, argv);
}
