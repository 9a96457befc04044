/* The planner's expression generator: see shardgen.h. */
#include "shardgen.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

static uint64_t next(shardgen *g)
{
    /* xorshift64* */
    g->state ^= g->state >> 12;
    g->state ^= g->state << 25;
    g->state ^= g->state >> 27;
    return g->state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(shardgen *g, unsigned n)
{
    return (unsigned)(next(g) >> 33) % n;
}

#define PICK(g, arr) ((arr)[pick((g), sizeof(arr) / sizeof((arr)[0]))])

void shardgen_init(shardgen *g, uint64_t seed)
{
    g->state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (int i = 0; i < 4; i++)
        next(g);
}

static const char *const windows[] = {"1m", "2m", "5m", "10m", "30m", "1h"};
static const char *const counter_matchers[] = {
    "",
    "{status=~\"5..\"}",
    "{method=\"GET\"}",
    "{region=\"eu-west-1\"}",
    "{region=~\"us-.*|ap-.*\"}",
    "{status!=\"200\"}",
    "{instance=~\".*-0\"}",
    "{region!=\"us-east-1\",status=~\"2..|5..\"}",
};
static const char *const gauge_matchers[] = {"", "{region=\"us-east-1\"}", "{instance!~\".*-1\"}",
                                             "{region=~\"eu.*|ap.*\"}"};
static const char *const groupings[] = {
    "",
    " by (region)",
    " by (region, status)",
    " without (instance)",
    " by (method)",
    " by (status)",
    " without (instance, method, status)",
    " by (instance)",
    " by ()",
};
/* Groupings that keep label sets unique across a ratio's two sides. */
static const char *const ratio_groupings[] = {" by (region)", "", " by (region, method)",
                                              " without (instance, status)", " by (method)"};

static void offset(shardgen *g, strbuf *sb)
{
    if (pick(g, 5) == 0) strbuf_printf(sb, " offset %s", PICK(g, windows));
}

static void counter_range(shardgen *g, strbuf *sb)
{
    static const char *const fns[] = {"rate",  "rate",  "rate",   "increase",
                                      "irate", "delta", "resets", "changes"};
    strbuf_printf(sb, "%s(http_requests_total%s[%s]", PICK(g, fns), PICK(g, counter_matchers),
                  PICK(g, windows));
    offset(g, sb);
    strbuf_putc(sb, ')');
}

static void gauge_expr(shardgen *g, strbuf *sb)
{
    static const char *const fns[] = {
        "avg_over_time",   "max_over_time",  "min_over_time",    "sum_over_time",
        "count_over_time", "last_over_time", "stddev_over_time", "deriv"};
    switch (pick(g, 3)) {
    case 0: strbuf_printf(sb, "queue_depth%s", PICK(g, gauge_matchers)); break;
    case 1:
        strbuf_printf(sb, "%s(queue_depth%s[%s])", PICK(g, fns), PICK(g, gauge_matchers),
                      PICK(g, windows));
        break;
    default:
        strbuf_printf(sb, "queue_depth%s", PICK(g, gauge_matchers));
        offset(g, sb);
        break;
    }
}

static void vec(shardgen *g, strbuf *sb, int depth);

static void leaf(shardgen *g, strbuf *sb)
{
    if (pick(g, 3) == 0)
        gauge_expr(g, sb);
    else
        counter_range(g, sb);
}

static void aggregate(shardgen *g, strbuf *sb, int depth)
{
    static const char *const ops[] = {"sum", "sum",   "sum",   "avg",    "min",
                                      "max", "count", "group", "stddev", "stdvar"};
    const char *op = PICK(g, ops);
    const char *grp = PICK(g, groupings);
    if (pick(g, 2)) {
        strbuf_printf(sb, "%s%s (", op, grp);
        vec(g, sb, depth - 1);
        strbuf_putc(sb, ')');
    } else {
        strbuf_printf(sb, "%s(", op);
        vec(g, sb, depth - 1);
        strbuf_printf(sb, ")%s", grp);
    }
}

static void ratio(shardgen *g, strbuf *sb)
{
    const char *grp = PICK(g, ratio_groupings);
    const char *w = PICK(g, windows);
    static const char *const num[] = {"{status=~\"5..\"}", "{status=\"500\"}", "{status!=\"200\"}",
                                      "{method=\"POST\"}"};
    strbuf_printf(sb,
                  "sum%s (rate(http_requests_total%s[%s])) / sum%s (rate(http_requests_total[%s]))",
                  grp, PICK(g, num), w, grp, w);
}

static void scalar(shardgen *g, strbuf *sb)
{
    static const char *const lits[] = {"2", "0.5", "100", "1e-3", "3", "-1", "60"};
    if (pick(g, 8) == 0)
        strbuf_puts(sb, "scalar(sum(queue_depth))");
    else
        strbuf_puts(sb, PICK(g, lits));
}

static void vec(shardgen *g, strbuf *sb, int depth)
{
    if (depth <= 0) {
        leaf(g, sb);
        return;
    }
    switch (pick(g, 17)) {
    case 0:
    case 1: leaf(g, sb); break;
    case 2:
    case 3:
    case 4: aggregate(g, sb, depth); break;
    case 5: ratio(g, sb); break;
    case 6: {
        static const char *const ops[] = {"+", "-", "*", "/", "%", "^"};
        bool left = pick(g, 2);
        if (left) {
            vec(g, sb, depth - 1);
            strbuf_printf(sb, " %s ", PICK(g, ops));
            scalar(g, sb);
        } else {
            scalar(g, sb);
            strbuf_printf(sb, " %s ", PICK(g, ops));
            strbuf_putc(sb, '(');
            vec(g, sb, depth - 1);
            strbuf_putc(sb, ')');
        }
        break;
    }
    case 7: {
        static const char *const cmp[] = {">", "<", ">=", "<=", "==", "!="};
        strbuf_putc(sb, '(');
        vec(g, sb, depth - 1);
        strbuf_printf(sb, ") %s%s ", PICK(g, cmp), pick(g, 2) ? " bool" : "");
        static const char *const th[] = {"0", "0.01", "1", "5", "0.5"};
        strbuf_puts(sb, PICK(g, th));
        break;
    }
    case 8: {
        /* Set operators between aggregations with one grouping. */
        static const char *const ops[] = {"and", "or", "unless"};
        const char *grp = PICK(g, ratio_groupings);
        strbuf_printf(sb, "sum%s (", grp);
        leaf(g, sb);
        strbuf_printf(sb, ") %s ", PICK(g, ops));
        if (pick(g, 2)) {
            strbuf_printf(sb, "(sum%s (", grp);
            leaf(g, sb);
            strbuf_puts(sb, ") > 0.5)");
        } else {
            strbuf_printf(sb, "max%s (", grp);
            leaf(g, sb);
            strbuf_putc(sb, ')');
        }
        break;
    }
    case 9: {
        static const char *const ops[] = {"topk", "bottomk", "quantile"};
        const char *op = PICK(g, ops);
        strbuf_printf(sb, "%s%s(%s, ", op, pick(g, 2) ? " by (region)" : "",
                      strcmp(op, "quantile") ? (pick(g, 2) ? "3" : "1")
                                             : (pick(g, 2) ? "0.9" : "0.5"));
        vec(g, sb, depth - 1);
        strbuf_putc(sb, ')');
        break;
    }
    case 10: {
        static const char *const fns[] = {"abs", "ceil", "floor", "sqrt", "round", "exp", "ln"};
        const char *fn = PICK(g, fns);
        strbuf_printf(sb, "%s(", fn);
        vec(g, sb, depth - 1);
        strbuf_putc(sb, ')');
        break;
    }
    case 11:
        strbuf_printf(sb, "clamp_max(");
        vec(g, sb, depth - 1);
        strbuf_puts(sb, ", 5)");
        break;
    case 12:
        strbuf_puts(sb, "-(");
        vec(g, sb, depth - 1);
        strbuf_putc(sb, ')');
        break;
    case 13: {
        static const char *const q[] = {"0.5", "0.9", "0.99"};
        static const char *const by[] = {"le", "le, region", "region, le, method"};
        strbuf_printf(
            sb,
            "histogram_quantile(%s, sum by (%s) (rate(http_request_duration_seconds_bucket"
            "%s[%s])))",
            PICK(g, q), PICK(g, by), pick(g, 2) ? "{region!=\"ap-south-1\"}" : "",
            PICK(g, windows));
        break;
    }
    case 14:
        /* Many-to-one: each series over its region's total. */
        strbuf_printf(sb,
                      "rate(http_requests_total%s[5m]) / on (region) group_left sum by (region) "
                      "(rate(http_requests_total[5m]))",
                      PICK(g, counter_matchers));
        break;
    case 15:
        strbuf_puts(sb, "label_replace(");
        vec(g, sb, depth - 1);
        strbuf_puts(sb, ", \"zone\", \"$1\", \"region\", \"([a-z]+)-.*\")");
        break;
    default: {
        static const char *const fns[] = {"max_over_time", "avg_over_time", "min_over_time"};
        strbuf_printf(sb, "%s(", PICK(g, fns));
        if (pick(g, 2)) {
            counter_range(g, sb);
        } else {
            strbuf_puts(sb, "sum by (region) (");
            counter_range(g, sb);
            strbuf_putc(sb, ')');
        }
        strbuf_printf(sb, "[%s:%s])", pick(g, 2) ? "30m" : "1h", pick(g, 2) ? "1m" : "5m");
        break;
    }
    }
}

void shardgen_next(shardgen *g, char *buf, size_t size)
{
    strbuf sb = STRBUF_INIT;
    unsigned kind = pick(g, 20);
    const char *w = PICK(g, windows);
    if (kind == 0) {
        strbuf_puts(&sb, "scalar(sum(rate(http_requests_total[5m]))) * 2");
    } else if (kind == 1) {
        /* Errors Prometheus reports on the whole data set. The first two
         * make equal label sets out of series of different regions, so
         * over shards only the merge can see them. */
        switch (pick(g, 5)) {
        case 0:
            strbuf_printf(&sb,
                          "label_replace(label_replace(rate(http_requests_total[%s]), \"region\", "
                          "\"\", \"\", \"\"), \"instance\", \"x\", \"\", \"\")",
                          w);
            break;
        case 1:
            strbuf_printf(
                &sb,
                "sum by (method) (label_replace(label_replace(rate(http_requests_total[%s])"
                ", \"region\", \"\", \"\", \"\"), \"instance\", \"x\", \"\", "
                "\"\"))",
                w);
            break;
        case 2:
            strbuf_printf(
                &sb, "rate(http_requests_total[%s]) / on (region) rate(http_requests_total[%s])", w,
                w);
            break;
        case 3:
            strbuf_printf(&sb,
                          "rate({__name__=~\"http_request_duration_seconds_(sum|count)\"}[%s])", w);
            break;
        default:
            strbuf_printf(
                &sb,
                "sum by (region) (rate(http_requests_total[%s])) + on (region) group_left "
                "rate(http_requests_total[%s])",
                w, w);
            break;
        }
    } else
        vec(g, &sb, 1 + (int)pick(g, 3));
    snprintf(buf, size, "%s", sb.failed ? "vector(0)" : strbuf_cstr(&sb));
    strbuf_free(&sb);
}
