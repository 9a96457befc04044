# What `cmake --install build --prefix P` puts under P, split into three
# components that CPack turns into Debian packages:
#   runtime  lib/libsloeval.so.MAJOR{,.MINOR.PATCH}             -> libsloeval<MAJOR>
#   dev      include/, lib/libsloeval.{so,a}, lib/pkgconfig/sloeval.pc,
#            lib/cmake/sloeval/, share/doc/sloeval/examples/      -> libsloeval-dev
#   cli      bin/sloeval, share/man/man1/sloeval.1.gz             -> sloeval
# Everything is derived from globs and targets, so new headers and commands
# need no change here. tests/packaging/ checks the result.
include(CMakePackageConfigHelpers)

set(SLOEVAL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sloeval)

# Libraries and their exported targets (sloeval::sloeval, sloeval::sloeval_static).
install(TARGETS sloeval EXPORT sloevalTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(TARGETS sloeval_static EXPORT sloevalTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# The public headers: include/sloeval.h and include/sloeval/*.h.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.h")

# sloeval.pc. Its prefix is the one given at install time (cmake --install
# --prefix, or CPack's /usr), not the one known when configuring, so it is
# written by the install script itself.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(SLOEVAL_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(SLOEVAL_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(SLOEVAL_PC_PREFIX "@SLOEVAL_PC_PREFIX@") # filled in at install time
configure_file(${PROJECT_SOURCE_DIR}/cmake/sloeval.pc.in ${PROJECT_BINARY_DIR}/sloeval.pc.in @ONLY)
install(CODE "
  set(SLOEVAL_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  string(MD5 _sloeval_pc_dir \"\${CMAKE_INSTALL_PREFIX}\")
  set(_sloeval_pc_dir \"${PROJECT_BINARY_DIR}/CMakeFiles/sloeval-pc/\${_sloeval_pc_dir}\")
  configure_file(\"${PROJECT_BINARY_DIR}/sloeval.pc.in\" \"\${_sloeval_pc_dir}/sloeval.pc\" @ONLY)
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\"
       TYPE FILE FILES \"\${_sloeval_pc_dir}/sloeval.pc\")
" COMPONENT dev)

# The CMake package: find_package(sloeval) gives sloeval::sloeval and
# sloeval::sloeval_static; the config finds the static library's
# dependencies itself (pkg-config), and the version file accepts requests
# for the same major version, as the SONAME does.
install(EXPORT sloevalTargets NAMESPACE sloeval:: DESTINATION ${SLOEVAL_INSTALL_CMAKEDIR}
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sloevalConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sloevalConfig.cmake
                              INSTALL_DESTINATION ${SLOEVAL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sloevalConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sloevalConfig.cmake
              ${PROJECT_BINARY_DIR}/sloevalConfigVersion.cmake
        DESTINATION ${SLOEVAL_INSTALL_CMAKEDIR} COMPONENT dev)

# The embedding example, as documentation (it builds against the install).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/embed/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        COMPONENT dev)

# The command and its man page (gzip -9n, as Debian ships man pages).
if(SLOEVAL_BUILD_CLI)
  install(TARGETS sloeval_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  configure_file(${PROJECT_SOURCE_DIR}/man/sloeval.1 ${PROJECT_BINARY_DIR}/man/sloeval.1 @ONLY)
  find_program(SLOEVAL_GZIP gzip)
  if(NOT SLOEVAL_GZIP)
    message(FATAL_ERROR "gzip is needed to install the man page")
  endif()
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/sloeval.1.gz
                     COMMAND ${SLOEVAL_GZIP} -9nkf ${PROJECT_BINARY_DIR}/man/sloeval.1
                     DEPENDS ${PROJECT_BINARY_DIR}/man/sloeval.1 VERBATIM)
  add_custom_target(sloeval_man ALL DEPENDS ${PROJECT_BINARY_DIR}/man/sloeval.1.gz)
  install(FILES ${PROJECT_BINARY_DIR}/man/sloeval.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT cli)
endif()

# Debian packages: cpack -G DEB (in the build directory) writes
#   libsloeval<MAJOR>_<version>_<arch>.deb  the shared library (Section libs)
#   libsloeval-dev_<version>_<arch>.deb     headers, static library, .pc, CMake package
#   sloeval_<version>_<arch>.deb            the command and its man page
# Run-time dependencies come from dpkg-shlibdeps; the -dev package needs the
# dependencies' -dev packages because sloeval.pc (Requires.private) and
# sloevalConfig.cmake look them up.
set(SLOEVAL_PACKAGE_CONTACT "sloeval maintainers <maintainers@sloeval.invalid>"
    CACHE STRING "Maintainer of the Debian packages (name <email>)")
set(CPACK_PACKAGE_NAME sloeval)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SLOEVAL_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/CPackOptions.cmake)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
if(SLOEVAL_BUILD_CLI)
  list(APPEND CPACK_COMPONENTS_ALL cli)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON) # executables and shared libraries; the static library keeps its symbols

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libsloeval${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "PromQL evaluation and SLO burn-rate checks (shared library)
libsloeval parses PromQL, queries Prometheus-compatible HTTP APIs
(Prometheus, Thanos Query, Mimir), evaluates with Prometheus 2.x or 3.x
semantics and decides whether SLO error budgets are burning (multiwindow,
multi-burn-rate), per region and across regions.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsloeval-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libcurl4-openssl-dev | libcurl-dev, libjansson-dev, libyaml-dev, libpcre2-dev, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION "PromQL evaluation and SLO burn-rate checks (development files)
The headers (sloeval.h), the static library, sloeval.pc for pkg-config and
the CMake package: find_package(sloeval) and link sloeval::sloeval.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME sloeval)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_DESCRIPTION "PromQL evaluation and SLO burn-rate checks (command-line tool)
sloeval parses PromQL, runs queries and PromQL test scripts, and checks SLO
error budgets from cron or as a CI gate: exit status 0 when nothing fires,
1 when an alert fires, 2 for a usage or config error, 3 when inconclusive.")
include(CPack)
