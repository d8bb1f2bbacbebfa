// main() of the test binaries that need nothing before Catch runs (see skip.hpp).
#include "skip.hpp"

int main(int argc, char **argv) {
    return testsupport::run_catch_session(argc, argv);
}
