# Install rules for everything but the binaries (daemon/ and ctl/ install rolewalld and
# rolewallctl), and the Debian package (CPack DEB).
#
#   cmake --install build --prefix /usr     a system install (what the package contains)
#   cpack --config build/CPackConfig.cmake  the rolewall .deb
#
# The binaries carry the paths of the prefix the tree was configured with (paths.hpp), so a
# system install or the package needs a tree configured with -DCMAKE_INSTALL_PREFIX=/usr.
# With the prefix /usr, the configuration goes to /etc (GNUInstallDirs' rule); that rule is
# applied again at install time, so "cmake --install --prefix /usr" also puts it in /etc.
#
# dbus-daemon and polkitd only read /usr/share and /etc: the bus policy, the activation file
# and the polkit action installed under another prefix are not seen until copied there.

include(GNUInstallDirs)

# systemd's unit directory (/lib/systemd/system on Debian 12). An absolute path is used as
# it is, whatever the install prefix; a relative one is taken under the prefix.
pkg_get_variable(_rolewall_pc_unitdir systemd systemdsystemunitdir)
if(NOT _rolewall_pc_unitdir)
  set(_rolewall_pc_unitdir /lib/systemd/system)
endif()
set(ROLEWALL_SYSTEMD_UNIT_DIR "${_rolewall_pc_unitdir}" CACHE PATH
    "Where rolewalld.service is installed (default: systemd's pkg-config systemdsystemunitdir)")

option(ROLEWALL_COMPRESS_MAN "Install the man pages gzip-compressed, as Debian does" ON)

set(_rw_src "${PROJECT_SOURCE_DIR}")
set(_rw_datadir "${CMAKE_INSTALL_DATADIR}")

# --- Catalog --------------------------------------------------------------------------------
install(DIRECTORY "${_rw_src}/catalog/services" "${_rw_src}/catalog/roles"
        DESTINATION "${_rw_datadir}/rolewall/catalog"
        FILES_MATCHING PATTERN "*.toml")
install(FILES "${_rw_src}/catalog/ERRATA.md"
        DESTINATION "${_rw_datadir}/rolewall/catalog")

# --- D-Bus and polkit -----------------------------------------------------------------------
install(FILES "${_rw_src}/systemd/org.rolewall1.service"
        DESTINATION "${_rw_datadir}/dbus-1/system-services")
install(FILES "${_rw_src}/etc/dbus-1/system.d/org.rolewall1.conf"
        DESTINATION "${_rw_datadir}/dbus-1/system.d")
install(FILES "${_rw_src}/daemon/bus/org.rolewall1.Manager.xml"
        DESTINATION "${_rw_datadir}/dbus-1/interfaces")
install(FILES "${_rw_src}/systemd/org.rolewall1.policy"
        DESTINATION "${_rw_datadir}/polkit-1/actions")

# --- Cockpit page (integrations/cockpit) ----------------------------------------------------
# The page of the component "cockpit", packaged apart as cockpit-rolewall (docs/INSTALL.md):
# plain files, no build step; Cockpit finds it in /usr/share/cockpit/rolewall.
install(DIRECTORY "${_rw_src}/integrations/cockpit/" DESTINATION "${_rw_datadir}/cockpit/rolewall"
        COMPONENT cockpit
        FILES_MATCHING PATTERN "manifest.json" PATTERN "*.html" PATTERN "*.js" PATTERN "*.css")

# --- Shell completion and documentation -----------------------------------------------------
install(FILES "${ROLEWALL_COMPLETION_DIR}/rolewallctl"
        DESTINATION "${_rw_datadir}/bash-completion/completions")
install(FILES "${ROLEWALL_COMPLETION_DIR}/_rolewallctl"
        DESTINATION "${_rw_datadir}/zsh/vendor-completions")
# The README, every document of docs/, and the catalog's ERRATA.md (a link to the copy the
# catalog ships), beside the package's copyright and changelog.
file(GLOB _rw_docs CONFIGURE_DEPENDS "${_rw_src}/docs/*.md")
install(FILES "${_rw_src}/README.md" ${_rw_docs} DESTINATION "${CMAKE_INSTALL_DOCDIR}")
file(MAKE_DIRECTORY "${PROJECT_BINARY_DIR}/doc")
file(CREATE_LINK "../../rolewall/catalog/ERRATA.md" "${PROJECT_BINARY_DIR}/doc/ERRATA.md" SYMBOLIC)
install(FILES "${PROJECT_BINARY_DIR}/doc/ERRATA.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES "${CMAKE_CURRENT_LIST_DIR}/deb/copyright" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES "${CMAKE_CURRENT_LIST_DIR}/deb/copyright"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/cockpit-rolewall" COMPONENT cockpit)
# lintian's overrides, each with its reason above it.
install(FILES "${CMAKE_CURRENT_LIST_DIR}/deb/lintian-overrides"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides" RENAME rolewall)

set(_rw_man_pages docs/man/rolewalld.8 docs/man/rolewallctl.8 docs/man/rolewall.toml.5)
find_program(ROLEWALL_GZIP gzip)
set(_rw_man_outputs "")
foreach(page ${_rw_man_pages})
  get_filename_component(name "${page}" NAME)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section "${name}")
  if(ROLEWALL_COMPRESS_MAN AND ROLEWALL_GZIP)
    # -n: no name or time stamp in the header, so the package is reproducible.
    set(out "${PROJECT_BINARY_DIR}/man/${name}.gz")
    add_custom_command(OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${PROJECT_BINARY_DIR}/man"
      COMMAND sh -c "\"$1\" -9nc \"$2\" > \"$3\"" sh "${ROLEWALL_GZIP}" "${_rw_src}/${page}" "${out}"
      DEPENDS "${_rw_src}/${page}"
      COMMENT "Compressing ${name}"
      VERBATIM)
    list(APPEND _rw_man_outputs "${out}")
    install(FILES "${out}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
  else()
    install(FILES "${_rw_src}/${page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
  endif()
endforeach()
if(_rw_man_outputs)
  add_custom_target(rolewall-man ALL DEPENDS ${_rw_man_outputs})
endif()

# --- Install-time paths: configuration, unit ------------------------------------------------
# Computed from the prefix given to "cmake --install" (or /usr under cpack), not from the
# prefix at configure time.
install(CODE "
set(_rw_src \"${_rw_src}\")
set(_rw_sysconfdir \"${CMAKE_INSTALL_SYSCONFDIR}\")
set(_rw_sbindir \"${CMAKE_INSTALL_SBINDIR}\")
set(_rw_unitdir \"${ROLEWALL_SYSTEMD_UNIT_DIR}\")
set(_rw_work \"${PROJECT_BINARY_DIR}/install-time\")
")
install(CODE [[
# GNUInstallDirs' rule for sysconfdir, applied to the install-time prefix.
if(IS_ABSOLUTE "${_rw_sysconfdir}")
  set(_rw_etc "${_rw_sysconfdir}")
elseif(CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
  set(_rw_etc "/etc")
elseif(CMAKE_INSTALL_PREFIX MATCHES "^/opt/(.*)$")
  set(_rw_etc "/etc/opt/${CMAKE_MATCH_1}")
else()
  set(_rw_etc "${CMAKE_INSTALL_PREFIX}/${_rw_sysconfdir}")
endif()
string(REGEX REPLACE "/+$" "" _rw_etc "${_rw_etc}")

# The default configuration. An existing file that differs is the admin's: keep it.
set(_rw_conf "$ENV{DESTDIR}${_rw_etc}/rolewall/rolewall.toml")
set(_rw_conf_src "${_rw_src}/etc/rolewall/rolewall.toml")
if(EXISTS "${_rw_conf}")
  file(SHA256 "${_rw_conf}" _rw_have)
  file(SHA256 "${_rw_conf_src}" _rw_ship)
endif()
if(EXISTS "${_rw_conf}" AND NOT _rw_have STREQUAL _rw_ship)
  message(STATUS "Keeping: ${_rw_conf} (differs from the shipped default ${_rw_conf_src})")
else()
  file(INSTALL DESTINATION "${_rw_etc}/rolewall" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${_rw_conf_src}")
endif()
# The admin's own catalog: an empty directory.
if(NOT EXISTS "$ENV{DESTDIR}${_rw_etc}/rolewall/catalog.d")
  message(STATUS "Installing: $ENV{DESTDIR}${_rw_etc}/rolewall/catalog.d")
  file(MAKE_DIRECTORY "$ENV{DESTDIR}${_rw_etc}/rolewall/catalog.d")
endif()

# The unit, with ExecStart= pointing at the installed daemon.
if(IS_ABSOLUTE "${_rw_sbindir}")
  set(_rw_daemon "${_rw_sbindir}/rolewalld")
else()
  set(_rw_daemon "${CMAKE_INSTALL_PREFIX}/${_rw_sbindir}/rolewalld")
endif()
string(REGEX REPLACE "//+" "/" _rw_daemon "${_rw_daemon}")
if(IS_ABSOLUTE "${_rw_unitdir}")
  set(_rw_unit_dest "${_rw_unitdir}")
else()
  set(_rw_unit_dest "${CMAKE_INSTALL_PREFIX}/${_rw_unitdir}")
endif()
file(READ "${_rw_src}/systemd/rolewalld.service" _rw_unit)
string(REPLACE "ExecStart=/usr/sbin/rolewalld" "ExecStart=${_rw_daemon}" _rw_unit "${_rw_unit}")
# One work directory per destination: cpack and "cmake --install" may run at the same time.
string(MD5 _rw_id "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(_rw_unit_tmp "${_rw_work}/${_rw_id}/rolewalld.service")
file(WRITE "${_rw_unit_tmp}" "${_rw_unit}")
file(INSTALL DESTINATION "${_rw_unit_dest}" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${_rw_unit_tmp}")
]])

# --- Debian package -------------------------------------------------------------------------
# The maintainer: "Full Name <address>". By default whoever builds, as Debian's tools find
# them (DEBFULLNAME and DEBEMAIL, else NAME and EMAIL), else the git identity of the source
# tree, else the project's address.
function(_rolewall_default_maintainer out)
  foreach(pair "DEBFULLNAME;DEBEMAIL" "NAME;EMAIL")
    list(GET pair 0 n)
    list(GET pair 1 e)
    if(NOT "$ENV{${n}}" STREQUAL "" AND "$ENV{${e}}" MATCHES "^[^ <>@]+@[^ <>@]+$")
      set(${out} "$ENV{${n}} <$ENV{${e}}>" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  find_program(ROLEWALL_GIT git)
  if(ROLEWALL_GIT)
    foreach(key name email)
      execute_process(COMMAND "${ROLEWALL_GIT}" -C "${PROJECT_SOURCE_DIR}" config user.${key}
                      OUTPUT_VARIABLE git_${key} OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endforeach()
    if(NOT git_name STREQUAL "" AND git_email MATCHES "^[^ <>@]+@[^ <>@]+$")
      set(${out} "${git_name} <${git_email}>" PARENT_SCOPE)
      return()
    endif()
  endif()
  set(${out} "rolewall maintainers <maintainers@rolewall.invalid>" PARENT_SCOPE)
endfunction()
_rolewall_default_maintainer(_rw_maintainer)
# Trees configured before there was a default kept a placeholder in their cache.
if(ROLEWALL_PACKAGE_MAINTAINER STREQUAL "rolewall developers <rolewall-devel@example.org>")
  unset(ROLEWALL_PACKAGE_MAINTAINER CACHE)
endif()
set(ROLEWALL_PACKAGE_MAINTAINER "${_rw_maintainer}" CACHE STRING
    "Maintainer of the .deb and author of its changelog entry, \"Full Name <address>\"")
if(NOT ROLEWALL_PACKAGE_MAINTAINER MATCHES "^[^<>]+ <[^ <>@]+@[^ <>@]+\\.[^ <>@]+>$")
  message(FATAL_ERROR "ROLEWALL_PACKAGE_MAINTAINER='${ROLEWALL_PACKAGE_MAINTAINER}' is not "
                      "\"Full Name <address@domain>\"")
endif()

set(_rw_deb "${PROJECT_BINARY_DIR}/deb")
file(MAKE_DIRECTORY "${_rw_deb}")
# The changelog of a native package, compressed as dpkg-dev's tools do (-n: no name or time
# stamp, so that the package is reproducible).
set(ROLEWALL_CHANGELOG_AUTHOR "${ROLEWALL_PACKAGE_MAINTAINER}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/deb/changelog" "${_rw_deb}/changelog" @ONLY)
if(ROLEWALL_GZIP)
  add_custom_command(OUTPUT "${_rw_deb}/changelog.gz"
    COMMAND sh -c "\"$1\" -9nc \"$2\" > \"$3\"" sh "${ROLEWALL_GZIP}" "${_rw_deb}/changelog"
            "${_rw_deb}/changelog.gz"
    DEPENDS "${_rw_deb}/changelog"
    COMMENT "Compressing the changelog"
    VERBATIM)
  add_custom_target(rolewall-changelog ALL DEPENDS "${_rw_deb}/changelog.gz")
  set(_rw_changelog "${_rw_deb}/changelog.gz")
else()
  set(_rw_changelog "${_rw_deb}/changelog")
endif()
install(FILES "${_rw_changelog}" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES "${_rw_changelog}" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/cockpit-rolewall"
        COMPONENT cockpit)

# dpkg keeps an admin's edits of a conffile across upgrades and removes it only on purge.
file(WRITE "${_rw_deb}/conffiles" "/etc/rolewall/rolewall.toml\n")
foreach(script postinst prerm postrm)
  file(COPY "${CMAKE_CURRENT_LIST_DIR}/deb/${script}" DESTINATION "${_rw_deb}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
endforeach()
# Read by cpack itself: refuse to package binaries built for another prefix.
file(WRITE "${_rw_deb}/CPackProjectConfig.cmake" "
if(CPACK_GENERATOR STREQUAL \"DEB\" AND NOT \"${CMAKE_INSTALL_PREFIX}\" STREQUAL \"/usr\")
  message(FATAL_ERROR \"rolewall: this tree is configured with CMAKE_INSTALL_PREFIX=${CMAKE_INSTALL_PREFIX}; \"
    \"its binaries would look for their files there. Configure with -DCMAKE_INSTALL_PREFIX=/usr \"
    \"to build the .deb.\")
endif()
")

set(CPACK_PACKAGE_NAME rolewall)
set(CPACK_PACKAGE_VENDOR rolewall)
set(CPACK_PACKAGE_CONTACT "${ROLEWALL_PACKAGE_MAINTAINER}")
# Each package's description is set below, its first line being its synopsis. (CPack would
# put CPACK_PACKAGE_DESCRIPTION_SUMMARY, one for both packages, in front of each: not set.)
set(_rw_summary "host firewall that opens ports by server role")
# Debian wants description lines of at most 80 columns; no double quotes (CPack would
# mangle them).
set(CPACK_PACKAGE_DESCRIPTION
"rolewall keeps an nftables firewall in the shape of the roles a host
plays: domain controller, file server, SSH server and so on. A catalog
maps each role to the services and ports it needs; the admin enables
roles, optionally only on some interfaces or from some networks, and
everything else is dropped.

The daemon, rolewalld, programs the kernel over netlink, leaves the
rules in place when it stops, and offers a D-Bus API (org.rolewall1)
with polkit authorization; rolewallctl is its command-line tool.
Installing the package enables nothing: run
systemctl enable --now rolewalld when the configuration is ready.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PROJECT_CONFIG_FILE "${_rw_deb}/CPackProjectConfig.cmake")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

# Two packages, one per install component: rolewall (CMake's default component,
# "Unspecified": everything but the Cockpit page) and cockpit-rolewall (the component
# "cockpit"; docs/INSTALL.md says why it is a package of its own).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified cockpit)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_NAME rolewall)
set(CPACK_DEBIAN_UNSPECIFIED_DESCRIPTION "${_rw_summary}\n${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_SHLIBDEPS ON)
# The daemon serves the system bus: Debian's virtual package for it (dbus, dbus-broker).
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_DEPENDS "default-dbus-system-bus | dbus-system-bus")
# polkitd: non-root admins may change the firewall. nftables: nft, to look at the ruleset;
# the daemon itself never runs it.
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_RECOMMENDS "polkitd, nftables")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_CONTROL_EXTRA
    "${_rw_deb}/conffiles;${_rw_deb}/postinst;${_rw_deb}/prerm;${_rw_deb}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_COCKPIT_PACKAGE_NAME cockpit-rolewall)
set(CPACK_DEBIAN_COCKPIT_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_COCKPIT_PACKAGE_DEPENDS
    "rolewall (= ${PROJECT_VERSION}), cockpit-bridge (>= 266), cockpit-system")
set(CPACK_DEBIAN_COCKPIT_DESCRIPTION
"Cockpit page for the rolewall host firewall
A page for the Cockpit web console (Firewall roles) that shows the roles
rolewall enables, with their scope, origin and counters, lets an admin
enable, disable and narrow them, and lists recent drops. It talks to
rolewalld over its D-Bus API; rolewalld and polkit decide who may change
the firewall.")
include(CPack)
