# Debian's hardening flags, as Debian's own packages get them: dpkg-buildflags with
# DEB_BUILD_MAINT_OPTIONS=hardening=+all (stack protector, stack clash protection,
# _FORTIFY_SOURCE, format checks, full RELRO with BIND_NOW; PIE is GCC's default on Debian
# and requested here as well). Checked on the binaries by tests/install (hardening-check).
#
# Only the hardening flags are taken: optimization and debug info stay the build type's.
# _FORTIFY_SOURCE needs optimization, so it is left out of Debug builds; the sanitizer build
# (ROLEWALL_SANITIZE) gets none of them, as ASan replaces the checked functions itself.

option(ROLEWALL_HARDENING "Build with the hardening flags of dpkg-buildflags" ON)
find_program(ROLEWALL_DPKG_BUILDFLAGS dpkg-buildflags)

function(_rolewall_buildflags kind out)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env DEB_BUILD_MAINT_OPTIONS=hardening=+all
            "${ROLEWALL_DPKG_BUILDFLAGS}" --get ${kind}
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-buildflags --get ${kind} failed (${rc})")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  list(FILTER flags EXCLUDE REGEX "^-(O|g|ffile-prefix-map|fdebug-prefix-map|fmacro-prefix-map)")
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

if(ROLEWALL_HARDENING AND NOT ROLEWALL_SANITIZE)
  if(NOT ROLEWALL_DPKG_BUILDFLAGS)
    message(FATAL_ERROR "ROLEWALL_HARDENING needs dpkg-buildflags (Debian package dpkg-dev), "
                        "or configure with -DROLEWALL_HARDENING=OFF")
  endif()
  _rolewall_buildflags(CPPFLAGS cppflags)
  _rolewall_buildflags(CXXFLAGS cxxflags)
  _rolewall_buildflags(LDFLAGS ldflags)
  foreach(flag IN LISTS cppflags cxxflags)
    if(flag MATCHES "^-D_FORTIFY_SOURCE")
      add_compile_options("$<$<NOT:$<CONFIG:Debug>>:${flag}>")
    else()
      add_compile_options("${flag}")
    endif()
  endforeach()
  add_link_options(${ldflags})
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  include(CheckPIESupported)
  check_pie_supported()
  message(STATUS "Hardening (dpkg-buildflags): ${cppflags} ${cxxflags} ${ldflags}")
endif()
