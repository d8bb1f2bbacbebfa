#!/usr/bin/env bash
# Installs the release .deb into a throwaway Debian 12 root, uses it there, upgrades, removes
# and purges it, and checks that nothing of it is left. Run by CTest as "chroot_install.sh"
# (label chroot); exit 0 pass, 1 fail, 77 skipped (not root, or a tool missing).
#
# The root comes from "mmdebstrap --variant=apt bookworm" with the package's dependencies,
# made once and cached as a tarball in the build tree (CACHE_DIR; ~3 minutes and the network
# the first time, a few seconds after). Everything else runs offline, in a mount, PID and
# network namespace of its own: the maintainer scripts and rolewallctl see only a loopback
# interface that is down, and rolewallctl check asks that namespace's kernel.
#
# policy-rc.d in the root refuses every action, and a systemctl stand-in records its calls,
# so the test sees that the scripts ask policy-rc.d (deb-systemd-invoke) and never start or
# enable anything.
#
# Environment (set by CMake): SOURCE_DIR, WORK_DIR, CACHE_DIR, DEB_DIR (where the release
# .deb is, from check_deb.sh build).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT=$WORK_DIR/chroot/root


# The packages the .deb depends on (the first alternative of each clause, no versions).
dependencies() {
    dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' |
        grep -v '^$' | sort -u | paste -sd, -
}

# The cached root tarball for these dependencies; made when missing.
root_tarball() {
    local deps=$1 tar
    tar=$CACHE_DIR/debian12-apt-$(sha256sum <<<"$deps" | cut -c1-16).tar
    mkdir -p "$CACHE_DIR"
    (
        flock 9
        if [[ ! -s $tar ]]; then
            echo "making the Debian 12 root (once): mmdebstrap --variant=apt --include=$deps" >&2
            mmdebstrap --quiet --variant=apt --format=tar --include="$deps" bookworm "$tar.part" >&2 ||
                { rm -f "$tar.part"; exit 1; }
            mv "$tar.part" "$tar"
        fi
    ) 9>"$CACHE_DIR/.lock" || fail "mmdebstrap could not make the Debian 12 root"
    echo "$tar"
}

# Stand-ins that record what the maintainer scripts ask for.
add_recorders() {
    cat >"$ROOT/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
echo "$*" >>/var/log/test-policy-rc.d.log
exit 101
EOF
    cat >"$ROOT/usr/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/var/log/test-systemctl.log
case "$*" in *is-enabled*) echo disabled; exit 1 ;; *is-active*) exit 3 ;; esac
exit 0
EOF
    chmod 755 "$ROOT/usr/sbin/policy-rc.d" "$ROOT/usr/bin/systemctl"
    mkdir -p "$ROOT/run/systemd/system" # the scripts act as on a host running systemd
    : >"$ROOT/var/log/test-policy-rc.d.log"
    : >"$ROOT/var/log/test-systemctl.log"
}

# Every path of the root but the bookkeeping of dpkg and apt, logs and caches, and the
# kernel file systems.
snapshot() {
    (cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run \
        -o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/log -o -path ./var/cache \) -prune -o -printf '%p %y\n') |
        sort
}

# The steps, run inside the namespaces (this script again, as "inside").
inside() {
    local deb=$1
    mount -t proc proc "$ROOT/proc" || fail "cannot mount proc in the root"
    local d
    for d in null zero full random urandom; do
        : >"$ROOT/dev/$d" 2>/dev/null
        mount --bind "/dev/$d" "$ROOT/dev/$d" || fail "cannot bind /dev/$d"
    done
    in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

    snapshot >"$WORK_DIR/chroot/before"
    cp "$deb" "$ROOT/tmp/rolewall.deb"

    echo "== install"
    in_root apt-get install -y -o Dpkg::Use-Pty=0 /tmp/rolewall.deb ||
        fail "apt-get install of the .deb failed"
    in_root dpkg -s rolewall | grep -q '^Status: install ok installed' || fail "rolewall is not installed"
    grep -v '^--system daemon-reload$' "$ROOT/var/log/test-systemctl.log" | grep -q . &&
        fail "installing called systemctl for more than daemon-reload:"$'\n'"$(cat "$ROOT/var/log/test-systemctl.log")"
    [[ -s $ROOT/var/log/test-policy-rc.d.log ]] &&
        fail "installing asked policy-rc.d for: $(cat "$ROOT/var/log/test-policy-rc.d.log")"
    [[ -z $(find "$ROOT/etc/systemd/system" -name '*rolewall*' 2>/dev/null) ]] ||
        fail "installing enabled something: $(find "$ROOT/etc/systemd/system" -name '*rolewall*')"
    echo "installed; nothing enabled or started, systemctl only reloaded"

    echo "== rolewallctl list"
    local out
    out=$(in_root rolewallctl list) || fail "rolewallctl list failed in the root"
    grep -q '^ssh ' <<<"$out" && grep -q '^samba-discovery ' <<<"$out" ||
        fail "rolewallctl list does not show the shipped roles:"$'\n'"$out"
    echo "$(($(wc -l <<<"$out") - 1)) roles"
    echo "== rolewallctl check"
    in_root rolewallctl check || fail "rolewallctl check rejects the installed config"

    echo "== upgrade (the same version again)"
    : >"$ROOT/var/log/test-systemctl.log"
    in_root dpkg -i /tmp/rolewall.deb >/dev/null || fail "reinstalling failed"
    grep -qx 'rolewalld.service try-restart' "$ROOT/var/log/test-policy-rc.d.log" ||
        fail "the upgrade did not ask policy-rc.d before restarting: $(cat "$ROOT/var/log/test-policy-rc.d.log")"
    grep -q 'try-restart' "$ROOT/var/log/test-systemctl.log" &&
        fail "the upgrade restarted the daemon although policy-rc.d said no"
    echo "policy-rc.d asked ('try-restart') and obeyed"

    echo "== the admin enables it and the daemon saves its state"
    mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants" "$ROOT/var/lib/rolewall"
    ln -s /lib/systemd/system/rolewalld.service "$ROOT/etc/systemd/system/sysinit.target.wants/rolewalld.service"
    ln -s /lib/systemd/system/rolewalld.service "$ROOT/etc/systemd/system/dbus-org.rolewall1.service"
    echo '# state' >"$ROOT/var/lib/rolewall/state.toml"

    echo "== remove"
    : >"$ROOT/var/log/test-policy-rc.d.log"
    in_root apt-get remove -y -o Dpkg::Use-Pty=0 rolewall >/dev/null || fail "apt-get remove failed"
    grep -qx 'rolewalld.service stop' "$ROOT/var/log/test-policy-rc.d.log" ||
        fail "removing did not ask policy-rc.d before stopping the daemon"
    [[ -f $ROOT/etc/rolewall/rolewall.toml && -f $ROOT/var/lib/rolewall/state.toml ]] ||
        fail "remove (not purge) dropped the config or the saved state"
    echo "== purge"
    in_root apt-get purge -y -o Dpkg::Use-Pty=0 rolewall >/dev/null || fail "apt-get purge failed"
    in_root dpkg -s rolewall >/dev/null 2>&1 && fail "dpkg still knows rolewall after the purge"

    snapshot >"$WORK_DIR/chroot/after"
    local left
    left=$(diff "$WORK_DIR/chroot/before" "$WORK_DIR/chroot/after")
    [[ -z $left ]] || fail "the purge left (or removed) files:"$'\n'"$left"
    echo "purged: the root is as it was before the install"
}

main() {
    [[ $(id -u) -eq 0 ]] || skip "needs root (chroot, namespaces)"
    need mmdebstrap mmdebstrap
    need unshare util-linux
    need dpkg-deb dpkg
    local deb
    deb=$(find "$DEB_DIR" -maxdepth 1 -name 'rolewall_*.deb' 2>/dev/null | head -n1)
    [[ -n $deb ]] || fail "no release .deb in $DEB_DIR: the build fixture did not run"

    local tar start=$SECONDS
    tar=$(root_tarball "$(dependencies "$deb")") || exit 1
    rm -rf "$WORK_DIR/chroot" && mkdir -p "$ROOT"
    tar -xf "$tar" -C "$ROOT" || fail "cannot unpack $tar"
    add_recorders
    unshare --mount --propagation private --net --pid --fork --kill-child \
        bash "$0" inside "$deb"
    local rc=$?
    [[ $rc -eq 0 ]] || exit "$rc"
    rm -rf "$WORK_DIR/chroot/root"
    echo "install test: $((SECONDS - start)) s"
}

if [[ ${1:-} == inside ]]; then
    inside "$2"
else
    main
fi
