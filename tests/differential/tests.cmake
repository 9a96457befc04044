# Differential test against a real Prometheus 2.42 (tests/support/promserver.h):
# generated data and expressions, sloeval's 2.x evaluation must agree with
# the server on every label set and value. LABEL slow.
add_executable(differential_prometheus ${CMAKE_CURRENT_LIST_DIR}/check_differential.c
               ${CMAKE_CURRENT_LIST_DIR}/exprgen.c)
target_link_libraries(differential_prometheus PRIVATE sloeval_test_support)
target_include_directories(differential_prometheus PRIVATE ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME differential_prometheus COMMAND differential_prometheus)
set_tests_properties(differential_prometheus PROPERTIES LABELS "slow;differential" TIMEOUT 600)
if(TARGET sloeval_cli)
  add_dependencies(differential_prometheus sloeval_cli)
endif()

# The same against Prometheus 3.x (built by scripts/build-backends.sh) with
# 3.x semantics (--compat v3). LABEL backends; skipped (77) when not built.
include(${CMAKE_CURRENT_LIST_DIR}/../backends/paths.cmake)
add_executable(differential_prometheus3 ${CMAKE_CURRENT_LIST_DIR}/check_differential.c
               ${CMAKE_CURRENT_LIST_DIR}/exprgen.c)
target_link_libraries(differential_prometheus3 PRIVATE sloeval_test_support)
target_include_directories(differential_prometheus3 PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(differential_prometheus3 PRIVATE DIFF_V3)
add_test(NAME differential_prometheus3 COMMAND differential_prometheus3)
set_tests_properties(differential_prometheus3 PROPERTIES
  LABELS "slow;differential;backends" TIMEOUT 600 SKIP_RETURN_CODE 77
  ENVIRONMENT "${SLOEVAL_BACKENDS_ENV}")
if(TARGET sloeval_cli)
  add_dependencies(differential_prometheus3 sloeval_cli)
endif()
