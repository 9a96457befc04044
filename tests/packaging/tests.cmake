# Packaging: what a C developer gets from `cmake --install` and from the
# Debian packages (LABEL packaging). Each test is a script in this folder;
# all of them are generic over include/sloeval/*.h and the commands the
# built sloeval lists, so new headers and commands are covered unchanged.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
set(SLOEVAL_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SLOEVAL_HEADER_TEST_COMPILERS gcc clang g++ clang++ CACHE STRING
    "C and C++ compilers the public headers are compiled with (tests/packaging)")

# The man page agrees with `sloeval --help` and `sloeval <command> --help`.
if(SLOEVAL_BUILD_CLI)
  add_test(NAME packaging_man
           COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_man.py
                   ${PROJECT_BINARY_DIR}/man/sloeval.1 $<TARGET_FILE:sloeval_cli> ${PROJECT_SOURCE_DIR})
  set_tests_properties(packaging_man PROPERTIES LABELS packaging TIMEOUT 60)
endif()

# The command includes no header of lib/: it is a client of <sloeval.h>
# (and of the helper libraries' own headers under tools/) only.
add_test(NAME packaging_cli_includes
         COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_cli_includes.py
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_cli_includes PROPERTIES LABELS packaging)

# The library's folders include downward only (util at the bottom, report at
# the top) and no two folders form a circle; the checker first shows that it
# catches an upward include and a circle on made-up trees.
add_test(NAME packaging_layers_selftest
         COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_layers.py --self-test)
add_test(NAME packaging_layers
         COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_layers.py ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_layers_selftest packaging_layers PROPERTIES LABELS packaging)

# README.md and docs/*.md against the code: the commands, options and C they
# show, their relative links, and docs/config.md's keys against the loader's.
add_test(NAME packaging_readme
         COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_readme.py ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_readme PROPERTIES LABELS packaging)

# Every entry point that takes a sloeval_error is tested with a dirty one.
add_test(NAME packaging_error_reset
         COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_error_reset.py
                 ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/tests/unit/check_api.c)
set_tests_properties(packaging_error_reset PROPERTIES LABELS packaging)

# The examples built with this build's library run.
if(SLOEVAL_BUILD_EXAMPLES AND EXISTS ${PROJECT_SOURCE_DIR}/examples/embed/CMakeLists.txt)
  add_test(NAME example_embed COMMAND embed)
  add_test(NAME example_embed_config COMMAND embed ${PROJECT_SOURCE_DIR}/examples/multi-region.yaml)
  set_tests_properties(example_embed PROPERTIES LABELS packaging
    PASS_REGULAR_EXPRESSION "^libsloeval ${PROJECT_VERSION} \\(built with headers ${PROJECT_VERSION}\\)\npolicy sre-workbook, 1 SLOs\ncheckout-availability: objective 99.9%, error budget 0.001\n  5m   sum\\(rate\\(http_requests_total\\{code=~\"5..\"\\}\\[5m\\]\\)\\)\n")
  set_tests_properties(example_embed_config PROPERTIES LABELS packaging
    PASS_REGULAR_EXPRESSION "\ncheckout-availability: objective 99.9%.*\n  3d   ")
endif()

# The rest links programs against the shared library and installs it; a
# sanitizer build's library needs its runtime in every program that loads
# it, so they run in the ordinary build only.
if(NOT SLOEVAL_SANITIZE)
  # Only the public API leaves libsloeval.so; SONAME libsloeval.so.MAJOR.
  add_test(NAME packaging_exports
           COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_exports.py
                   $<TARGET_FILE:sloeval> ${PROJECT_SOURCE_DIR}/include ${PROJECT_VERSION})
  # Every public header compiles alone in C and C++; every declared
  # function links from C and C++.
  add_test(NAME packaging_headers
           COMMAND Python3::Interpreter ${SLOEVAL_PACKAGING_DIR}/check_headers.py
                   ${PROJECT_SOURCE_DIR}/include $<TARGET_FILE_DIR:sloeval>
                   ${CMAKE_CURRENT_BINARY_DIR}/packaging-headers ${SLOEVAL_HEADER_TEST_COMPILERS})
  set_tests_properties(packaging_exports packaging_headers PROPERTIES LABELS packaging TIMEOUT 120)
  if(SLOEVAL_BUILD_CLI)
    # cmake --install into a temporary prefix; the example builds against
    # it with pkg-config and with find_package(sloeval), and runs.
    add_test(NAME packaging_install
             COMMAND sh ${SLOEVAL_PACKAGING_DIR}/check_install.sh ${PROJECT_BINARY_DIR}
                     ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION} ${CMAKE_INSTALL_LIBDIR}
                     ${CMAKE_CURRENT_BINARY_DIR}/packaging-install)
    # cpack -G DEB: three packages, checked with dpkg-deb and unpacked.
    add_test(NAME packaging_deb
             COMMAND sh ${SLOEVAL_PACKAGING_DIR}/check_deb.sh ${PROJECT_BINARY_DIR}
                     ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION} ${CMAKE_INSTALL_LIBDIR}
                     ${CMAKE_CURRENT_BINARY_DIR}/packaging-deb)
    set_tests_properties(packaging_install packaging_deb PROPERTIES LABELS packaging TIMEOUT 300
                         RESOURCE_LOCK sloeval_install)
  endif()
endif()
