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
