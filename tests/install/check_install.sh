#!/usr/bin/env bash
# Checks of what rolewall installs: the install tree, the systemd unit, the .deb, the XML
# policies, the man pages and the bash completion. Run by CTest (tests/install/CMakeLists.txt)
# as "check_install.sh CHECK"; exit 0 pass, 1 fail, 77 skipped (a tool or a binary missing).
#
# Environment (set by CMake):
#   SOURCE_DIR   the source tree
#   BUILD_DIR    the build tree (its CMakeCache.txt gives the configured prefix and paths)
#   WORK_DIR     a directory of this test's own (DESTDIR is WORK_DIR/destdir)
#   EXPECT_BINS  installed binaries, relative to the root, e.g. "usr/sbin/rolewalld"
#   CMAKE, CPACK the CMake tools
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DESTDIR_ROOT="$WORK_DIR/destdir"
read -r -a expect_bins <<<"${EXPECT_BINS:-}"

note() { echo "note: $*"; }
cache_value() { # NAME -> the value in the build tree's CMakeCache.txt
    sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt" | head -n1
}

unit_dir() { # where the unit goes for the prefix /usr, without the leading slash
    local d
    d=$(cache_value ROLEWALL_SYSTEMD_UNIT_DIR)
    d=${d:-/lib/systemd/system}
    [[ $d == /* ]] || d="/usr/$d"
    echo "${d#/}"
}

gz_suffix() { # .gz when the build tree has gzip (it compresses the changelog then)
    [[ -n $(cache_value ROLEWALL_GZIP | grep -v NOTFOUND) ]] && echo .gz
}

man_suffix() {
    if [[ $(cache_value ROLEWALL_COMPRESS_MAN) == OFF ]] || ! command -v gzip >/dev/null; then
        echo ""
    else
        echo ".gz"
    fi
}

# Every file a /usr install must contain, relative to the root, sorted. The catalog is
# whatever *.toml the source catalog has.
expected_files() {
    local m f
    m=$(man_suffix)
    {
        printf '%s\n' \
            etc/rolewall/rolewall.toml \
            "$(unit_dir)/rolewalld.service" \
            usr/share/dbus-1/system-services/org.rolewall1.service \
            usr/share/dbus-1/system.d/org.rolewall1.conf \
            usr/share/dbus-1/interfaces/org.rolewall1.Manager.xml \
            usr/share/polkit-1/actions/org.rolewall1.policy \
            usr/share/bash-completion/completions/rolewallctl \
            usr/share/zsh/vendor-completions/_rolewallctl \
            usr/share/doc/rolewall/README.md \
            usr/share/doc/rolewall/copyright \
            usr/share/lintian/overrides/rolewall \
            "usr/share/doc/rolewall/changelog$(gz_suffix)" \
            "usr/share/man/man8/rolewalld.8$m" \
            "usr/share/man/man8/rolewallctl.8$m" \
            "usr/share/man/man5/rolewall.toml.5$m"
        [[ -f $SOURCE_DIR/catalog/ERRATA.md ]] && echo usr/share/rolewall/catalog/ERRATA.md
        for f in "$SOURCE_DIR"/docs/*.md; do
            echo "usr/share/doc/rolewall/${f##*/}"
        done
        for f in "$SOURCE_DIR"/catalog/services/*.toml "$SOURCE_DIR"/catalog/roles/*.toml; do
            [[ -e $f ]] && echo "usr/share/rolewall/catalog/${f#"$SOURCE_DIR"/catalog/}"
        done
        for f in "${expect_bins[@]}"; do echo "$f"; done
        # The Cockpit page (component "cockpit"): its manifest, HTML, JavaScript and CSS.
        for f in "$SOURCE_DIR"/integrations/cockpit/{manifest.json,*.html,*.js,*.css}; do
            [[ -e $f ]] && echo "usr/share/cockpit/rolewall/${f##*/}"
        done
        echo usr/share/doc/cockpit-rolewall/copyright
        echo "usr/share/doc/cockpit-rolewall/changelog$(gz_suffix)"
    } | sort
}

# --- (a) install into a DESTDIR ----------------------------------------------------------------
check_install() {
    rm -rf "$DESTDIR_ROOT"
    DESTDIR="$DESTDIR_ROOT" "$CMAKE" --install "$BUILD_DIR" --prefix /usr >"$WORK_DIR/install.log" 2>&1 ||
        { cat "$WORK_DIR/install.log" >&2; fail "cmake --install failed (is the tree built?)"; }
    echo "installed into $DESTDIR_ROOT"
}

check_tree() {
    [[ -d $DESTDIR_ROOT ]] || fail "no install tree: the install fixture did not run"
    local expected actual missing extra
    expected=$(expected_files)
    actual=$(cd "$DESTDIR_ROOT" && find . -type f -printf '%P\n' | sort)
    missing=$(comm -23 <(echo "$expected") <(echo "$actual"))
    extra=$(comm -13 <(echo "$expected") <(echo "$actual"))
    [[ -z $missing ]] || fail "missing from the install tree:"$'\n'"$missing"
    [[ -z $extra ]] || fail "unexpected files in the install tree (add them to expected_files in tests/install/check_install.sh if they belong):"$'\n'"$extra"
    echo "all $(echo "$expected" | wc -l) expected files, nothing else"

    [[ -d $DESTDIR_ROOT/etc/rolewall/catalog.d ]] || fail "no empty etc/rolewall/catalog.d"
    [[ $(readlink "$DESTDIR_ROOT/usr/share/doc/rolewall/ERRATA.md") == ../../rolewall/catalog/ERRATA.md ]] ||
        fail "usr/share/doc/rolewall/ERRATA.md is not a link to the catalog's ERRATA.md"
    [[ -f $DESTDIR_ROOT/usr/share/doc/rolewall/ERRATA.md ]] || fail "usr/share/doc/rolewall/ERRATA.md dangles"
    cmp -s "$DESTDIR_ROOT/etc/rolewall/rolewall.toml" "$SOURCE_DIR/etc/rolewall/rolewall.toml" ||
        fail "the installed rolewall.toml differs from etc/rolewall/rolewall.toml"
    grep -qx 'ExecStart=/usr/sbin/rolewalld' "$DESTDIR_ROOT/$(unit_dir)/rolewalld.service" ||
        fail "the installed unit does not run /usr/sbin/rolewalld"
    local b
    for b in "${expect_bins[@]}"; do
        [[ -x $DESTDIR_ROOT/$b ]] || fail "$b is not executable"
    done
    check_named_docs

    # The shipped configuration must be valid against the shipped catalog, as installed.
    local ctl=$DESTDIR_ROOT/usr/bin/rolewallctl
    if [[ -x $ctl ]]; then
        local args=(--catalog "$DESTDIR_ROOT/usr/share/rolewall/catalog"
            --local-catalog "$DESTDIR_ROOT/etc/rolewall/catalog.d"
            --config "$DESTDIR_ROOT/etc/rolewall/rolewall.toml")
        "$ctl" "${args[@]}" check || fail "rolewallctl check rejects the shipped config with the installed catalog"
        local roles
        roles=$("$ctl" "${args[@]}" list) || fail "rolewallctl list failed on the installed catalog"
        grep -qx ssh <<<"$(awk 'NR > 1 { print $1 }' <<<"$roles")" ||
            fail "the installed catalog has no role ssh, which the shipped config enables"
    else
        note "rolewallctl is not built in this tree: the shipped config was not checked"
    fi
}

# Every installed document the man pages, the README and docs/ send the reader to
# ("/usr/share/doc/rolewall/JSON.md") is installed.
check_named_docs() {
    local named f
    named=$(grep -rhoE '/usr/share/doc/rolewall/[A-Za-z0-9._-]*[A-Za-z0-9]' \
        "$SOURCE_DIR/docs" "$SOURCE_DIR/README.md" | sort -u)
    [[ -n $named ]] || fail "no document of /usr/share/doc/rolewall is named in docs/: the pattern is stale"
    for f in $named; do
        [[ -e $DESTDIR_ROOT$f ]] || fail "$f is named in the docs but not installed"
    done
    echo "the $(wc -w <<<"$named") documents the docs name are installed"
}

# --- (b) the systemd unit ----------------------------------------------------------------------
unit_setting() { # FILE KEY -> values of KEY= lines
    sed -n "s/^$2=//p" "$1"
}

check_unit() {
    need systemd-analyze systemd
    need man man-db # verify looks up the Documentation= man pages
    local src=$SOURCE_DIR/systemd/rolewalld.service
    local daemon=$DESTDIR_ROOT/usr/sbin/rolewalld
    local tmp=$WORK_DIR/unit
    rm -rf "$tmp" && mkdir -p "$tmp"
    if [[ ! -x $daemon ]]; then
        if [[ " ${expect_bins[*]} " == *" usr/sbin/rolewalld "* ]]; then
            fail "rolewalld is not in the install tree"
        fi
        note "rolewalld is not built in this tree yet: verifying the unit with /bin/true as ExecStart"
        daemon=/bin/true
    fi
    sed "s#^ExecStart=/usr/sbin/rolewalld#ExecStart=$daemon#" "$src" >"$tmp/rolewalld.service"

    # Documentation= man pages must resolve to the installed ones.
    local out rc
    out=$(cd "$tmp" && MANPATH="$DESTDIR_ROOT/usr/share/man" SYSTEMD_LOG_LEVEL=notice \
        systemd-analyze verify --man=yes "$tmp/rolewalld.service" 2>&1)
    rc=$?
    [[ $rc -eq 0 && -z $out ]] || fail "systemd-analyze verify (exit $rc):"$'\n'"$out"
    echo "systemd-analyze verify: clean"

    # The sandbox may only get tighter: exposure 1.8 ("OK") when this was written.
    out=$(systemd-analyze security --offline=yes --threshold=20 "$tmp/rolewalld.service" 2>&1)
    rc=$?
    [[ $rc -eq 0 ]] || fail "the unit's sandbox got weaker (systemd-analyze security > 2.0):"$'\n'"$out"
    echo "${out##*$'\n'}"

    # What the product needs of the unit, which verify cannot know.
    local u=$src
    [[ $(unit_setting "$u" Type) == notify ]] || fail "Type= must be notify"
    [[ $(unit_setting "$u" DefaultDependencies) == no ]] || fail "DefaultDependencies=no is needed to start before network-pre.target"
    grep -qw network-pre.target <<<"$(unit_setting "$u" Before)" || fail "not Before=network-pre.target"
    grep -qw network-pre.target <<<"$(unit_setting "$u" Wants)" || fail "not Wants=network-pre.target"
    grep -qw sysinit.target <<<"$(unit_setting "$u" WantedBy)" || fail "not WantedBy=sysinit.target"
    grep -qx CAP_NET_ADMIN <<<"$(unit_setting "$u" CapabilityBoundingSet)" || fail "CapabilityBoundingSet= must be CAP_NET_ADMIN only"
    grep -Eq '^(After|Requires|Wants|BindsTo)=.*dbus\.(socket|service)' "$u" &&
        fail "the unit waits for D-Bus; rolewalld applies its rules before it connects"
    grep -q '^BusName=' "$u" && fail "BusName= adds After=dbus.socket; leave it out"
    grep -Eq '^(PrivateNetwork|PrivateUsers)=(yes|true|1)' "$u" &&
        fail "PrivateNetwork=/PrivateUsers= would take the daemon out of the host's network namespace"

    # The activation file, the alias and the bus policy must name the same things.
    local act=$SOURCE_DIR/systemd/org.rolewall1.service
    local alias
    alias=$(unit_setting "$u" Alias)
    [[ $(unit_setting "$act" SystemdService) == "$alias" ]] ||
        fail "SystemdService= of org.rolewall1.service is not the unit's Alias= ($alias)"
    [[ $(unit_setting "$act" Name) == org.rolewall1 ]] || fail "the activation file is not for org.rolewall1"
    grep -q 'own="org.rolewall1"' "$SOURCE_DIR/etc/dbus-1/system.d/org.rolewall1.conf" ||
        fail "the bus policy does not let root own org.rolewall1"
    echo "unit, activation file and bus policy agree"
}

# --- (c) the .deb --------------------------------------------------------------------------
# The files of the package cockpit-rolewall (install component "cockpit").
COCKPIT_FILES='^usr/share/(cockpit/rolewall|doc/cockpit-rolewall)/'

check_cockpit_package() { # DIR: cpack's output directory
    local deb listed expected
    deb=$(find "$1" -maxdepth 1 -name 'cockpit-rolewall_*_all.deb' | head -n1)
    [[ -n $deb ]] || fail "cpack made no cockpit-rolewall_*_all.deb"
    listed=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./##' | grep -v '/$' | sort)
    expected=$(expected_files | grep -E "$COCKPIT_FILES")
    [[ $listed == "$expected" ]] ||
        fail "cockpit-rolewall holds other files than the page:"$'\n'"$(diff <(echo "$expected") <(echo "$listed"))"
    local depends
    depends=$(dpkg-deb -f "$deb" Depends)
    [[ $depends == *"rolewall (= "* && $depends == *cockpit-bridge* && $depends == *cockpit-system* ]] ||
        fail "cockpit-rolewall's Depends: $depends"
    [[ $(dpkg-deb -f "$deb" Description | head -n1) == *Cockpit* ]] ||
        fail "cockpit-rolewall's synopsis does not say Cockpit: $(dpkg-deb -f "$deb" Description | head -n1)"
    [[ $(dpkg-deb -f "$deb" Description | wc -l) -ge 3 ]] || fail "cockpit-rolewall's Description has no long text"
    echo "built ${deb##*/}: the page only; Depends: $depends"
}

check_package() {
    need dpkg-deb dpkg
    need dpkg-shlibdeps dpkg-dev
    local prefix
    prefix=$(cache_value CMAKE_INSTALL_PREFIX)
    [[ $prefix == /usr ]] ||
        skip "the tree is configured with CMAKE_INSTALL_PREFIX=$prefix; the .deb needs -DCMAKE_INSTALL_PREFIX=/usr"
    local out=$WORK_DIR/package
    rm -rf "$out" && mkdir -p "$out"
    (cd "$out" && "$CPACK" -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$out") >"$out/cpack.log" 2>&1 ||
        { cat "$out/cpack.log" >&2; fail "cpack failed"; }
    local deb
    deb=$(find "$out" -maxdepth 1 -name 'rolewall_*.deb' | head -n1)
    [[ -n $deb ]] || fail "cpack made no rolewall_*.deb"
    echo "built ${deb##*/}"

    local contents listed expected missing extra
    contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }') || fail "dpkg-deb -c failed"
    # shellcheck disable=SC2001 # one edit per line of a listing
    listed=$(sed 's#^\./##' <<<"$contents" | grep -v '/$' | sort)
    expected=$(expected_files | grep -Ev "$COCKPIT_FILES")
    missing=$(comm -23 <(echo "$expected") <(echo "$listed"))
    [[ -z $missing ]] || fail "missing from the .deb:"$'\n'"$missing"
    extra=$(grep -E "$COCKPIT_FILES" <<<"$listed")
    [[ -z $extra ]] || fail "the Cockpit page is in the rolewall .deb:"$'\n'"$extra"
    check_cockpit_package "$out"
    grep -qx './etc/rolewall/catalog.d/' <<<"$contents" ||
        fail "the .deb has no etc/rolewall/catalog.d directory"

    local field
    [[ $(dpkg-deb -f "$deb" Package) == rolewall ]] || fail "Package is not rolewall"
    [[ $(dpkg-deb -f "$deb" Section) == admin ]] || fail "Section is not admin"
    [[ -n $(dpkg-deb -f "$deb" Maintainer) ]] || fail "no Maintainer"
    [[ $(dpkg-deb -f "$deb" Description | wc -l) -ge 5 ]] || fail "rolewall's Description has no long text"
    field=$(dpkg-deb -f "$deb" Depends)
    echo "Depends: $field"
    [[ $field == *dbus-system-bus* ]] || fail "Depends has no system bus"
    [[ $field == *libc6* ]] || fail "Depends has no libc6: shlibdeps did not run"
    if [[ " ${expect_bins[*]} " == *" usr/sbin/rolewalld "* ]]; then
        [[ $field == *libnftnl* && $field == *libmnl* ]] ||
            fail "Depends lacks libnftnl/libmnl though rolewalld links them"
    fi
    [[ $(dpkg-deb -f "$deb" Recommends) == *nftables* ]] || fail "nftables is not recommended"
    # apt resolves the package's dependencies against this Debian's packages (a simulation:
    # nothing is installed on the test host).
    if command -v apt-get >/dev/null; then
        local sim
        sim=$(apt-get install -s "$deb" 2>&1) || fail "apt-get cannot install the .deb:"$'\n'"$sim"
        grep -q '^Inst rolewall ' <<<"$sim" || fail "apt-get would not install rolewall:"$'\n'"$sim"
        echo "apt-get install -s: dependencies resolve"
    fi

    local ctrl=$out/control
    dpkg-deb -e "$deb" "$ctrl" || fail "dpkg-deb -e failed"
    grep -qx /etc/rolewall/rolewall.toml "$ctrl/conffiles" || fail "rolewall.toml is not a conffile"
    local s code
    for s in postinst prerm postrm; do
        [[ -x $ctrl/$s ]] || fail "no executable $s"
        sh -n "$ctrl/$s" || fail "$s is not valid sh"
        code=$(grep -v '^[[:space:]]*#' "$ctrl/$s")
        # Units go through deb-systemd-helper/-invoke (policy-rc.d); systemctl only reloads.
        if grep -w systemctl <<<"$code" | grep -vq 'systemctl --system daemon-reload'; then
            fail "$s calls systemctl for more than daemon-reload; use deb-systemd-invoke"
        fi
        # Nothing is enabled or started behind the admin's back: no start at all, and
        # "enable" only right under a was-enabled test (it refreshes the admin's own enabling).
        grep -Eq 'deb-systemd-invoke +(start|restart)|invoke-rc\.d|update-rc\.d|--now' <<<"$code" &&
            fail "$s starts something"
        awk '/deb-systemd-helper +enable/ && prev !~ /was-enabled/ { bad = 1 }
             NF { prev = $0 } END { exit bad }' <<<"$code" ||
            fail "$s enables the unit without checking that the admin had enabled it"
    done
    grep -q 'deb-systemd-invoke try-restart' "$ctrl/postinst" || fail "postinst does not try-restart through deb-systemd-invoke"
    grep -q 'deb-systemd-invoke stop' "$ctrl/prerm" || fail "prerm does not stop through deb-systemd-invoke"
    grep -q 'deb-systemd-helper purge' "$ctrl/postrm" || fail "postrm does not purge deb-systemd-helper's state"
    grep -q 'rm -rf /var/lib/rolewall' "$ctrl/postrm" || fail "postrm does not remove /var/lib/rolewall on purge"
    echo "control fields, conffiles and maintainer scripts as expected"
}

# --- (d) XML -------------------------------------------------------------------------------
check_xml() {
    need xmllint libxml2-utils
    local f
    for f in etc/dbus-1/system.d/org.rolewall1.conf daemon/bus/org.rolewall1.Manager.xml; do
        xmllint --noout --nonet "$SOURCE_DIR/$f" || fail "$f is not well-formed XML"
    done
    local dtd=/usr/share/polkit-1/policyconfig-1.dtd
    if [[ -f $dtd ]]; then
        xmllint --noout --nonet --dtdvalid "$dtd" "$SOURCE_DIR/systemd/org.rolewall1.policy" ||
            fail "org.rolewall1.policy does not follow polkit's DTD"
    else
        note "$dtd not found (polkitd not installed): checking well-formedness only"
        xmllint --noout --nonet "$SOURCE_DIR/systemd/org.rolewall1.policy" ||
            fail "org.rolewall1.policy is not well-formed XML"
    fi
    grep -q '<action id="org.rolewall1.manage">' "$SOURCE_DIR/systemd/org.rolewall1.policy" ||
        fail "no action org.rolewall1.manage"
    echo "XML well-formed, polkit policy valid"
}

# --- (d') the bus policy on a real bus ------------------------------------------------------
check_bus_policy() {
    need dbus-daemon dbus-daemon
    need setpriv util-linux
    local py=/usr/bin/python3 # Debian's, which python3-dbus is for
    { [[ -x $py ]] && "$py" -c 'import dbus' 2>/dev/null; } || skip "python3-dbus is not installed"
    [[ $(id -u) -eq 0 ]] || skip "needs root, to call the bus as root and as nobody"
    local dir=$WORK_DIR/bus
    rm -rf "$dir" && mkdir -p "$dir"
    # The defaults of the system bus, on an abstract socket so that nobody can reach it
    # whatever the permissions of the build tree.
    sed -e "s|@LISTEN@|unix:abstract=rolewall-test-$$|" \
        -e "s|@POLICY@|$SOURCE_DIR/etc/dbus-1/system.d/org.rolewall1.conf|" \
        "$SOURCE_DIR/tests/data/system-bus.conf.in" >"$dir/bus.conf"
    coproc BUS { exec dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --nosyslog --print-address=1 2>"$dir/daemon.log"; }
    local pid=$BUS_PID address=""
    read -r -t 10 address <&"${BUS[0]}"
    if [[ -z $address ]]; then
        kill "$pid" 2>/dev/null
        cat "$dir/daemon.log" >&2
        fail "the test bus did not start"
    fi
    ADDRESS="$address" "$py" "$SOURCE_DIR/tests/install/bus_policy.py"
    local rc=$?
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [[ $rc -eq 0 ]] || fail "the bus policy does not behave as documented"
    echo "bus policy: only root owns org.rolewall1; anyone reaches its four interfaces, nothing else"
}

# --- (e) man pages -------------------------------------------------------------------------
check_man() {
    need groff groff-base
    need man man-db
    local page name out sect
    for page in rolewalld.8 rolewallctl.8 rolewall.toml.5; do
        out=$(groff -man -Tutf8 -ww -z "$SOURCE_DIR/docs/man/$page" 2>&1)
        [[ -z $out ]] || fail "groff warns about $page:"$'\n'"$out"
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$SOURCE_DIR/docs/man/$page" 2>&1 >"$WORK_DIR/$page.txt")
        [[ -z $out ]] || fail "man -l warns about $page:"$'\n'"$out"
        for sect in NAME SYNOPSIS DESCRIPTION FILES "SEE ALSO"; do
            grep -q "^$sect" "$WORK_DIR/$page.txt" || fail "$page has no $sect section"
        done
    done
    for sect in SIGNALS "EXIT STATUS" "D-BUS INTERFACE"; do
        grep -q "^$sect" "$WORK_DIR/rolewalld.8.txt" || fail "rolewalld.8 has no $sect section"
    done
    grep -q "^EXIT STATUS" "$WORK_DIR/rolewallctl.8.txt" || fail "rolewallctl.8 has no EXIT STATUS section"
    # Every verb of rolewallctl is documented.
    local verb
    for verb in list show search which services render check status enable disable reload; do
        grep -Eq "^       $verb\>" "$WORK_DIR/rolewallctl.8.txt" || fail "rolewallctl.8 does not describe '$verb'"
    done
    # The installed (compressed) copies render too.
    if [[ -d $DESTDIR_ROOT/usr/share/man ]]; then
        for page in "$DESTDIR_ROOT"/usr/share/man/man*/*; do
            name=${page##*/}
            out=$(LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null)
            [[ -z $out ]] || fail "installed $name does not render cleanly:"$'\n'"$out"
        done
    fi
    echo "man pages render without warnings"
}

# --- shell completion ------------------------------------------------------------------------
COMPLETION_DIR=$BUILD_DIR/completion

# A stand-in rolewallctl for "list": prints a header and two roles, and records its arguments.
completion_stub() {
    local bin=$1
    rm -rf "$bin" && mkdir -p "$bin"
    cat >"$bin/rolewallctl" <<EOF
#!/bin/sh
echo "\$*" >>"$bin/calls"
echo "ROLE                       TITLE"
echo "ad-dc                      Active Directory domain controller"
echo "ssh                        SSH server"
EOF
    chmod +x "$bin/rolewallctl"
}

check_completion() {
    local script=$COMPLETION_DIR/rolewallctl bin=$WORK_DIR/completion-bin
    [[ -f $script ]] || fail "no generated $script (is the tree built?)"
    completion_stub "$bin"
    PATH="$bin:$PATH" bash --norc --noprofile -c '
        source "$1"
        n=0
        expect() { # EXPECTED WORDS...: complete the last word of WORDS
            local want=$1; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
            _rolewallctl
            local got="${COMPREPLY[*]}"
            if [[ $got != "$want" ]]; then
                echo "FAIL: [$*] completes to [$got], expected [$want]" >&2; n=$((n + 1))
            fi
        }
        expect "enable" rolewallctl en
        expect "--catalog --config --config-only --confirm" rolewallctl --c
        expect "--local-catalog" rolewallctl --loc
        expect "--live" rolewallctl render --li
        expect "ad-dc ssh" rolewallctl enable ""
        expect "ad-dc" rolewallctl --catalog /srv/cat show a
        expect "ssh" rolewallctl disable s
        expect "" rolewallctl show ssh ""
        expect "--interface" rolewallctl enable ad-dc --int
        expect "--runtime" rolewallctl disable ssh --runt
        expect "lo" rolewallctl enable ad-dc --interface l
        expect "" rolewallctl enable ad-dc --source ""
        expect "ad-dc ssh" rolewallctl --json enable --interface lo ""
        expect "445/tcp 445/udp" rolewallctl which 445
        grep -qx -- "--catalog /srv/cat list" "$2" || { echo "FAIL: --catalog was not passed to list" >&2; n=$((n + 1)); }
        exit $n
    ' check "$script" "$bin/calls" || fail "bash completion"
    [[ -e /sys/class/net/lo ]] || note "no /sys/class/net/lo here"
    echo "bash completion offers verbs, options, roles and interfaces"
}

# The verbs and options "rolewallctl --help" documents, as "verb NAME" and "option --NAME".
help_words() {
    local help
    help=$("$CTL" --help) || fail "rolewallctl --help failed"
    awk '/^Verbs:/ { on = 1; next } on && NF == 0 { exit } on { print "verb " $1 }' <<<"$help"
    grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u | sed 's/^/option /'
}

# Every verb and option of --help is completed, by bash and by zsh, before and after a verb.
check_completion_help() {
    [[ -x ${CTL:-} ]] || skip "rolewallctl is not built in this tree"
    need zsh zsh
    local words bin=$WORK_DIR/completion-bin
    words=$(help_words)
    [[ $(grep -c '^verb ' <<<"$words") -ge 5 && $(grep -c '^option ' <<<"$words") -ge 5 ]] ||
        fail "could not read the verbs and options of rolewallctl --help:"$'\n'"$words"
    completion_stub "$bin"
    PATH="$bin:$PATH" bash --norc --noprofile -c '
        source "$1"; n=0
        offered() { COMP_WORDS=(rolewallctl "$@"); COMP_CWORD=$#; COMPREPLY=(); _rolewallctl; printf "%s\n" "${COMPREPLY[@]}"; }
        verbs=$(offered ""); opts=$(offered --); after=$(offered status --)
        while read -r kind word; do
            case $kind in
                verb) grep -qx -- "$word" <<<"$verbs" || { echo "FAIL: bash does not complete the verb $word" >&2; n=$((n + 1)); } ;;
                option) grep -qx -- "$word" <<<"$opts" && grep -qx -- "$word" <<<"$after" ||
                    { echo "FAIL: bash does not complete the option $word" >&2; n=$((n + 1)); } ;;
            esac
        done
        exit $n
    ' check "$COMPLETION_DIR/rolewallctl" <<<"$words" || fail "bash completion lacks words of --help"
    # zsh: the completion function, with compadd and the other completion builtins replaced by
    # recorders that keep what matches the word being completed, as compadd does.
    PATH="$bin:$PATH" zsh -f -c '
        compadd() {
            local -a w; local x
            if [[ $1 == -a ]]; then w=(${(P)2}); else [[ $1 == -- ]] && shift; w=("$@"); fi
            for x in $w; do [[ $x == ${words[CURRENT]}* ]] && print -r -- $x; done
        }
        _files() { print "<files>"; }; _directories() { print "<directories>"; }; _message() { print "<message>"; }
        src=$1; n=0
        offered() { words=(rolewallctl "$@"); CURRENT=${#words}; source $src; }
        verbs=$(offered ""); opts=$(offered --); after=$(offered status --)
        roles=$(offered enable ""); ifs=$(offered enable --interface ""); cat=$(offered --catalog "")
        while read -r kind word; do
            case $kind in
                verb) (( ${${(f)verbs}[(Ie)$word]} )) || { print -u2 "FAIL: zsh does not complete the verb $word"; (( n++ )); } ;;
                option) (( ${${(f)opts}[(Ie)$word]} && ${${(f)after}[(Ie)$word]} )) ||
                    { print -u2 "FAIL: zsh does not complete the option $word"; (( n++ )); } ;;
            esac
        done
        [[ $roles == $(print "ad-dc\nssh") ]] || { print -u2 "FAIL: zsh offers [$roles] as roles"; (( n++ )); }
        (( ${${(f)ifs}[(Ie)lo]} )) || { print -u2 "FAIL: zsh offers [$ifs] as interfaces"; (( n++ )); }
        [[ $cat == "<directories>" ]] || { print -u2 "FAIL: zsh offers [$cat] for --catalog"; (( n++ )); }
        exit $n
    ' zsh "$COMPLETION_DIR/_rolewallctl" <<<"$words" || fail "zsh completion lacks words of --help"
    echo "bash and zsh complete all $(grep -c '^verb ' <<<"$words") verbs and $(grep -c '^option ' <<<"$words") options of --help"
}

# No installed binary holds a path of the source or build tree (debug info and __FILE__
# included: they are mapped to "."), and an installed binary does not take itself for one run
# from a build tree: its defaults are the installed files.
check_paths() {
    [[ -d $DESTDIR_ROOT ]] || fail "no install tree: the install fixture did not run"
    need strings binutils
    # GCC 12's ASan and UBSan write each source file's name as the compiler was given it,
    # whatever -ffile-prefix-map says: a sanitizer build is never shipped, and the release .deb
    # gets the same check ("The release binaries hold no path...", check_deb.sh paths).
    [[ ${SANITIZE:-0} == 1 ]] && skip "this tree is built with sanitizers, whose metadata holds source paths"
    local b dir hits n=0
    for b in "${expect_bins[@]}"; do
        for dir in "$SOURCE_DIR" "$BUILD_DIR" "$(realpath "$SOURCE_DIR")" "$(realpath "$BUILD_DIR")"; do
            hits=$(strings -a "$DESTDIR_ROOT/$b" | grep -F -- "$dir" | head -n 3)
            [[ -z $hits ]] || fail "$b holds the path $dir:"$'\n'"$hits"
        done
        n=$((n + 1))
    done
    local ctl=$DESTDIR_ROOT/usr/bin/rolewallctl
    if [[ -x $ctl ]]; then
        local help
        help=$(env -u ROLEWALL_SOURCE_TREE "$ctl" --help)
        grep -qF "(default: /usr/share/rolewall/catalog)" <<<"$help" ||
            fail "the installed rolewallctl does not default to the installed catalog:"$'\n'"$help"
    fi
    echo "$n installed binaries hold no path of $SOURCE_DIR or $BUILD_DIR"
}

case "${1:-}" in
    install) check_install ;;
    tree) check_tree ;;
    unit) check_unit ;;
    package) check_package ;;
    xml) check_xml ;;
    bus-policy) check_bus_policy ;;
    man) check_man ;;
    completion) check_completion ;;
    completion-help) check_completion_help ;;
    paths) check_paths ;;
    *)
        echo "usage: $0 install|tree|unit|package|xml|bus-policy|man|completion|completion-help|paths" >&2
        exit 2
        ;;
esac
