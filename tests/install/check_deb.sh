#!/usr/bin/env bash
# The release .deb, as it is shipped: built from the source tree in a tree of its own (no tests,
# no sanitizers, Debian's hardening flags, prefix /usr), then checked with Debian's tools. Run by
# CTest (tests/install/CMakeLists.txt) as "check_deb.sh CHECK"; exit 0 pass, 1 fail, 77 skipped.
#
#   build         configure, build and package the release tree WORK_DIR/release (the fixture)
#   lintian       lintian finds no error and no warning (overrides only with a reason)
#   hardening     hardening-check: PIE, stack protector, FORTIFY_SOURCE, RELRO, BIND_NOW
#   paths         the shipped binaries hold no path of the source or release tree
#   reproducible  a second tree in another directory, same SOURCE_DATE_EPOCH: the same .deb
#
# Environment (set by CMake): SOURCE_DIR, WORK_DIR, CMAKE, CPACK, GENERATOR, LAUNCHER (the
# outer build's compiler launcher, e.g. ccache; may be empty).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
readonly RELEASE=$WORK_DIR/release

# The time of the changelog's newest entry, as dpkg-parsechangelog gives it to Debian's own
# builds: every file of the package gets it as its time.
source_date_epoch() {
    local when
    when=$(sed -n 's/^ -- .*  \([A-Z][a-z][a-z], .*\)$/\1/p' "$SOURCE_DIR/cmake/deb/changelog" | head -n1)
    [[ -n $when ]] && date -d "$when" +%s || fail "cannot read the date of cmake/deb/changelog's entry"
}

# build_release DIR: configure, build and package the release tree DIR (DIR/deb/*.deb).
build_release() {
    local dir=$1 epoch
    epoch=$(source_date_epoch)
    rm -rf "$dir" && mkdir -p "$dir"
    local args=(-S "$SOURCE_DIR" -B "$dir/tree" -G "$GENERATOR"
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr
        -DROLEWALL_TESTS=OFF -DROLEWALL_BENCH=OFF -DROLEWALL_SANITIZE=OFF
        -DROLEWALL_HARDENING=ON)
    [[ -n ${LAUNCHER:-} ]] && args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$LAUNCHER")
    export SOURCE_DATE_EPOCH=$epoch
    # ccache's base_dir would make the compiler see relative source paths
    # (../../../daemon/log.cpp in __FILE__), out of -ffile-prefix-map's reach: the release trees
    # compile with absolute paths, as a build without ccache does.
    export CCACHE_BASEDIR=
    # The time it took (printed on stderr): what the package tests cost CI.
    local TIMEFORMAT="$dir: configured, built and packaged in %0R s (CPU: %0U s user, %0S s system)"
    time {
        "$CMAKE" "${args[@]}" &&
            "$CMAKE" --build "$dir/tree" -j"$(nproc)" &&
            (cd "$dir" && "$CPACK" -G DEB --config "$dir/tree/CPackConfig.cmake" -B "$dir/deb")
    } >"$dir/build.log" 2>&1 || { tail -n 40 "$dir/build.log" >&2; fail "the release tree $dir did not build and package"; }
    deb_in "$dir" >/dev/null || fail "cpack made no rolewall_*.deb in $dir/deb"
}

deb_in() { # DIR -> the .deb its release build made
    local deb
    deb=$(find "$1/deb" -maxdepth 1 -name 'rolewall_*.deb' 2>/dev/null | head -n1)
    [[ -n $deb ]] && echo "$deb"
}

release_deb() {
    deb_in "$RELEASE" || fail "no release .deb in $RELEASE: the build fixture did not run"
}

check_build() {
    need dpkg-buildflags dpkg-dev
    need dpkg-shlibdeps dpkg-dev
    build_release "$RELEASE"
    echo "built $(release_deb)"
}

check_lintian() {
    need lintian lintian
    local deb out rc
    deb=$(release_deb)
    deb="$deb $(find "$RELEASE/deb" -maxdepth 1 -name 'cockpit-rolewall_*.deb' | head -n1)"
    # Infos and overridden tags (O:, each with its reason in cmake/deb/lintian-overrides) are
    # printed; errors and warnings fail. (--fail-on would also count a shown override.)
    # shellcheck disable=SC2086 # the two packages
    out=$(lintian --display-info --show-overrides $deb 2>&1)
    rc=$?
    [[ -n $out ]] && echo "$out"
    if grep -Eq '^[EW]: ' <<<"$out"; then fail "lintian reports errors or warnings"; fi
    [[ $rc -eq 0 ]] || fail "lintian failed (exit $rc)"
    echo "lintian: no errors, no warnings"
}

check_hardening() {
    need hardening-check devscripts
    local deb dir out rc
    deb=$(release_deb)
    dir=$WORK_DIR/hardening
    rm -rf "$dir" && mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir" || fail "dpkg-deb -x failed"
    # --nocfprotection: -fcf-protection is not among Debian 12's hardening flags
    # (dpkg-buildflags adds it from dpkg 1.22 on); the five features the package promises are
    # all checked.
    out=$(hardening-check --nocfprotection "$dir/usr/sbin/rolewalld" "$dir/usr/bin/rolewallctl" 2>&1)
    rc=$?
    echo "$out"
    [[ $rc -eq 0 ]] || fail "hardening-check finds a binary without a hardening feature"
    local feature
    for feature in "Position Independent Executable: yes" "Stack protected: yes" \
        "Fortify Source functions: yes" "Read-only relocations: yes" "Immediate binding: yes"; do
        [[ $(grep -c "$feature" <<<"$out") -eq 2 ]] || fail "not both binaries have '$feature'"
    done
}

# The binaries as shipped hold no path of the source or the release tree (debug info and
# __FILE__ are mapped to "."). The install test "paths" checks the same on the main tree,
# except when that tree is built with sanitizers.
check_paths() {
    need strings binutils
    local deb dir b root hits n=0
    deb=$(release_deb)
    dir=$WORK_DIR/paths
    rm -rf "$dir" && mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir" || fail "dpkg-deb -x failed"
    for b in usr/sbin/rolewalld usr/bin/rolewallctl; do
        [[ -f $dir/$b ]] || fail "the .deb has no $b"
        for root in "$SOURCE_DIR" "$RELEASE" "$(realpath "$SOURCE_DIR")"; do
            hits=$(strings -a "$dir/$b" | grep -F -- "$root" | head -n 3)
            [[ -z $hits ]] || fail "$b in the .deb holds the path $root:"$'\n'"$hits"
        done
        n=$((n + 1))
    done
    echo "the $n binaries of $(basename "$deb") hold no path of $SOURCE_DIR or $RELEASE"
}

check_reproducible() {
    need dpkg-buildflags dpkg-dev
    local deb other
    deb=$(release_deb)
    # Another directory, at another depth and with a longer name: a build path in a binary or
    # a file name in the package shows up as a difference.
    # Compiled for real, without the launcher: a compiler cache could hand the second tree the
    # first tree's objects and hide a difference.
    LAUNCHER='' build_release "$WORK_DIR/reproducible/second-tree"
    other=$(deb_in "$WORK_DIR/reproducible/second-tree")
    if cmp -s "$deb" "$other"; then
        echo "the two builds give the same .deb: $(sha256sum <"$deb" | cut -d' ' -f1)"
        return 0
    fi
    local a=$WORK_DIR/reproducible/a b=$WORK_DIR/reproducible/b
    rm -rf "$a" "$b" && mkdir -p "$a" "$b"
    dpkg-deb -R "$deb" "$a" && dpkg-deb -R "$other" "$b"
    diff -r "$a" "$b" >&2
    (cd "$a" && find . -type f -exec sha256sum {} + | sort -k2) >"$a.sums"
    (cd "$b" && find . -type f -exec sha256sum {} + | sort -k2) >"$b.sums"
    diff "$a.sums" "$b.sums" >&2
    fail "two builds with SOURCE_DATE_EPOCH=$(source_date_epoch) in different directories differ"
}

case "${1:-}" in
    build) check_build ;;
    lintian) check_lintian ;;
    hardening) check_hardening ;;
    paths) check_paths ;;
    reproducible) check_reproducible ;;
    *)
        echo "usage: $0 build|lintian|hardening|paths|reproducible" >&2
        exit 2
        ;;
esac
