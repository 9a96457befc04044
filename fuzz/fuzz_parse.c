/*
 * libFuzzer target for the PromQL front end. The first input byte picks
 * the grammar (bit 0: 2.x, else 3.x) and the experimental-functions switch
 * (bit 1); the rest is the expression. Any input must either fail with a
 * positioned parse error or parse; a parsed expression must print to text
 * that parses back to an equal tree and prints identically, its JSON must be
 * valid, and injecting a matcher must keep all of that true.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql/ast.h"
#include "promql/expr.h"
#include "promql/rewrite.h"
#include "sloeval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_parse: %s\n", what);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Print, reparse with the same options, compare. */
static void check_roundtrip(const sloeval_expr *e, const sloeval_parse_options *o)
{
    char *s1 = NULL, *s2 = NULL;
    CHECK(sloeval_expr_print(&s1, e, NULL) == 0, "print failed");
    sloeval_expr *again = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    if (sloeval_expr_parse(&again, s1, strlen(s1), o, &err) != 0) {
        fprintf(stderr, "fuzz_parse: canonical text does not parse: %s\n  text: %s\n", err.message,
                s1);
        abort();
    }
    CHECK(ast_equal(sloeval_expr_ast(e), sloeval_expr_ast(again)),
          "canonical text parses to a different tree");
    CHECK(sloeval_expr_print(&s2, again, NULL) == 0, "print failed");
    CHECK(strcmp(s1, s2) == 0, "printing is not stable");
    free(s1);
    free(s2);
    sloeval_expr_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    sloeval_parse_options o = SLOEVAL_PARSE_OPTIONS_INIT;
    o.compat = (data[0] & 1) ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    o.experimental_functions = (data[0] >> 1) & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    sloeval_expr *e = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_expr_parse(&e, text, len, &o, &err);
    if (rc != 0) {
        CHECK(e == NULL, "failed parse returned an expression");
        CHECK(rc == SLOEVAL_EPARSE || rc == SLOEVAL_ENOMEM, "unexpected error code");
        CHECK(err.code == rc, "error code not recorded");
        CHECK(err.message[0] != '\0', "empty error message");
        CHECK(strchr(err.message, '\n') == NULL, "multi-line error message");
        CHECK(err.start <= len && err.line >= 1 && err.column >= 1, "error position out of range");
        return 0;
    }
    check_roundtrip(e, &o);

    char *json = NULL;
    CHECK(sloeval_expr_to_json(&json, e, NULL) == 0, "to_json failed");
    json_t *j = json_loads(json, JSON_ALLOW_NUL, NULL);
    CHECK(j != NULL, "to_json produced invalid JSON");
    json_decref(j);
    free(json);

    label_matcher m = {MATCH_EQUAL, STRV_LIT("region"), STRV_LIT("eu\"} or x{")};
    CHECK(ast_inject_matchers(sloeval_expr_arena(e), sloeval_expr_ast(e), &m, 1, NULL) == 0,
          "inject failed");
    check_roundtrip(e, &o);
    sloeval_expr_free(e);
    return 0;
}
