/*
 * libFuzzer target for the PromQL test-script reader
 * (lib/promqltest/script.c): parse a `.test` script, then load each of
 * its `load` blocks into an in-memory source as the runner does, and try
 * every `expect ... msg|regex:` line against a message. A script either
 * parses or fails with SLOEVAL_EDATA and a one-line message naming the
 * line; a load either succeeds or fails with a one-line message.
 */
#include "fuzz_util.h"
#include "promqltest/script.h"
#include "sloeval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    script *s = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = script_parse(&s, (const char *)data, size, "fuzz.test", &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == SLOEVAL_EDATA || rc == SLOEVAL_ENOMEM, "unexpected code %d: %s", rc,
                   err.message);
        FUZZ_CHECK_ERROR(err, rc);
        FUZZ_CHECK(rc != SLOEVAL_EDATA || err.line >= 1, "data error without a line: %s",
                   err.message);
        return 0;
    }
    sloeval_source *mem = NULL;
    FUZZ_CHECK(sloeval_source_new_memory(&mem, SLOEVAL_COMPAT_V3) == 0, "new_memory failed");
    for (size_t i = 0; i < s->ncmds; i++) {
        const script_cmd *c = &s->cmds[i];
        if (c->kind == SCRIPT_CLEAR) {
            sloeval_source_free(mem);
            mem = NULL;
            FUZZ_CHECK(sloeval_source_new_memory(&mem, SLOEVAL_COMPAT_V3) == 0,
                       "new_memory failed");
        } else if (c->kind == SCRIPT_LOAD) {
            size_t skipped = 0;
            sloeval_error lerr = SLOEVAL_ERROR_INIT;
            int lrc = script_load_supported_into(mem, &c->u.load, &skipped, &lerr);
            if (lrc) FUZZ_CHECK_ERROR(lerr, lrc);
        } else {
            FUZZ_CHECK(c->kind == SCRIPT_EVAL, "unknown command kind %d", c->kind);
            const script_eval *e = &c->u.eval;
            FUZZ_CHECK(e->expr.ptr != NULL && e->expr.ptr[e->expr.len] == '\0',
                       "eval expression not NUL-terminated");
            for (size_t k = 0; k < e->nexpects; k++) {
                (void)script_expect_matches(&e->expects[k], STRV_LIT("vector cannot contain "
                                                                     "metrics with the same "
                                                                     "labelset"));
                (void)script_expect_matches(&e->expects[k], e->expects[k].text);
            }
        }
    }
    sloeval_source_free(mem);
    script_free(s);
    return 0;
}
