# Corpus tests: read the upstream PromQL test scripts under
# SLOEVAL_SHARED_DIR/promql-testdata (data, never copied into the repo).
# They exit 77, reported by ctest as skipped, when that folder is absent.
add_executable(corpus_script_parse ${CMAKE_CURRENT_LIST_DIR}/script_parse.c)
target_link_libraries(corpus_script_parse PRIVATE sloeval_test_support)
add_test(NAME corpus_script_parse COMMAND corpus_script_parse)
set_tests_properties(corpus_script_parse PROPERTIES LABELS corpus TIMEOUT 120 SKIP_RETURN_CODE 77)
