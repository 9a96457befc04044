/*
 * Acceptance test of the PromQL front end against a real Prometheus 2.42
 * (started here, on 127.0.0.1, with an empty TSDB):
 *
 *   - the corpora tests/parse/corpus.txt and corpus-generated.txt, the
 *     expressions of Prometheus 2.42's own test scripts when the shared
 *     data is there (SLOEVAL_SHARED_DIR/promql-testdata/v2.42), plus random
 *     mutations of them all (a fixed seed: the same run every time);
 *   - every expression goes to POST /api/v1/query; the server rejects it
 *     when it answers errorType "bad_data" with "parse error" in the text;
 *   - sloeval --compat v2 must accept exactly the expressions the server
 *     accepts;
 *   - for each accepted one, the canonical print must be accepted by the
 *     server too, and must parse back to an equal AST;
 *   - for rejected corpus expressions (not mutations), the message and
 *     position must be the server's (mutations: counted and reported).
 *
 * Environment: SLOEVAL_PARSE_MUTATIONS (default 2500) sets the number of
 * mutated expressions; SLOEVAL_PARSE_SEED the seed.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "promql/ast.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "promserver.h"
#include "util/arena.h"
#include "util/strbuf.h"

typedef struct server_answer {
    int accepted; /* 1 accepted, 0 rejected as a parse error, -1 no answer */
    char message[1024];
} server_answer;

static void urlencode(strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            strbuf_putc(sb, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            strbuf_append(sb, e, 3);
        }
    }
}

static server_answer ask(promserver *s, const char *expr, size_t len)
{
    server_answer a = {-1, ""};
    strbuf form = STRBUF_INIT;
    strbuf_puts(&form, "time=1000&timeout=2s&query=");
    urlencode(&form, expr, len);
    char *body = NULL;
    long status = 0;
    if (promserver_post(s, "/api/v1/query", form.data, &body, &status) != 0 || !body) {
        strbuf_free(&form);
        snprintf(a.message, sizeof(a.message), "transport failure");
        return a;
    }
    strbuf_free(&form);
    json_error_t jerr;
    json_t *j = json_loads(body, JSON_ALLOW_NUL, &jerr);
    free(body);
    if (!j) {
        snprintf(a.message, sizeof(a.message), "HTTP %ld, not JSON", status);
        return a;
    }
    const char *st = json_string_value(json_object_get(j, "status"));
    const char *type = json_string_value(json_object_get(j, "errorType"));
    const char *err = json_string_value(json_object_get(j, "error"));
    if (st && !strcmp(st, "success")) {
        a.accepted = 1;
    } else if (type && !strcmp(type, "bad_data") && err && strstr(err, "parse error")) {
        a.accepted = 0;
        const char *prefix = "invalid parameter \"query\": ";
        const char *m = strstr(err, prefix);
        snprintf(a.message, sizeof(a.message), "%s", m ? m + strlen(prefix) : err);
    } else {
        /* Parsed, then failed later (timeout, execution): accepted. */
        a.accepted = 1;
        snprintf(a.message, sizeof(a.message), "%s: %s", type ? type : "?", err ? err : "?");
    }
    json_decref(j);
    return a;
}

/* ---- deterministic mutations ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static size_t rnd_below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static const char *const fragments[] = {
    "(",           ")",           "[5m]",
    "[5m:]",       "[1m:10s]",    " offset 5m",
    " offset -1h", "@ 100",       "@ start()",
    "by",          " by (a) ",    "without",
    "on(a)",       "ignoring(b)", "group_left",
    "bool",        ",",           "{",
    "}",           "{a=\"b\"}",   "\"",
    "'",           "`",           "@",
    "-",           "+",           "*",
    "/",           "^",           "==",
    "!=",          ">",           "and",
    "or",          "unless",      "5m",
    "1h30m",       "0s",          "1",
    "0x1f",        "1e3",         "Inf",
    "NaN",         "x",           "sum",
    "rate(",       "topk(3,",     ":",
    " ",           "#",           "\n",
    "=~",          "!~",          "\\",
    ".",           "_",           "offset",
    "start",       "end",         "count_values(\"v\",",
    "1_0",         "08",          "quantile(0.5,",
};

static size_t mutate(char *out, size_t cap, const corpus *c)
{
    const corpus_entry *e = &c->entries[rnd_below(c->n)];
    size_t len = e->len < cap / 2 ? e->len : cap / 2;
    memcpy(out, e->text, len);
    int rounds = 1 + (int)rnd_below(3);
    for (int r = 0; r < rounds; r++) {
        size_t pos = rnd_below(len + 1);
        switch (rnd_below(6)) {
        case 0: { /* delete a range */
            size_t n = 1 + rnd_below(4);
            if (pos + n > len) n = len - pos;
            memmove(out + pos, out + pos + n, len - pos - n);
            len -= n;
            break;
        }
        case 1:
        case 2: { /* insert a fragment */
            const char *f = fragments[rnd_below(sizeof(fragments) / sizeof(fragments[0]))];
            size_t n = strlen(f);
            if (len + n >= cap) break;
            memmove(out + pos + n, out + pos, len - pos);
            memcpy(out + pos, f, n);
            len += n;
            break;
        }
        case 3: /* replace a byte by a printable one */
            if (pos < len) out[pos] = (char)(0x20 + rnd_below(0x5f));
            break;
        case 4: { /* splice: this prefix, another expression's suffix */
            const corpus_entry *o = &c->entries[rnd_below(c->n)];
            size_t from = rnd_below(o->len + 1);
            size_t n = o->len - from;
            if (pos + n >= cap) n = cap - pos - 1;
            memcpy(out + pos, o->text + from, n);
            len = pos + n;
            break;
        }
        default: /* duplicate a piece */
            if (pos < len) {
                size_t n = 1 + rnd_below(6);
                if (pos + n > len) n = len - pos;
                if (len + n >= cap) break;
                memmove(out + pos + n, out + pos, len - pos);
                len += n;
            }
            break;
        }
    }
    out[len] = '\0';
    return len;
}

/* ---- the comparison ---- */

typedef struct stats {
    int total, skipped, server_accepted, agree, disagree;
    int printed_accepted, printed_rejected, roundtrip_ok, roundtrip_bad;
    int msg_compared, msg_equal;
} stats;

static void check_one(promserver *s, const char *text, size_t len, bool from_corpus, stats *st)
{
    char esc[600];
    if (memchr(text, '\0', len)) {
        st->skipped++; /* the form encoding could carry it, the harness API cannot */
        return;
    }
    st->total++;
    server_answer a = ask(s, text, len);
    if (a.accepted < 0) {
        fprintf(stderr, "NO ANSWER for %s: %s\n", corpus_escape(text, len, esc, sizeof(esc)),
                a.message);
        st->disagree++;
        return;
    }
    arena ar;
    arena_init(&ar, 0);
    ast_node *root = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {SLOEVAL_COMPAT_V2, false, 0};
    int rc = promql_parse(&root, &ar, text, len, &o, &err);
    if (a.accepted) st->server_accepted++;
    if ((rc == 0) != (a.accepted == 1)) {
        st->disagree++;
        fprintf(stderr, "DISAGREE %s\n  server: %s\n  sloeval: %s\n",
                corpus_escape(text, len, esc, sizeof(esc)), a.accepted ? "accepted" : a.message,
                rc == 0 ? "accepted" : err.message);
        arena_free(&ar);
        return;
    }
    st->agree++;
    if (rc == 0) {
        strbuf sb = STRBUF_INIT;
        ast_print(&sb, root, SLOEVAL_COMPAT_V2);
        server_answer p = ask(s, sb.data, sb.len);
        if (p.accepted == 1) {
            st->printed_accepted++;
        } else {
            st->printed_rejected++;
            fprintf(stderr, "PRINT REJECTED %s -> %s: %s\n",
                    corpus_escape(text, len, esc, sizeof(esc)), sb.data, p.message);
        }
        ast_node *again = NULL;
        if (promql_parse(&again, &ar, sb.data, sb.len, &o, NULL) == 0 && ast_equal(root, again)) {
            st->roundtrip_ok++;
        } else {
            st->roundtrip_bad++;
            fprintf(stderr, "ROUND TRIP %s -> %s\n", corpus_escape(text, len, esc, sizeof(esc)),
                    sb.data);
        }
        strbuf_free(&sb);
    } else {
        char mine[1024];
        snprintf(mine, sizeof(mine), "%d:%d: parse error: %s", err.line, err.column, err.message);
        /* 2.42 prints the @ token as "<Item 57385>" <op:@>; sloeval says <op:@>. */
        bool comparable = !strstr(a.message, "<Item ");
        if (comparable) {
            st->msg_compared++;
            if (!strcmp(mine, a.message)) {
                st->msg_equal++;
            } else if (from_corpus || getenv("SLOEVAL_PARSE_VERBOSE")) {
                fprintf(stderr, "MESSAGE %s\n  server:  %s\n  sloeval: %s\n",
                        corpus_escape(text, len, esc, sizeof(esc)), a.message, mine);
            }
        }
    }
    arena_free(&ar);
}

int main(void)
{
    if (!promserver_available()) {
        fprintf(stderr, "FAIL: %s or %s missing (scripts/install-deps.sh installs them)\n",
                PROMSERVER_PROMETHEUS, PROMSERVER_PROMTOOL);
        return 1;
    }
    corpus c = {NULL, 0};
    if (corpus_load(&c, SLOEVAL_SOURCE_DIR "/tests/parse/corpus.txt") ||
        corpus_load(&c, SLOEVAL_SOURCE_DIR "/tests/parse/corpus-generated.txt")) {
        fprintf(stderr, "FAIL: cannot read the corpora\n");
        return 1;
    }
    /* Prometheus 2.42's own test scripts, when the shared data is there. */
    int upstream = corpus_load_promqltest(&c, SLOEVAL_SHARED_DIR "/promql-testdata/v2.42");
    printf("upstream 2.42 test scripts: %d expressions%s\n", upstream > 0 ? upstream : 0,
           upstream < 0 ? " (not found)" : "");
    const char *env = getenv("SLOEVAL_PARSE_MUTATIONS");
    long mutations = env ? strtol(env, NULL, 10) : 2500;
    env = getenv("SLOEVAL_PARSE_SEED");
    rng_state = env ? strtoull(env, NULL, 0) : 0x9E3779B97F4A7C15ull;
    if (!rng_state) rng_state = 1;

    char errbuf[512];
    promserver *s = promserver_start(NULL, errbuf, sizeof(errbuf));
    if (!s) {
        fprintf(stderr, "FAIL: cannot start Prometheus: %s\n", errbuf);
        corpus_free(&c);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    stats corpus_stats = {0}, mut_stats = {0};
    for (size_t i = 0; i < c.n; i++)
        check_one(s, c.entries[i].text, c.entries[i].len, true, &corpus_stats);
    char buf[4096];
    for (long i = 0; i < mutations; i++) {
        size_t len = mutate(buf, sizeof(buf), &c);
        check_one(s, buf, len, false, &mut_stats);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    promserver_stop(s);
    corpus_free(&c);

    const stats *all[2] = {&corpus_stats, &mut_stats};
    const char *names[2] = {"corpus", "mutations"};
    int failed = 0;
    for (int k = 0; k < 2; k++) {
        const stats *x = all[k];
        printf("%s: %d expressions (%d skipped: NUL bytes), server accepted %d; agreement %d/%d; "
               "canonical print accepted %d/%d; round trip equal %d/%d; rejection messages "
               "equal %d/%d\n",
               names[k], x->total, x->skipped, x->server_accepted, x->agree, x->total,
               x->printed_accepted, x->printed_accepted + x->printed_rejected, x->roundtrip_ok,
               x->roundtrip_ok + x->roundtrip_bad, x->msg_equal, x->msg_compared);
        if (x->disagree || x->printed_rejected || x->roundtrip_bad) failed = 1;
    }
    if (corpus_stats.msg_equal != corpus_stats.msg_compared) failed = 1;
    if (corpus_stats.total < 400) failed = 1;
    printf("time: %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("%s\n", failed ? "FAIL" : "PASS");
    return failed;
}
