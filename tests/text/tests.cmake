# lib/util/text: no result depends on the C locale (LABEL unit).
find_package(Python3 COMPONENTS Interpreter REQUIRED)

# Numbers go through util/text.h alone: no strtod or %f/%g/%e formats on
# data anywhere else in lib/, cli/ and tools/ (and the checker can fail).
add_test(NAME text_callers
         COMMAND Python3::Interpreter ${CMAKE_CURRENT_LIST_DIR}/check_text_callers.py
                 ${PROJECT_SOURCE_DIR})
add_test(NAME text_callers_selftest
         COMMAND Python3::Interpreter ${CMAKE_CURRENT_LIST_DIR}/check_text_callers.py --self-test)
set_tests_properties(text_callers text_callers_selftest PROPERTIES LABELS unit)

# Config, expressions, values and durations in a comma-decimal locale (the
# program is not named check_*: scripts/valgrind.sh runs those bare).
add_executable(text_locale_program ${CMAKE_CURRENT_LIST_DIR}/check_locale.c)
target_link_libraries(text_locale_program PRIVATE sloeval_internal)
add_test(NAME text_locale
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/locale.sh $<TARGET_FILE:text_locale_program>)
set_tests_properties(text_locale PROPERTIES LABELS unit TIMEOUT 120
                     FAIL_REGULAR_EXPRESSION "FAIL"
                     ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp")
