/*
 * libFuzzer target for the OpenMetrics loader (lib/source/openmetrics.c)
 * through the public API. The input is loaded twice into an in-memory
 * source that already holds one series: a load either succeeds or fails
 * with SLOEVAL_EDATA, a positioned one-line message, and the source
 * exactly as it was (a failed load changes nothing). The second load of
 * the same text must fail (its samples are not newer) or change nothing.
 */
#include "fuzz_util.h"
#include "sloeval.h"

static bool same_stats(const sloeval_memory_stats *a, const sloeval_memory_stats *b)
{
    return a->series == b->series && a->samples == b->samples;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sloeval_source *src = NULL;
    FUZZ_CHECK(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3) == 0, "new_memory failed");
    sloeval_label l[2] = {{"__name__", "up"}, {"job", "a"}};
    FUZZ_CHECK(sloeval_memory_append(src, l, 2, 1000, 1.0, NULL) == 0, "append failed");

    sloeval_memory_stats before = SLOEVAL_MEMORY_STATS_INIT;
    sloeval_memory_stats after = SLOEVAL_MEMORY_STATS_INIT;
    FUZZ_CHECK(sloeval_memory_get_stats(&before, src, NULL) == 0, "stats failed");
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = (const char *)data;
    int rc = sloeval_memory_load_openmetrics(src, text, size, "fuzz.om", &err);
    FUZZ_CHECK(sloeval_memory_get_stats(&after, src, NULL) == 0, "stats failed");
    if (rc != 0) {
        FUZZ_CHECK(rc == SLOEVAL_EDATA || rc == SLOEVAL_ENOMEM, "unexpected code %d: %s", rc,
                   err.message);
        FUZZ_CHECK_ERROR(err, rc);
        FUZZ_CHECK(err.line >= 1 && err.column >= 1, "data error without a position: %s",
                   err.message);
        FUZZ_CHECK(same_stats(&before, &after), "a failed load changed the source");
    } else {
        FUZZ_CHECK(after.samples >= before.samples && after.series >= before.series,
                   "a load lost samples");
        sloeval_memory_stats again = SLOEVAL_MEMORY_STATS_INIT;
        sloeval_error err2 = SLOEVAL_ERROR_INIT;
        int rc2 = sloeval_memory_load_openmetrics(src, text, size, "fuzz.om", &err2);
        FUZZ_CHECK(sloeval_memory_get_stats(&again, src, NULL) == 0, "stats failed");
        if (rc2 != 0) {
            FUZZ_CHECK_ERROR(err2, rc2);
            FUZZ_CHECK(same_stats(&after, &again), "a failed reload changed the source");
        } else {
            FUZZ_CHECK(same_stats(&after, &again) || after.samples == before.samples,
                       "reloading the same samples added %zu", again.samples - after.samples);
        }
    }
    sloeval_source_free(src);
    return 0;
}
