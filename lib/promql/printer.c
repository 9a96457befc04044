/* The canonical PromQL printer. See printer.h. */
#include "promql/printer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/names.h"
#include "promql/functions.h"
#include "promql/lexer.h"
#include "promql/parser.h"
#include "util/text.h"

size_t format_go_float(char *buf, size_t size, double v)
{
    return text_format_float(buf, size, v, 'g', -1);
}

void quote_promql_string(strbuf *sb, const char *s, size_t len)
{
    text_append_quoted_promql(sb, s, len);
}

static void print_label_name(strbuf *sb, ast_str s)
{
    if (label_name_is_legacy(s))
        strbuf_append(sb, s.ptr, s.len);
    else
        quote_promql_string(sb, s.ptr, s.len);
}

static void print_labels(strbuf *sb, const ast_str *l, size_t n)
{
    strbuf_putc(sb, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) strbuf_puts(sb, ", ");
        print_label_name(sb, l[i]);
    }
    strbuf_putc(sb, ')');
}

/* 3.x reads durations through float seconds: the milliseconds a duration
 * text for `ms` reads back as. */
static int64_t v3_reread(int64_t ms)
{
    double seconds = (double)(ms / 1000) + (double)((ms % 1000) * 1000000) / 1e9;
    double ns = round(seconds * 1e9);
    if (isnan(ns) || ns >= 9223372036854775808.0 || ns < -9223372036854775808.0)
        return INT64_MIN / 1000000;
    return (int64_t)ns / 1000000;
}

/* A duration text that the parser reads back as `ms`. */
static void print_duration(strbuf *sb, int64_t ms, sloeval_compat compat, bool positive_only)
{
    char buf[64];
    int64_t text_ms = ms;
    if (compat != SLOEVAL_COMPAT_V2) {
        if (ms == 0 && positive_only) {
            /* A positive duration below a millisecond. */
            strbuf_puts(sb, "0.0001");
            return;
        }
        if (v3_reread(ms) != ms) {
            for (int64_t d = 1; d <= 4; d++) {
                if (ms <= INT64_MAX - d && v3_reread(ms + d) == ms) {
                    text_ms = ms + d;
                    break;
                }
                if (ms >= INT64_MIN + d && v3_reread(ms - d) == ms) {
                    text_ms = ms - d;
                    break;
                }
            }
        }
    }
    promql_duration_format(buf, sizeof(buf), text_ms);
    strbuf_puts(sb, buf);
}

/* An @ timestamp: milliseconds as seconds with three decimals, checked to
 * read back to the same milliseconds. */
static void print_at_ms(strbuf *sb, int64_t ms)
{
    char buf[48];
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    snprintf(buf, sizeof(buf), "%s%llu.%03llu", ms < 0 ? "-" : "", (unsigned long long)(a / 1000),
             (unsigned long long)(a % 1000));
    double d;
    text_parse_float(&d, buf, strlen(buf));
    double r = round(d * 1000.0);
    bool ok = !(r >= 9223372036854775808.0 || r < -9223372036854775808.0) && (int64_t)r == ms;
    if (!ok && r < -9223372036854775807.0 && ms == INT64_MIN) ok = true;
    if (!ok) {
        /* Try the doubles next to ms / 1000 (huge timestamps only). */
        double base = (double)ms / 1000.0;
        double c = base;
        for (int i = 0; i < 8 && !ok; i++) {
            c = i % 2 ? nextafter(base, INFINITY) : nextafter(c, -INFINITY);
            double rr = round(c * 1000.0);
            if (!(rr >= 9223372036854775808.0 || rr < -9223372036854775808.0) &&
                (int64_t)rr == ms) {
                text_format_float(buf, sizeof(buf), c, 'g', 17);
                ok = true;
            }
        }
    }
    strbuf_puts(sb, buf);
}

static void print_at_offset(strbuf *sb, at_kind at, int64_t at_ms, int64_t offset_ms,
                            sloeval_compat compat)
{
    switch (at) {
    case AT_TIMESTAMP:
        strbuf_puts(sb, " @ ");
        print_at_ms(sb, at_ms);
        break;
    case AT_START: strbuf_puts(sb, " @ start()"); break;
    case AT_END: strbuf_puts(sb, " @ end()"); break;
    default: break;
    }
    if (offset_ms != 0) {
        strbuf_puts(sb, " offset ");
        print_duration(sb, offset_ms, compat, false);
    }
}

static void print_selector_body(strbuf *sb, const ast_node *n)
{
    const label_matcher *m = n->u.vector_selector.matchers;
    size_t nm = n->u.vector_selector.nmatchers;
    ast_str name = n->u.vector_selector.name;
    strbuf_append(sb, name.ptr, name.len);
    /* With a name, the last matcher is the one the name made. */
    if (name.len > 0 && nm > 0) nm--;
    if (nm == 0 && name.len > 0) return;
    strbuf_putc(sb, '{');
    for (size_t i = 0; i < nm; i++) {
        if (i) strbuf_putc(sb, ',');
        print_label_name(sb, m[i].name);
        strbuf_puts(sb, match_type_str(m[i].type));
        quote_promql_string(sb, m[i].value.ptr, m[i].value.len);
    }
    strbuf_putc(sb, '}');
}

static void print(strbuf *sb, const ast_node *n, sloeval_compat compat)
{
    char buf[64];
    switch (n->kind) {
    case AST_NUMBER:
        if (n->u.number.duration) {
            /* The sign separately, so that -0s stays negative zero. */
            double v = n->u.number.value;
            if (signbit(v)) strbuf_putc(sb, '-');
            double ms = round(fabs(v) * 1000.0);
            print_duration(sb, (int64_t)ms, compat, false);
        } else if (isinf(n->u.number.value) && n->u.number.value > 0) {
            /* Not "+Inf" as Go prints it: "+Inf ^ 2" would read as +(Inf ^ 2). */
            strbuf_puts(sb, "Inf");
        } else {
            format_go_float(buf, sizeof(buf), n->u.number.value);
            strbuf_puts(sb, buf);
        }
        return;
    case AST_STRING: quote_promql_string(sb, n->u.string.value.ptr, n->u.string.value.len); return;
    case AST_VECTOR_SELECTOR:
        print_selector_body(sb, n);
        print_at_offset(sb, n->u.vector_selector.at, n->u.vector_selector.at_ms,
                        n->u.vector_selector.offset_ms, compat);
        return;
    case AST_MATRIX_SELECTOR: {
        const ast_node *vs = n->u.matrix_selector.vector_selector;
        print_selector_body(sb, vs);
        strbuf_putc(sb, '[');
        print_duration(sb, n->u.matrix_selector.range_ms, compat, true);
        strbuf_putc(sb, ']');
        print_at_offset(sb, vs->u.vector_selector.at, vs->u.vector_selector.at_ms,
                        vs->u.vector_selector.offset_ms, compat);
        return;
    }
    case AST_SUBQUERY:
        print(sb, n->u.subquery.expr, compat);
        strbuf_putc(sb, '[');
        print_duration(sb, n->u.subquery.range_ms, compat, true);
        strbuf_putc(sb, ':');
        if (n->u.subquery.step_ms != 0) print_duration(sb, n->u.subquery.step_ms, compat, true);
        strbuf_putc(sb, ']');
        print_at_offset(sb, n->u.subquery.at, n->u.subquery.at_ms, n->u.subquery.offset_ms, compat);
        return;
    case AST_CALL:
        strbuf_puts(sb, n->u.call.func->name);
        strbuf_putc(sb, '(');
        for (size_t i = 0; i < n->u.call.nargs; i++) {
            if (i) strbuf_puts(sb, ", ");
            print(sb, n->u.call.args[i], compat);
        }
        strbuf_putc(sb, ')');
        return;
    case AST_AGGREGATE:
        strbuf_puts(sb, agg_op_name(n->u.aggregate.op));
        if (n->u.aggregate.grouping_given) {
            strbuf_puts(sb, n->u.aggregate.without ? " without " : " by ");
            print_labels(sb, n->u.aggregate.grouping, n->u.aggregate.ngrouping);
            strbuf_putc(sb, ' ');
        }
        strbuf_putc(sb, '(');
        if (n->u.aggregate.param) {
            print(sb, n->u.aggregate.param, compat);
            strbuf_puts(sb, ", ");
        }
        print(sb, n->u.aggregate.expr, compat);
        strbuf_putc(sb, ')');
        return;
    case AST_BINARY: {
        const vector_matching *vm = n->u.binary.matching;
        print(sb, n->u.binary.lhs, compat);
        strbuf_putc(sb, ' ');
        strbuf_puts(sb, binary_op_str(n->u.binary.op));
        if (n->u.binary.return_bool) strbuf_puts(sb, " bool");
        if (vm && vm->explicit_) {
            strbuf_puts(sb, vm->on ? " on " : " ignoring ");
            print_labels(sb, vm->labels, vm->nlabels);
            if (vm->card == CARD_MANY_TO_ONE || vm->card == CARD_ONE_TO_MANY) {
                strbuf_puts(sb, vm->card == CARD_MANY_TO_ONE ? " group_left " : " group_right ");
                print_labels(sb, vm->include, vm->ninclude);
            }
        }
        strbuf_putc(sb, ' ');
        print(sb, n->u.binary.rhs, compat);
        return;
    }
    case AST_UNARY:
        strbuf_putc(sb, n->u.unary.op == UNARY_MINUS ? '-' : '+');
        print(sb, n->u.unary.expr, compat);
        return;
    case AST_PAREN:
        strbuf_putc(sb, '(');
        print(sb, n->u.paren.expr, compat);
        strbuf_putc(sb, ')');
        return;
    }
}

void ast_print(strbuf *sb, const ast_node *n, sloeval_compat compat)
{
    print(sb, n, compat);
}
