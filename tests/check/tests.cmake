# `sloeval check` end to end: tests/check/check_<name>.c are Check suites
# against real Prometheus servers and the sloeval command; registered as
# ctest test "check_<name>", LABEL integration.
file(GLOB SLOEVAL_CHECK_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/check_*.c)
foreach(src ${SLOEVAL_CHECK_TESTS})
  get_filename_component(name ${src} NAME_WE)
  string(REPLACE "check_" "" short ${name})
  add_executable(checktest_${short} ${src})
  target_link_libraries(checktest_${short} PRIVATE sloeval_test_support)
  add_test(NAME check_${short} COMMAND checktest_${short})
  set_tests_properties(check_${short} PROPERTIES LABELS "integration" TIMEOUT 300)
  if(TARGET sloeval_cli)
    add_dependencies(checktest_${short} sloeval_cli)
  endif()
endforeach()
# The embedding example (examples/check) runs in check_slo_check too.
if(SLOEVAL_BUILD_EXAMPLES AND TARGET checktest_slo_check)
  add_dependencies(checktest_slo_check embed_check)
  target_compile_definitions(checktest_slo_check PRIVATE SLOEVAL_TEST_EXAMPLES=1)
endif()
