# `sloeval query --url` end to end: the binary against a misbehaving HTTP
# server (exit codes, one-line errors, time bounds, retries), secrets never
# shown, the environment, --explain. LABEL cli.
if(SLOEVAL_BUILD_CLI)
  add_executable(cli_query ${CMAKE_CURRENT_LIST_DIR}/check_cli_query.c)
  target_link_libraries(cli_query PRIVATE sloeval_test_support)
  target_compile_definitions(cli_query PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(cli_query sloeval_cli)
  add_test(NAME cli_query COMMAND cli_query)
  set_tests_properties(cli_query PROPERTIES LABELS "cli;integration" TIMEOUT 300)
endif()
