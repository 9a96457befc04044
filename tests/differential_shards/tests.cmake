# The planner against real Prometheus 2.42 servers: one server holding every
# region against three servers holding one region each, and every mode
# against the server's own answer. LABEL slow.
# differential_shards3: the same against Prometheus 3.x (built by
# scripts/build-backends.sh) with 3.x semantics. LABEL backends; skipped
# (77) when not built.
include(${CMAKE_CURRENT_LIST_DIR}/../backends/paths.cmake)
foreach(_v 2 3)
  if(_v EQUAL 2)
    set(_t differential_shards)
  else()
    set(_t differential_shards3)
  endif()
  add_executable(${_t} ${CMAKE_CURRENT_LIST_DIR}/check_shards.c
                 ${CMAKE_CURRENT_LIST_DIR}/shardgen.c)
  target_include_directories(${_t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(${_t} PRIVATE sloeval_test_support)
  add_test(NAME ${_t} COMMAND ${_t})
  if(SLOEVAL_BUILD_CLI)
    target_compile_definitions(${_t} PRIVATE SLOEVAL_CLI_PATH="$<TARGET_FILE:sloeval_cli>")
    add_dependencies(${_t} sloeval_cli)
  endif()
endforeach()
set_tests_properties(differential_shards PROPERTIES LABELS "slow;differential" TIMEOUT 300)
target_compile_definitions(differential_shards3 PRIVATE DIFF_V3)
set_tests_properties(differential_shards3 PROPERTIES
  LABELS "slow;differential;backends" TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "${SLOEVAL_BACKENDS_ENV}")
