# shellcheck shell=bash
# What the scripts of tests/install share (sourced, not run): how a check ends. Exit 0 pass,
# 1 fail, 77 skipped (ROLEWALL_SKIP_CODE in CMake: a tool, root or a binary missing).

readonly SKIP=77

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: $*" >&2
    exit "$SKIP"
}
need() { # COMMAND DEBIAN-PACKAGE: skip unless COMMAND is installed
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (Debian package: $2)"
}
