# Integration tests: every tests/integration/check_<name>.c is a Check suite
# that runs against real Prometheus servers (tests/support/promserver.h).
# Registered as ctest test "integration_<name>", LABEL integration.
file(GLOB SLOEVAL_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/check_*.c)
foreach(src ${SLOEVAL_INTEGRATION_TESTS})
  get_filename_component(name ${src} NAME_WE)
  string(REPLACE "check_" "" short ${name})
  add_executable(integration_${short} ${src})
  target_link_libraries(integration_${short} PRIVATE sloeval_test_support)
  add_test(NAME integration_${short} COMMAND integration_${short})
  set_tests_properties(integration_${short} PROPERTIES LABELS integration TIMEOUT 300)
endforeach()
# The demo test runs examples/demo/run.sh, which runs sloeval-gendata.
if(TARGET integration_demo)
  add_dependencies(integration_demo sloeval_gendata)
endif()
# subquery_step runs the CLI against the server.
if(TARGET integration_subquery_step AND SLOEVAL_BUILD_CLI)
  target_compile_definitions(integration_subquery_step
                             PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(integration_subquery_step sloeval_cli)
endif()
