/* exprgen: seeded PromQL expressions from the local subset (exprgen.h). */
#include "exprgen.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct out {
    char *buf;
    size_t size, len;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->size) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

static uint64_t next(exprgen *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t pick(exprgen *g, size_t n)
{
    return (size_t)(next(g) % n);
}

static bool chance(exprgen *g, int percent)
{
    return (int)pick(g, 100) < percent;
}

void exprgen_init(exprgen *g, uint64_t seed, const char *const *regions, size_t nregions)
{
    g->state = seed * 0x2545f4914f6cdd1dULL + 1;
    g->regions = regions;
    g->nregions = nregions;
}

static const char *const ranges[] = {"1m", "2m", "5m", "10m", "30m", "1h", "90s", "3m17s"};
static const char *const offsets[] = {"1m", "5m", "30m", "1h", "7m30s"};

/* Label matchers for a counter selector. */
static void counter_matchers(exprgen *g, out *o)
{
    bool any = false;
#define SEP() (any ? "," : (any = true, ""))
    if (chance(g, 30)) put(o, "%sregion=\"%s\"", SEP(), g->regions[pick(g, g->nregions)]);
    if (chance(g, 15)) put(o, "%sregion!=\"%s\"", SEP(), g->regions[pick(g, g->nregions)]);
    switch (pick(g, 6)) {
    case 0: put(o, "%sstatus=~\"5..\"", SEP()); break;
    case 1: put(o, "%sstatus=\"200\"", SEP()); break;
    case 2: put(o, "%sstatus!~\"2..|404\"", SEP()); break;
    default: break;
    }
    if (chance(g, 20)) put(o, "%smethod=\"%s\"", SEP(), chance(g, 50) ? "GET" : "POST");
    if (chance(g, 10)) put(o, "%sinstance=~\"checkout-[01].*\"", SEP());
    if (chance(g, 10)) put(o, "%sjob=\"checkout\"", SEP());
#undef SEP
}

static void counter_selector(exprgen *g, out *o)
{
    put(o, "http_requests_total");
    if (chance(g, 75)) {
        put(o, "{");
        counter_matchers(g, o);
        put(o, "}");
    }
}

static void range_suffix(exprgen *g, out *o)
{
    put(o, "[%s]", ranges[pick(g, sizeof(ranges) / sizeof(ranges[0]))]);
    if (chance(g, 15)) put(o, " offset %s", offsets[pick(g, sizeof(offsets) / sizeof(offsets[0]))]);
}

/* A rate-like function over a counter family: full label sets. */
static void rate_expr(exprgen *g, out *o)
{
    static const char *const fns[] = {"rate", "rate", "rate", "increase", "irate"};
    put(o, "%s(", fns[pick(g, 5)]);
    switch (pick(g, 5)) {
    case 0:
        put(o, "http_request_duration_seconds_bucket{le=\"%s\"}", chance(g, 50) ? "0.25" : "+Inf");
        break;
    case 1: put(o, "http_request_duration_seconds_count"); break;
    default: counter_selector(g, o); break;
    }
    range_suffix(g, o);
    put(o, ")");
}

static const char *const label_sets[] = {
    "region",         "instance", "status",           "method", "region, status",
    "region, method", "job",      "region, instance", "",       "status, method"};
#define NLABEL_SETS (sizeof(label_sets) / sizeof(label_sets[0]))

static void aggregation(exprgen *g, out *o, const char *by, bool inner_rate)
{
    static const char *const ops[] = {"sum", "sum", "sum", "avg", "min", "max", "count"};
    const char *op = ops[pick(g, 7)];
    bool without = chance(g, 20);
    if (without) {
        put(o, "%s without (%s) (", op, by);
    } else if (chance(g, 30)) {
        put(o, "%s(", op);
    } else {
        put(o, "%s by (%s) (", op, by);
    }
    if (inner_rate)
        rate_expr(g, o);
    else
        put(o, "queue_depth");
    put(o, ")");
}

static const char *const arith_ops[] = {"+", "-", "*", "/", "%", "^"};
static const char *const cmp_ops[] = {"==", "!=", ">", "<", ">=", "<="};

static void scalar_literal(exprgen *g, out *o)
{
    static const char *const lits[] = {"0",   "1",     "2",  "0.5", "100",
                                       "1e3", "0.001", "-1", "60",  "3600"};
    put(o, "%s", lits[pick(g, sizeof(lits) / sizeof(lits[0]))]);
}

/* One vector expression; depth limits nesting. */
static void vector_expr(exprgen *g, out *o, int depth)
{
    size_t kind = depth <= 0 ? pick(g, 3) : pick(g, 12);
    switch (kind) {
    case 0: rate_expr(g, o); return;
    case 1: aggregation(g, o, label_sets[pick(g, NLABEL_SETS)], true); return;
    case 2:
        if (chance(g, 50)) {
            put(o, "queue_depth");
            if (chance(g, 40)) put(o, "{region=\"%s\"}", g->regions[pick(g, g->nregions)]);
            if (chance(g, 20)) put(o, " offset %s", offsets[pick(g, 5)]);
        } else {
            aggregation(g, o, label_sets[pick(g, NLABEL_SETS)], false);
        }
        return;
    case 3: {
        /* A ratio of two aggregations with the same grouping: one-to-one. */
        const char *by = label_sets[pick(g, 4)];
        put(o, "sum by (%s) (", by);
        put(o, "rate(http_requests_total{status=~\"5..\"}[%s])", ranges[pick(g, 6)]);
        put(o, ") / sum by (%s) (rate(http_requests_total[%s]))", by, ranges[pick(g, 6)]);
        return;
    }
    case 4: {
        /* vector op scalar, either side, sometimes bool comparisons */
        bool cmp = chance(g, 40);
        bool left = chance(g, 60);
        const char *op = cmp ? cmp_ops[pick(g, 6)] : arith_ops[pick(g, 6)];
        const char *b = cmp && chance(g, 50) ? " bool" : "";
        if (left) {
            put(o, "(");
            vector_expr(g, o, depth - 1);
            put(o, ") %s%s ", op, b);
            scalar_literal(g, o);
        } else {
            scalar_literal(g, o);
            put(o, " %s%s (", op, b);
            vector_expr(g, o, depth - 1);
            put(o, ")");
        }
        return;
    }
    case 5:
        put(o, "-(");
        vector_expr(g, o, depth - 1);
        put(o, ")");
        return;
    case 6: {
        /* Set operators with on/ignoring. */
        static const char *const sets[] = {"and", "or", "unless"};
        const char *by = label_sets[pick(g, 4)];
        put(o, "sum by (%s) (", by);
        rate_expr(g, o);
        put(o, ") %s", sets[pick(g, 3)]);
        if (chance(g, 30)) put(o, " on (region)");
        put(o, " sum by (%s) (", by);
        rate_expr(g, o);
        put(o, ")");
        if (chance(g, 30)) put(o, " > 0");
        return;
    }
    case 7: {
        /* Many-to-one: per series over per region. */
        put(o,
            "rate(http_requests_total[%s]) / ignoring (instance, method, status) "
            "group_left sum by (job, region) (rate(http_requests_total[%s]))",
            ranges[pick(g, 6)], ranges[pick(g, 6)]);
        return;
    }
    case 8: {
        /* One-to-many with on(). */
        put(o, "sum by (region) (queue_depth) * on (region) group_right ");
        if (chance(g, 50)) put(o, "(job) ");
        put(o, "rate(http_requests_total{status=\"200\"}[5m])");
        return;
    }
    case 9: {
        /* Vector comparison between two groupings, possibly bool. */
        const char *by = label_sets[pick(g, 4)];
        put(o, "sum by (%s) (", by);
        rate_expr(g, o);
        put(o, ") %s%s sum by (%s) (", cmp_ops[pick(g, 6)], chance(g, 40) ? " bool" : "", by);
        rate_expr(g, o);
        put(o, ")");
        return;
    }
    case 10: {
        /* Arithmetic between two vector expressions with the same labels. */
        const char *by = label_sets[pick(g, NLABEL_SETS)];
        aggregation(g, o, by, true);
        put(o, " %s ", arith_ops[pick(g, 4)]);
        aggregation(g, o, by, true);
        return;
    }
    default: {
        /* Outer aggregation over a nested expression. */
        static const char *const ops[] = {"sum", "max", "min", "avg", "count"};
        put(o, "%s by (region) (", ops[pick(g, 5)]);
        vector_expr(g, o, depth - 1);
        put(o, ")");
        return;
    }
    }
}

void exprgen_next(exprgen *g, char *buf, size_t size)
{
    out o = {buf, size, 0};
    if (size) buf[0] = '\0';
    if (chance(g, 3)) {
        /* Matching errors, whose messages must be the server's. */
        if (chance(g, 50))
            put(&o, "sum by (region, instance) (rate(http_requests_total[5m])) + on (region) "
                    "sum by (region, method) (rate(http_requests_total[5m]))");
        else
            put(&o, "sum by (region, instance) (rate(http_requests_total[5m])) + on (region) "
                    "sum by (region) (rate(http_requests_total[5m]))");
        return;
    }
    if (chance(g, 5)) {
        /* A scalar expression now and then. */
        scalar_literal(g, &o);
        put(&o, " %s (", arith_ops[pick(g, 4)]);
        scalar_literal(g, &o);
        put(&o, ")");
        return;
    }
    vector_expr(g, &o, 2);
}
