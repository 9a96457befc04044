# The planner against real Prometheus 2.42 servers: one server holding every
# region against three servers holding one region each, and every mode
# against the server's own answer. LABEL slow.
add_executable(differential_shards ${CMAKE_CURRENT_LIST_DIR}/check_shards.c
               ${CMAKE_CURRENT_LIST_DIR}/shardgen.c)
target_include_directories(differential_shards PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(differential_shards PRIVATE sloeval_test_support)
add_test(NAME differential_shards COMMAND differential_shards)
set_tests_properties(differential_shards PROPERTIES LABELS "slow;differential" TIMEOUT 300)
if(SLOEVAL_BUILD_CLI)
  target_compile_definitions(differential_shards PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(differential_shards sloeval_cli)
endif()
