# Conformance against Prometheus's own PromQL test scripts (read from the
# shared folder, SLOEVAL_SHARED_DIR; skipped with a message when absent).
# v3 runs as Prometheus's own test engine does (experimental functions and
# delayed __name__ removal on) and excludes the files that exercise syntax
# behind server feature flags, off on a default server and outside the 3.x
# grammar sloeval parses:
#   duration_expression.test  promql-duration-expr (arithmetic in durations)
#   extended_vectors.test     promql-extended-range-selectors (anchored, smoothed)
#   fill-modifier.test        binop fill modifiers (fill(), fill_left, fill_right)
#   start_timestamps.test     start timestamps (created-timestamp storage)
#   type_and_unit.test        type-and-unit-labels (__type__, __unit__)
if(SLOEVAL_BUILD_CLI)
  set(_conf ${CMAKE_CURRENT_LIST_DIR}/run_conformance.sh)
  add_test(NAME conformance_v2
    COMMAND sh ${_conf} $<TARGET_FILE:sloeval_cli> ${SLOEVAL_SHARED_DIR} v2 v2.42)
  add_test(NAME conformance_v3
    COMMAND sh ${_conf} $<TARGET_FILE:sloeval_cli> ${SLOEVAL_SHARED_DIR} v3 v3
            duration_expression.test extended_vectors.test fill-modifier.test
            start_timestamps.test type_and_unit.test)
  set_tests_properties(conformance_v2 conformance_v3 PROPERTIES
    LABELS conformance SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
