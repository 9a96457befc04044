# The PromQL front end's tests beyond the unit suites: the sloeval parse
# command line, and the acceptance test against a real Prometheus 2.42.
if(SLOEVAL_BUILD_CLI)
  add_test(NAME parse_cli COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:sloeval_cli>)
  set_tests_properties(parse_cli PROPERTIES LABELS cli TIMEOUT 120)
endif()

add_executable(parse_acceptance ${CMAKE_CURRENT_LIST_DIR}/acceptance.c)
target_link_libraries(parse_acceptance PRIVATE sloeval_test_support)
add_test(NAME parse_acceptance COMMAND parse_acceptance)
set_tests_properties(parse_acceptance PROPERTIES LABELS "acceptance;slow" TIMEOUT 300)

add_executable(parse_testdata ${CMAKE_CURRENT_LIST_DIR}/testdata.c)
target_link_libraries(parse_testdata PRIVATE sloeval_test_support)
add_test(NAME parse_testdata COMMAND parse_testdata)
set_tests_properties(parse_testdata PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 120)
