/*
 * libFuzzer target for the /api/v1 query response decoder
 * (lib/source/prom_json.c), differential against the tests' reference
 * decoder on jansson's DOM (tests/support/prom_decode_ref.c). The first
 * input byte picks the HTTP status and the content type the body came
 * with; the rest is the body. Both decoders must return the same code, and
 * on success the same value bit for bit (kind, label sets, timestamps,
 * the bits of every float, NaN payloads included) and the same warnings
 * and infos. Any disagreement aborts, printing both answers, except the
 * known ones known_difference() lists.
 */

#include "fuzz_util.h"
#include "model/model.h"
#include "prom_decode_ref.h"
#include "source/prometheus.h"

#define URL "http://127.0.0.1:9090/api/v1/query"

static bool same_bits(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/*
 * Timestamps: prom_json.c reads the decimal digits of the seconds exactly
 * (rounding half away from zero below the millisecond); the reference
 * goes through jansson's double and rounds seconds * 1000. Prometheus
 * writes times exactly with at most three decimals (jsonutil's
 * MarshalTimestamp), and for those the two agree up to 2^52 ms (year
 * 144,000); beyond that, or with more decimals, the reference's double
 * is off by its rounding. So the reference is trusted within its double's
 * precision only: a difference of at most 1 ms plus |t| * 2^-50.
 */
static bool same_ts(int64_t x, int64_t y)
{
    if (x == y) return true;
    if ((x < 0) != (y < 0)) return false;
    uint64_t ax = x < 0 ? -(uint64_t)x : (uint64_t)x, ay = y < 0 ? -(uint64_t)y : (uint64_t)y;
    uint64_t diff = ax > ay ? ax - ay : ay - ax;
    return diff <= 1 + (ax >> 50);
}

static bool same_notes(const strv *a, size_t na, const strv *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (!strv_eq(a[i], b[i])) return false;
    return true;
}

/* Whether two decoded values are identical; why says where they differ. */
static bool same_value(const value *x, const value *y, char *why, size_t size)
{
    if (x->kind != y->kind) return snprintf(why, size, "kind %d vs %d", x->kind, y->kind) < 0;
    switch (x->kind) {
    case VALUE_SCALAR:
        if (!same_ts(x->t, y->t) || !same_bits(x->u.scalar, y->u.scalar))
            return snprintf(why, size, "scalar differs") < 0;
        return true;
    case VALUE_STRING:
        if (!same_ts(x->t, y->t) || !strv_eq(x->u.string, y->u.string))
            return snprintf(why, size, "string differs") < 0;
        return true;
    case VALUE_VECTOR:
        if (x->u.vector.count != y->u.vector.count)
            return snprintf(why, size, "vector of %zu vs %zu", x->u.vector.count,
                            y->u.vector.count) < 0;
        for (size_t i = 0; i < x->u.vector.count; i++) {
            const vector_elem *a = &x->u.vector.items[i], *b = &y->u.vector.items[i];
            if (!labels_equal(a->labels, b->labels) || !same_ts(a->t, b->t) ||
                !same_bits(a->v, b->v))
                return snprintf(why, size, "vector element %zu differs", i) < 0;
        }
        return true;
    case VALUE_MATRIX:
        if (x->u.matrix.count != y->u.matrix.count)
            return snprintf(why, size, "matrix of %zu vs %zu", x->u.matrix.count,
                            y->u.matrix.count) < 0;
        for (size_t i = 0; i < x->u.matrix.count; i++) {
            const series *a = &x->u.matrix.items[i], *b = &y->u.matrix.items[i];
            if (!labels_equal(a->labels, b->labels) || a->count != b->count)
                return snprintf(why, size, "series %zu differs", i) < 0;
            for (size_t k = 0; k < a->count; k++)
                if (!same_ts(a->samples[k].t, b->samples[k].t) ||
                    !same_bits(a->samples[k].v, b->samples[k].v))
                    return snprintf(why, size, "series %zu sample %zu differs", i, k) < 0;
        }
        return true;
    default: return snprintf(why, size, "unexpected kind %d", x->kind) < 0;
    }
}

/*
 * Disagreements known and tolerated, each with the reason:
 *  - A key twice in one object: the reference (jansson with
 *    JSON_REJECT_DUPLICATES) refuses the body; prom_json.c refuses a
 *    repeated "status", label name, or "metric", "value" or "values" of a
 *    result element, but keeps the last of other repeated members (the
 *    fuzzer showed unknown members repeated at the top level, in an error
 *    answer and in a result element). Refusing is right
 *    (fail closed; Prometheus never repeats a key): tolerated until
 *    prom_json.c refuses every repeated key.
 *  - "\u0000" in an object key: valid JSON, and the streaming decoder
 *    keeps it (a 3.x UTF-8 label name may hold it), but jansson refuses
 *    NUL in keys even with JSON_ALLOW_NUL. The reference's limit, for
 *    good.
 *  - Native histograms in an answer that is also malformed elsewhere: the
 *    streaming decoder stops at the first "histogram(s)" member with
 *    SLOEVAL_EUNSUPPORTED, the reference checks the whole body and the
 *    envelope (resultType) first and says SLOEVAL_EDECODE, or the other
 *    way round when the malformed part comes first. Both refuse the
 *    answer; only the code of the first problem differs, and nothing
 *    downstream tells the two apart (either makes the result
 *    inconclusive). Tolerated for good: each decoder's order is its own.
 */
static bool known_difference(int rc, int rrc, const char *ref_message)
{
    if (rc == 0 && rrc == SLOEVAL_EDECODE && strstr(ref_message, "NUL byte in object key"))
        return true;
    if (rc != SLOEVAL_EDECODE && rrc == SLOEVAL_EDECODE &&
        strstr(ref_message, "duplicate object key"))
        return true;
    if ((rc == SLOEVAL_EUNSUPPORTED && rrc == SLOEVAL_EDECODE) ||
        (rc == SLOEVAL_EDECODE && rrc == SLOEVAL_EUNSUPPORTED))
        return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 400, 422, 503, 204, 302};
    static const char *const ctypes[] = {"application/json", NULL, "text/plain",
                                         "application/json; charset=utf-8"};
    if (size < 1) return 0;
    long status = statuses[data[0] & 7];
    const char *ctype = ctypes[(data[0] >> 3) & 3];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    arena a, ra;
    arena_init(&a, 0);
    arena_init(&ra, 0);
    value v, rv;
    source_notes notes = {0}, rnotes = {0};
    sloeval_error err = SLOEVAL_ERROR_INIT, rerr = SLOEVAL_ERROR_INIT;
    int rc = prom_decode_response(&v, &notes, body, len, status, ctype, URL, &a, &err);
    int rrc = prom_decode_response_ref(&rv, &rnotes, body, len, status, ctype, URL, &ra, &rerr);

    if (rc) FUZZ_CHECK_ERROR(err, rc);
    if (rrc) FUZZ_CHECK_ERROR(rerr, rrc);
    if (rc != rrc && known_difference(rc, rrc, rerr.message)) goto done;
    FUZZ_CHECK(rc == rrc, "decoders disagree: %d (%s) vs reference %d (%s)", rc, err.message, rrc,
               rerr.message);
    if (rc == 0) {
        char why[200] = "";
        FUZZ_CHECK(same_value(&v, &rv, why, sizeof why), "decoders disagree on the value: %s",
                   why);
    }
    if (rc == 0 || rc == SLOEVAL_ESERVER) {
        FUZZ_CHECK(same_notes(notes.warnings, notes.nwarnings, rnotes.warnings, rnotes.nwarnings),
                   "decoders disagree on the warnings");
        FUZZ_CHECK(same_notes(notes.infos, notes.ninfos, rnotes.infos, rnotes.ninfos),
                   "decoders disagree on the infos");
    }
done:
    arena_free(&a);
    arena_free(&ra);
    return 0;
}
