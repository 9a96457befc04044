# The real backends, built from their Go modules by scripts/build-backends.sh
# (versions in tests/backends/versions.env): Thanos (sidecars over Prometheus
# 3.x and a Thanos Query), Mimir (monolithic). LABEL backends; each test
# exits 77 (skipped, the reason printed) when its binaries are not built. The Prometheus 3.x
# differentials are in tests/differential*/tests.cmake with the same label.
include(${CMAKE_CURRENT_LIST_DIR}/paths.cmake)
if(SLOEVAL_BUILD_CLI)
  add_executable(backend_thanos ${CMAKE_CURRENT_LIST_DIR}/check_thanos.c
                 ${CMAKE_CURRENT_LIST_DIR}/backendproc.c
                 ${PROJECT_SOURCE_DIR}/tests/differential_shards/shardgen.c)
  target_include_directories(backend_thanos PRIVATE ${CMAKE_CURRENT_LIST_DIR}
                             ${PROJECT_SOURCE_DIR}/tests/differential_shards)
  target_link_libraries(backend_thanos PRIVATE sloeval_test_support)
  target_compile_definitions(backend_thanos PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(backend_thanos sloeval_cli)
  add_test(NAME backend_thanos COMMAND backend_thanos)
  set_tests_properties(backend_thanos PROPERTIES
    LABELS "slow;backends" TIMEOUT 600 SKIP_RETURN_CODE 77
    ENVIRONMENT "${SLOEVAL_BACKENDS_ENV}")
  add_executable(backend_mimir ${CMAKE_CURRENT_LIST_DIR}/check_mimir.c
                 ${CMAKE_CURRENT_LIST_DIR}/backendproc.c)
  target_include_directories(backend_mimir PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(backend_mimir PRIVATE sloeval_test_support)
  target_compile_definitions(backend_mimir PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
  add_dependencies(backend_mimir sloeval_cli)
  add_test(NAME backend_mimir COMMAND backend_mimir)
  set_tests_properties(backend_mimir PROPERTIES
    LABELS "slow;backends" TIMEOUT 600 SKIP_RETURN_CODE 77
    ENVIRONMENT "${SLOEVAL_BACKENDS_ENV}")
endif()
