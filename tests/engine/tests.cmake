# The local engine's command line: sloeval query --data and sloeval test.
if(SLOEVAL_BUILD_CLI)
  add_test(NAME engine_cli COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:sloeval_cli>)
  set_tests_properties(engine_cli PROPERTIES LABELS cli TIMEOUT 120)
endif()
