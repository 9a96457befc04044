# `sloeval check` on the command line against a loopback HTTP server that
# records what it is sent (tests/support/faultserver): warnings on stderr,
# times, `sloeval test` on a promtool file. LABEL cli.
if(SLOEVAL_BUILD_CLI)
  add_executable(cli_check ${CMAKE_CURRENT_LIST_DIR}/check_cli_check.c)
  target_link_libraries(cli_check PRIVATE sloeval_test_support)
  target_compile_definitions(cli_check PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(cli_check sloeval_cli)
  add_test(NAME cli_check COMMAND cli_check)
  set_tests_properties(cli_check PROPERTIES LABELS "cli;integration" TIMEOUT 300)
endif()
