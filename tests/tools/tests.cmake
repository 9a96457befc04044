# Test tools: sloeval-gendata (tests/support/datagen.h as a command), built
# as build/tests/sloeval-gendata.
add_executable(sloeval_gendata ${CMAKE_CURRENT_LIST_DIR}/gendata.c)
set_target_properties(sloeval_gendata PROPERTIES OUTPUT_NAME sloeval-gendata
                      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(sloeval_gendata PRIVATE sloeval_test_support)

# The command's contract: help, one-line errors with exit status 2, and
# --split-dir next to the whole file.
add_test(NAME tools_gendata_help COMMAND sloeval_gendata --help)
set_tests_properties(tools_gendata_help PROPERTIES LABELS tools
  PASS_REGULAR_EXPRESSION "--incident REGION:FROM-TO:RATIO\\[:SLOW\\]")
add_test(NAME tools_gendata_bad_option
  COMMAND sh -c "\"$0\" --bogus 2>&1; echo \"rc=$?\"" $<TARGET_FILE:sloeval_gendata>)
set_tests_properties(tools_gendata_bad_option PROPERTIES LABELS tools
  PASS_REGULAR_EXPRESSION "^sloeval-gendata: unknown option '--bogus' \\(see --help\\)\nrc=2\n$")
add_test(NAME tools_gendata_bad_incident
  COMMAND sh -c "\"$0\" --regions a,b --incident c:1m-2m:0.1 2>&1; echo \"rc=$?\""
          $<TARGET_FILE:sloeval_gendata>)
set_tests_properties(tools_gendata_bad_incident PROPERTIES LABELS tools
  PASS_REGULAR_EXPRESSION "^sloeval-gendata: unknown region 'c' in incident 'c:1m-2m:0.1'\nrc=2\n$")
add_test(NAME tools_gendata_split
  COMMAND sh -c "d=$(mktemp -d) && \"$0\" --duration 10m --no-data ap-south-1 --split-dir \"$d/split\" -o \"$d/all.om\" && cd \"$d\" && ls split && grep -c . all.om split/*.om && sort all.om > a && cat split/*.om | sort | uniq > b && grep -v '^#' b | comm -3 - a | grep -v '^	#' | wc -l; rm -rf \"$d\""
          $<TARGET_FILE:sloeval_gendata>)
set_tests_properties(tools_gendata_split PROPERTIES LABELS tools
  PASS_REGULAR_EXPRESSION "ap-south-1.om\neu-west-1.om\nus-east-1.om\nall.om:[0-9]+\nsplit/ap-south-1.om:[0-9]\nsplit/eu-west-1.om:[0-9]+\nsplit/us-east-1.om:[0-9]+\n0\n$")
