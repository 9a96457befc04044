/* Unit tests of lib/promql/parser.c: tree shapes, v2/v3 grammar differences,
 * and the golden files of invalid input under tests/golden/parse. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "promql/ast.h"
#include "promql/functions.h"
#include "promql/parser.h"
#include "util/arena.h"
#include "util/strbuf.h"

/* A compact S-expression of the tree, to assert shapes. */
static void dump(strbuf *sb, const ast_node *n)
{
    switch (n->kind) {
    case AST_NUMBER:
        strbuf_printf(sb, "%g%s", n->u.number.value, n->u.number.duration ? "s" : "");
        return;
    case AST_STRING:
        strbuf_putc(sb, '\'');
        strbuf_append(sb, n->u.string.value.ptr, n->u.string.value.len);
        strbuf_putc(sb, '\'');
        return;
    case AST_VECTOR_SELECTOR: {
        const label_matcher *m = n->u.vector_selector.matchers;
        strbuf_append(sb, n->u.vector_selector.name.ptr, n->u.vector_selector.name.len);
        strbuf_putc(sb, '{');
        for (size_t i = 0; i < n->u.vector_selector.nmatchers; i++) {
            if (i) strbuf_putc(sb, ',');
            strbuf_append(sb, m[i].name.ptr, m[i].name.len);
            strbuf_puts(sb, match_type_str(m[i].type));
            strbuf_append(sb, m[i].value.ptr, m[i].value.len);
        }
        strbuf_putc(sb, '}');
        if (n->u.vector_selector.offset_ms)
            strbuf_printf(sb, " off=%lld", (long long)n->u.vector_selector.offset_ms);
        if (n->u.vector_selector.at == AT_TIMESTAMP)
            strbuf_printf(sb, " at=%lld", (long long)n->u.vector_selector.at_ms);
        if (n->u.vector_selector.at == AT_START) strbuf_puts(sb, " at=start");
        if (n->u.vector_selector.at == AT_END) strbuf_puts(sb, " at=end");
        return;
    }
    case AST_MATRIX_SELECTOR:
        strbuf_printf(sb, "(range %lld ", (long long)n->u.matrix_selector.range_ms);
        dump(sb, n->u.matrix_selector.vector_selector);
        strbuf_putc(sb, ')');
        return;
    case AST_SUBQUERY:
        strbuf_printf(sb, "(subquery %lld %lld", (long long)n->u.subquery.range_ms,
                      (long long)n->u.subquery.step_ms);
        if (n->u.subquery.offset_ms)
            strbuf_printf(sb, " off=%lld", (long long)n->u.subquery.offset_ms);
        if (n->u.subquery.at == AT_TIMESTAMP)
            strbuf_printf(sb, " at=%lld", (long long)n->u.subquery.at_ms);
        strbuf_putc(sb, ' ');
        dump(sb, n->u.subquery.expr);
        strbuf_putc(sb, ')');
        return;
    case AST_CALL:
        strbuf_printf(sb, "(%s", n->u.call.func->name);
        for (size_t i = 0; i < n->u.call.nargs; i++) {
            strbuf_putc(sb, ' ');
            dump(sb, n->u.call.args[i]);
        }
        strbuf_putc(sb, ')');
        return;
    case AST_AGGREGATE:
        strbuf_printf(sb, "(%s", agg_op_name(n->u.aggregate.op));
        if (n->u.aggregate.grouping_given) {
            strbuf_puts(sb, n->u.aggregate.without ? " without(" : " by(");
            for (size_t i = 0; i < n->u.aggregate.ngrouping; i++)
                strbuf_printf(sb, "%s%s", i ? "," : "", n->u.aggregate.grouping[i].ptr);
            strbuf_putc(sb, ')');
        }
        if (n->u.aggregate.param) {
            strbuf_putc(sb, ' ');
            dump(sb, n->u.aggregate.param);
        }
        strbuf_putc(sb, ' ');
        dump(sb, n->u.aggregate.expr);
        strbuf_putc(sb, ')');
        return;
    case AST_BINARY: {
        const vector_matching *vm = n->u.binary.matching;
        strbuf_printf(sb, "(%s", binary_op_str(n->u.binary.op));
        if (n->u.binary.return_bool) strbuf_puts(sb, " bool");
        if (vm && vm->explicit_) {
            strbuf_puts(sb, vm->on ? " on(" : " ignoring(");
            for (size_t i = 0; i < vm->nlabels; i++)
                strbuf_printf(sb, "%s%s", i ? "," : "", vm->labels[i].ptr);
            strbuf_putc(sb, ')');
        }
        if (vm && (vm->card == CARD_MANY_TO_ONE || vm->card == CARD_ONE_TO_MANY)) {
            strbuf_puts(sb, vm->card == CARD_MANY_TO_ONE ? " left(" : " right(");
            for (size_t i = 0; i < vm->ninclude; i++)
                strbuf_printf(sb, "%s%s", i ? "," : "", vm->include[i].ptr);
            strbuf_putc(sb, ')');
        }
        if (vm && vm->card == CARD_MANY_TO_MANY) strbuf_puts(sb, " n:n");
        strbuf_putc(sb, ' ');
        dump(sb, n->u.binary.lhs);
        strbuf_putc(sb, ' ');
        dump(sb, n->u.binary.rhs);
        strbuf_putc(sb, ')');
        return;
    }
    case AST_UNARY:
        strbuf_puts(sb, n->u.unary.op == UNARY_MINUS ? "(neg " : "(pos ");
        dump(sb, n->u.unary.expr);
        strbuf_putc(sb, ')');
        return;
    case AST_PAREN:
        strbuf_puts(sb, "(paren ");
        dump(sb, n->u.paren.expr);
        strbuf_putc(sb, ')');
        return;
    }
}

static char result[4096];

/* The dump of the parse, or "ERR <line>:<col>: <message>". */
static const char *parse_dump(const char *in, sloeval_compat compat)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {compat, false, 0};
    int rc = promql_parse(&root, &a, in, strlen(in), &o, &err);
    if (rc) {
        snprintf(result, sizeof(result), "ERR %d:%d: %s", err.line, err.column, err.message);
    } else {
        strbuf sb = STRBUF_INIT;
        dump(&sb, root);
        snprintf(result, sizeof(result), "%s", strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    arena_free(&a);
    return result;
}

#define P2(in, want) ck_assert_str_eq(parse_dump(in, SLOEVAL_COMPAT_V2), want)
#define P3(in, want) ck_assert_str_eq(parse_dump(in, SLOEVAL_COMPAT_V3), want)
#define P(in, want)                                                                                \
    do {                                                                                           \
        P2(in, want);                                                                              \
        P3(in, want);                                                                              \
    } while (0)

START_TEST(test_precedence)
{
    P("a + b * c", "(+ a{__name__=a} (* b{__name__=b} c{__name__=c}))");
    P("a * b + c", "(+ (* a{__name__=a} b{__name__=b}) c{__name__=c})");
    P("a - b - c", "(- (- a{__name__=a} b{__name__=b}) c{__name__=c})");
    P("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))");
    P("a or b and c", "(or n:n a{__name__=a} (and n:n b{__name__=b} c{__name__=c}))");
    P("a and b unless c", "(unless n:n (and n:n a{__name__=a} b{__name__=b}) c{__name__=c})");
    P("a == b + c", "(== a{__name__=a} (+ b{__name__=b} c{__name__=c}))");
    P("a > b or c", "(or n:n (> a{__name__=a} b{__name__=b}) c{__name__=c})");
    P("a atan2 b ^ c", "(atan2 a{__name__=a} (^ b{__name__=b} c{__name__=c}))");
    P("a % b * c / d", "(/ (* (% a{__name__=a} b{__name__=b}) c{__name__=c}) d{__name__=d})");
    P("(a + b) * c", "(* (paren (+ a{__name__=a} b{__name__=b})) c{__name__=c})");
}
END_TEST

START_TEST(test_unary)
{
    /* Unary minus binds like *, below ^. */
    P("-2 ^ 2", "(neg (^ 2 2))");
    P("-a * b", "(* (neg a{__name__=a}) b{__name__=b})");
    P("-a + b", "(+ (neg a{__name__=a}) b{__name__=b})");
    P("a * -b ^ c", "(* a{__name__=a} (neg (^ b{__name__=b} c{__name__=c})))");
    P("a ^ -b * c", "(* (^ a{__name__=a} (neg b{__name__=b})) c{__name__=c})");
    /* Number literals absorb their signs. */
    P("-1", "-1");
    P("- -1", "1");
    P("+1", "1");
    P("-(1)", "(neg (paren 1))");
    P("-a offset 5m", "(neg a{__name__=a} off=300000)");
    P("+a", "(pos a{__name__=a})");
    P("a - -1", "(- a{__name__=a} -1)");
    P("-Inf", "-inf");
}
END_TEST

START_TEST(test_selectors)
{
    P("foo", "foo{__name__=foo}");
    P("foo{a=\"b\",c!=\"d\",e=~\"f\",g!~\"h\",}", "foo{a=b,c!=d,e=~f,g!~h,__name__=foo}");
    P("{__name__=\"foo\"}", "{__name__=foo}");
    P("foo:bar:baz", "foo:bar:baz{__name__=foo:bar:baz}");
    /* Keywords name metrics where a metric name is expected. */
    P("sum", "sum{__name__=sum}");
    P("sum offset 5m", "sum{__name__=sum} off=300000");
    P("by{a=\"b\"}", "by{a=b,__name__=by}");
    P("and and and", "(and n:n and{__name__=and} and{__name__=and})");
    P("offset offset 1m", "offset{__name__=offset} off=60000");
    P("rate", "rate{__name__=rate}");
    /* Keywords are label names inside braces. */
    P("x{by=\"1\",offset=\"2\",bool=\"3\"}", "x{by=1,offset=2,bool=3,__name__=x}");
    P("x{a='b\\'c'}", "x{a=b'c,__name__=x}");
    P("x{a=`\\d+`}", "x{a=\\d+,__name__=x}");
    P3("{\"foo.bar\"}", "{__name__=foo.bar}");
    P3("{\"foo.bar\", \"a b\"=\"c\"}", "{__name__=foo.bar,a b=c}");
}
END_TEST

START_TEST(test_modifiers)
{
    P("x[5m]", "(range 300000 x{__name__=x})");
    P("x[1h30m] offset -5m @ 100", "(range 5400000 x{__name__=x} off=-300000 at=100000)");
    P("x @ 1.5 offset 1m", "x{__name__=x} off=60000 at=1500");
    P("x @ -1", "x{__name__=x} at=-1000");
    P("x @ start()", "x{__name__=x} at=start");
    P("x[5m] @ end()", "(range 300000 x{__name__=x} at=end)");
    P("rate(x[5m])[1h:5m] offset 1m @ 10",
      "(subquery 3600000 300000 off=60000 at=10000 (rate (range 300000 x{__name__=x})))");
    P("x[5m:]", "(subquery 300000 0 x{__name__=x})");
    P("a + b offset 5m", "(+ a{__name__=a} b{__name__=b} off=300000)");
    /* 2.x reads a letter inside the brackets as the colon. */
    P2("x[5m y 1m]", "(subquery 300000 60000 x{__name__=x})");
    /* 2.x accepts @ start() before a range (3.x does not). */
    P2("x @ start() [5m]", "(range 300000 x{__name__=x} at=start)");
    P3("x @ start() [5m]", "ERR 1:13: no @ modifiers allowed before range");
}
END_TEST

START_TEST(test_aggregations_and_calls)
{
    P("sum by (a, b) (x)", "(sum by(a,b) x{__name__=x})");
    P("sum(x) by (a)", "(sum by(a) x{__name__=x})");
    P("sum without (a) (x)", "(sum without(a) x{__name__=x})");
    P("sum by () (x)", "(sum by() x{__name__=x})");
    P("SUM(x) BY (a,)", "(sum by(a) x{__name__=x})");
    P("topk(5, x)", "(topk 5 x{__name__=x})");
    P("count_values(\"v\", x)", "(count_values 'v' x{__name__=x})");
    P("quantile by (le) (0.9, x)", "(quantile by(le) 0.9 x{__name__=x})");
    P("sum by (sum, by, on, offset, bool, group_left, atan2) (x)",
      "(sum by(sum,by,on,offset,bool,group_left,atan2) x{__name__=x})");
    P("rate(x[5m])", "(rate (range 300000 x{__name__=x}))");
    P("label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")",
      "(label_join x{__name__=x} 'd' ',' 'a' 'b' 'c')");
    P("round(x)", "(round x{__name__=x})");
    P("time()", "(time)");
    P("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))",
      "(histogram_quantile 0.99 (sum by(le) (rate (range 300000 x_bucket{__name__=x_bucket}))))");
    P2("holt_winters(x[5m], 0.5, 0.5)", "(holt_winters (range 300000 x{__name__=x}) 0.5 0.5)");
    P3("holt_winters(x[5m], 0.5, 0.5)", "ERR 1:1: unknown function with name \"holt_winters\"");
    P3("first_over_time(x[5m])", "(first_over_time (range 300000 x{__name__=x}))");
    P2("first_over_time(x[5m])", "ERR 1:1: unknown function with name \"first_over_time\"");
}
END_TEST

START_TEST(test_vector_matching)
{
    P("a * on (b) group_left (c) d", "(* on(b) left(c) a{__name__=a} d{__name__=d})");
    P("a * ignoring (b) group_right d", "(* ignoring(b) right() a{__name__=a} d{__name__=d})");
    P("a == bool b", "(== bool a{__name__=a} b{__name__=b})");
    P("1 < bool 2", "(< bool 1 2)");
    P("a and on (b) c", "(and on(b) n:n a{__name__=a} c{__name__=c})");
    P("a + ignoring () b", "(+ ignoring() a{__name__=a} b{__name__=b})");
    /* Matching between a scalar and a vector disappears (no labels). */
    P("1 + on () x", "(+ 1 x{__name__=x})");
    P("a * on(b) group_left (c) (d)", "(* on(b) left(c) a{__name__=a} (paren d{__name__=d}))");
}
END_TEST

START_TEST(test_numbers_and_strings)
{
    P("0755", "493");
    P("08", "8");
    P("0x1F", "31");
    P("1e3", "1000");
    P(".5", "0.5");
    P("1e-400", "0");
    P("Inf", "inf");
    P("nAn", "nan");
    P2("0x1e+1", "(+ 30 1)");
    P3("0x1e+1",
       "ERR 1:1: error parsing number: strconv.ParseFloat: parsing \"0x1e+1\": invalid syntax");
    P3("1_000", "1000");
    P3("1_000.5", "1000.5");
    P3("0x_1f", "31");
    P3("5m", "300s");
    P3("-5m", "-300s");
    P("\"a\\x41\\u00e9\\101\"", "'aA\xc3\xa9"
                                "A'");
    P("`a\\n`", "'a\\n'");
    P("x # comment\n", "x{__name__=x}");
    /* plain decimals, read without the general number parser */
    P("14.4", "14.4");
    P("0.001", "0.001");
    P("00.5", "0.5");
    P("09.5", "9.5");
    P("017", "15");
    P("0", "0");
    P("5.", "5");
    P("123456789012345678", "1.23457e+17");
    P("9223372036854775808", "9.22337e+18");
    P("0.1234567890123456789", "0.123457");
    P2("1.2.3", "ERR 1:4: unexpected number \".3\"");
    P3("1.2.3", "ERR 1:1: bad number or duration syntax: \"1.2.\"");
}
END_TEST

START_TEST(test_v3_durations)
{
    P3("x[300]", "(range 300000 x{__name__=x})");
    P3("x[1.5]", "(range 1500 x{__name__=x})");
    P3("x[+5m]", "(range 300000 x{__name__=x})");
    P3("x[--5m]", "(range 300000 x{__name__=x})");
    P3("x[5m:10]", "(subquery 300000 10000 x{__name__=x})");
    P3("x offset 5", "x{__name__=x} off=5000");
    P3("x offset 0", "x{__name__=x}");
    P3("x offset 0 offset 1m", "x{__name__=x} off=60000");
    P3("x offset -(5m)", "x{__name__=x} off=-300000");
    /* The operator after a signed literal belongs to the outer expression. */
    P3("x offset -2 ^ 2", "(^ x{__name__=x} off=-2000 2)");
    P3("x offset --2 ^ 2", "ERR 1:10: experimental duration expression is not enabled");
    P3("x @ 5m", "x{__name__=x} at=300000");
    P2("x offset 0s", "ERR 1:10: duration must be greater than 0");
    /* one-unit durations, read without the general duration parser */
    P("x[30d]", "(range 2592000000 x{__name__=x})");
    P("x[1y]", "(range 31536000000 x{__name__=x})");
    P("x[2w]", "(range 1209600000 x{__name__=x})");
    P("x[007h]", "(range 25200000 x{__name__=x})");
    P("x[5ms]", "(range 5 x{__name__=x})");
    P("x[5hs]", "ERR 1:3: not a valid duration string: \"5hs\"");
    P("x[999999999y]", "ERR 1:3: duration out of range");
    P("x[292y]", "(range 9208512000000 x{__name__=x})");
    P("x[293y]", "ERR 1:3: duration out of range");
    /* 3.x reads bracket durations through seconds as a double; whole
     * seconds up to 2^53 ns come back exact */
    P3("x[9007199s]", "(range 9007199000 x{__name__=x})");
    P3("x[9007200s]", "(range 9007200000 x{__name__=x})");
    P3("x[3000d]", "(range 259200000000 x{__name__=x})");
    P3("x[5m+1m]", "ERR 1:3: experimental duration expression is not enabled");
    P3("x[5m:1m]", "(subquery 300000 60000 x{__name__=x})");
    P3("x[1500ms]", "(range 1500 x{__name__=x})");
}
END_TEST

START_TEST(test_experimental_switch)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {SLOEVAL_COMPAT_V3, true, 0};
    ck_assert_int_eq(promql_parse(&root, &a, "limitk(2, x)", 12, &o, &err), 0);
    ck_assert_int_eq(root->u.aggregate.op, AGG_LIMITK);
    ck_assert_int_eq(promql_parse(&root, &a, "sort_by_label(x, \"a\")", 21, &o, &err), 0);
    ck_assert_str_eq(root->u.call.func->name, "sort_by_label");
    ck_assert_int_eq(promql_parse(&root, &a, "info(x, {a=\"b\"})", 16, &o, &err), 0);
    /* info's second argument may select the empty label set. */
    ck_assert_int_eq(promql_parse(&root, &a, "info(x, {a=~\".*\"})", 18, &o, &err), 0);
    o.experimental_functions = false;
    ck_assert_int_eq(promql_parse(&root, &a, "limitk(2, x)", 12, &o, &err), SLOEVAL_EPARSE);
    arena_free(&a);
}
END_TEST

START_TEST(test_positions)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    const char *in = "  sum(rate(x{a=\"b\"}[5m] offset 1m)) / 2";
    parse_options o = {SLOEVAL_COMPAT_V3, false, 0};
    ck_assert_int_eq(promql_parse(&root, &a, in, strlen(in), &o, NULL), 0);
    ck_assert_uint_eq(root->pos.start, 2);
    ck_assert_uint_eq(root->pos.end, strlen(in));
    ast_node *sum = root->u.binary.lhs;
    ck_assert_uint_eq(sum->pos.start, 2);
    ck_assert_uint_eq(sum->pos.end, 35);
    ast_node *rate = sum->u.aggregate.expr;
    ck_assert_uint_eq(rate->pos.start, 6);
    ast_node *ms = rate->u.call.args[0];
    ck_assert_uint_eq(ms->pos.start, 11);
    ck_assert_uint_eq(ms->pos.end, 33);
    ck_assert_uint_eq(ms->u.matrix_selector.vector_selector->pos.end, 19);
    ck_assert_uint_eq(root->u.binary.rhs->pos.start, strlen(in) - 1);
    ck_assert_uint_eq(root->depth, 5);
    arena_free(&a);
}
END_TEST

START_TEST(test_depth_limit)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {SLOEVAL_COMPAT_V3, false, 50};
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 60; i++)
        strbuf_puts(&sb, "-");
    strbuf_puts(&sb, "x");
    /* Unary chains nest without growing the tree (numbers fold), but the
     * parser still recurses: both are bounded. */
    ck_assert_int_eq(promql_parse(&root, &a, sb.data, sb.len, &o, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "maximum depth of 50"));
    /* A long left-deep chain builds a deep tree without recursion. */
    strbuf_reset(&sb);
    strbuf_puts(&sb, "x");
    for (int i = 0; i < 100000; i++)
        strbuf_puts(&sb, " + x");
    sloeval_error_clear(&err);
    o.max_depth = 0;
    ck_assert_int_eq(promql_parse(&root, &a, sb.data, sb.len, &o, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "maximum depth of 1000"));
    /* Chained subqueries too. */
    strbuf_reset(&sb);
    strbuf_puts(&sb, "x");
    for (int i = 0; i < 2000; i++)
        strbuf_puts(&sb, "[5m:]");
    sloeval_error_clear(&err);
    ck_assert_int_eq(promql_parse(&root, &a, sb.data, sb.len, &o, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "maximum depth"));
    strbuf_free(&sb);
    arena_free(&a);
}
END_TEST

START_TEST(test_function_table)
{
    size_t n;
    const function_def *t = function_table(&n);
    ck_assert_uint_ge(n, 91);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(strcmp(t[i - 1].name, t[i].name), 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_eq(function_by_id(t[i].id), &t[i]);
        if (t[i].versions & FN_IN_V2)
            ck_assert_ptr_eq(function_lookup(t[i].name, strlen(t[i].name), SLOEVAL_COMPAT_V2),
                             &t[i]);
        if (t[i].versions & FN_IN_V3)
            ck_assert_ptr_eq(function_lookup(t[i].name, strlen(t[i].name), SLOEVAL_COMPAT_V3),
                             &t[i]);
        ck_assert(!(t[i].versions & FN_IN_V2) || !t[i].experimental);
    }
    ck_assert_ptr_null(function_lookup("holt_winters", 12, SLOEVAL_COMPAT_V3));
    ck_assert_ptr_null(function_lookup("Rate", 4, SLOEVAL_COMPAT_V3));
}
END_TEST

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

START_TEST(test_golden_errors)
{
    const char *root = SLOEVAL_SOURCE_DIR "/tests/golden/parse";
    DIR *d = opendir(root);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int cases = 0, failures = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[1024];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        size_t ilen, elen, clen = 0;
        snprintf(path, sizeof(path), "%s/%s/input", root, de->d_name);
        char *input = read_file(path, &ilen);
        snprintf(path, sizeof(path), "%s/%s/error", root, de->d_name);
        char *want = read_file(path, &elen);
        snprintf(path, sizeof(path), "%s/%s/compat", root, de->d_name);
        char *compat = read_file(path, &clen);
        ck_assert_msg(input && want, "case %s lacks input or error", de->d_name);
        while (elen && want[elen - 1] == '\n')
            want[--elen] = '\0';
        for (int v = 0; v < 2; v++) {
            const char *name = v == 0 ? "v2" : "v3";
            if (compat && !strstr(compat, name)) continue;
            arena a;
            arena_init(&a, 0);
            ast_node *rootn;
            sloeval_error err = SLOEVAL_ERROR_INIT;
            parse_options o = {v == 0 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3, false, 0};
            int rc = promql_parse(&rootn, &a, input, ilen, &o, &err);
            char got[1024];
            if (rc == 0)
                snprintf(got, sizeof(got), "(accepted)");
            else
                snprintf(got, sizeof(got), "%d:%d: parse error: %s", err.line, err.column,
                         err.message);
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "golden %s (%s):\n  want: %s\n  got:  %s\n", de->d_name, name, want,
                        got);
                failures++;
            }
            cases++;
            arena_free(&a);
        }
        free(input);
        free(want);
        free(compat);
    }
    closedir(d);
    ck_assert_int_ge(cases, 100);
    ck_assert_int_eq(failures, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_unary);
    tcase_add_test(tc, test_selectors);
    tcase_add_test(tc, test_modifiers);
    tcase_add_test(tc, test_aggregations_and_calls);
    tcase_add_test(tc, test_vector_matching);
    tcase_add_test(tc, test_numbers_and_strings);
    tcase_add_test(tc, test_v3_durations);
    tcase_add_test(tc, test_experimental_switch);
    tcase_add_test(tc, test_positions);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_function_table);
    tcase_add_test(tc, test_golden_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
