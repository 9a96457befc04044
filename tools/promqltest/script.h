/*
 * PromQL test scripts (internal): the `.test` format of Prometheus's
 * promql/testdata (2.42) and promql/promqltest/testdata (3.x), parsed into
 * commands with line numbers. The runner (runner.c) executes them; this
 * module only reads them and loads `load` blocks into a memory source.
 *
 * Both dialects are read by one parser: `load <interval>` and
 * `load_with_nhcb <interval>`, `clear`, `eval[_fail|_ordered|_warn|_info]
 * instant at <t> <expr>`, `eval[_fail|_warn|_info] range from <t> to <t>
 * step <d> <expr>`, and under an eval: `expect fail|warn|info|no_warn|
 * no_info|ordered [msg|regex: <text>]`, `expect range vector from .. to ..
 * step ..`, `expect string "<s>"`, `expected_fail_message`,
 * `expected_fail_regexp`, a bare number (scalar result), and series lines.
 * Lines are trimmed; `#` starts a comment line, which (like an empty line)
 * ends a block. Series lines use the series-description syntax of
 * promtool unit tests: `name{l="v",...} <items>` with items `1`, `-2.5`,
 * `Inf`, `NaN`, `stale`, `_`, `_xN` (N gaps), `vxN` (N+1 copies), `a+bxN`
 * / `a-bxN` (N+1 points, adding b each step). Native histogram items
 * `{{...}}` (with `xN` or `+{{...}}xN`) are recognised and marked, so that
 * only what uses them is skipped; `name@st` start-timestamp lines (3.x)
 * likewise.
 *
 * Everything lives in the script's arena; script_free releases it all.
 */
#ifndef SLOEVAL_PROMQLTEST_SCRIPT_H
#define SLOEVAL_PROMQLTEST_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "regex/regex.h"
#include "source/source.h"

typedef enum script_point_kind {
    POINT_VALUE = 0,
    POINT_OMITTED,   /* `_`: no sample at this step */
    POINT_HISTOGRAM, /* a native histogram: not supported locally */
} script_point_kind;

typedef struct script_point {
    double v; /* POINT_VALUE: the value (stale markers carry STALE_NAN_BITS) */
    script_point_kind kind;
} script_point;

/* A series line: labels and one point per step. */
typedef struct script_series {
    int line;
    const labels *labels;
    script_point *points;
    size_t npoints;
    bool has_histograms;   /* some point is POINT_HISTOGRAM */
    bool start_timestamps; /* an `@st` line: start timestamps, not samples */
} script_series;

typedef struct script_load {
    int64_t interval_ms;
    bool with_nhcb; /* load_with_nhcb: also makes native histograms (not supported) */
    script_series *series;
    size_t nseries;
    bool has_histograms;       /* some series has histogram points */
    bool has_start_timestamps; /* some @st line */
} script_load;

typedef enum script_expect_kind {
    EXPECT_FAIL,
    EXPECT_WARN,
    EXPECT_NO_WARN,
    EXPECT_INFO,
    EXPECT_NO_INFO,
    EXPECT_ORDERED,
} script_expect_kind;

typedef enum script_match_kind {
    EXPECT_MATCH_ANY = 0, /* no message given */
    EXPECT_MATCH_MSG,     /* exact text */
    EXPECT_MATCH_REGEX,   /* Go regexp, searched (not anchored) */
} script_match_kind;

typedef struct script_expect {
    script_expect_kind kind;
    script_match_kind match;
    strv text;        /* the message or the pattern (trimmed) */
    promql_regex *re; /* EXPECT_MATCH_REGEX: compiled for searching */
    int line;
} script_expect;

typedef struct script_eval {
    bool range;                        /* eval range ... */
    strv expr;                         /* the query text (NUL-terminated) */
    int expr_column;                   /* 1-based column of expr in its line */
    int64_t at_ms;                     /* instant: evaluation time */
    int64_t start_ms, end_ms, step_ms; /* range (and `expect range vector`) */
    /* From the command's suffix (2.42 eval_fail / eval_ordered, 3.x also
     * eval_warn / eval_info), or from expect lines. */
    bool fail, ordered, warn, info;
    script_expect *expects;
    size_t nexpects;
    /* What the result must be. */
    bool expect_scalar;
    double scalar;
    bool expect_string;
    strv string;
    bool expect_range_vector; /* instant query answering a range vector */
    script_series *results;   /* expected series, in file order */
    size_t nresults;
    bool has_histograms; /* an expected point is a native histogram */
} script_eval;

typedef enum script_cmd_kind {
    SCRIPT_LOAD = 1,
    SCRIPT_CLEAR,
    SCRIPT_EVAL,
} script_cmd_kind;

typedef struct script_cmd {
    script_cmd_kind kind;
    int line; /* 1-based line of the command */
    union {
        script_load load;
        script_eval eval;
    } u;
} script_cmd;

typedef struct script {
    arena a;
    const char *name;
    script_cmd *cmds;
    size_t ncmds, capcmds;
    /* compiled expect regexes, freed with the script */
    promql_regex **regexes;
    size_t nregexes, capregexes;
} script;

/*
 * Parse a script. `name` prefixes messages. Errors: SLOEVAL_EDATA with
 * "<name>:<line>: <what>" and err->line set, SLOEVAL_ENOMEM.
 */
int script_parse(script **out, const char *text, size_t len, const char *name, sloeval_error *err);

/* Read and parse a file (SLOEVAL_EIO when it cannot be read). */
int script_parse_file(script **out, const char *path, sloeval_error *err);

void script_free(script *s);

/*
 * Append a load block's samples to an in-memory source: point i of a
 * series at i * interval (from time 0), `_` skipped, `stale` as the
 * staleness marker. A series given twice in one block keeps its last line,
 * as Prometheus's loader does. Returns 0; SLOEVAL_EUNSUPPORTED (nothing
 * loaded) when the block holds native histograms or start timestamps;
 * SLOEVAL_EDATA when samples conflict with what the source holds.
 */
int script_load_into(sloeval_source *mem, const script_load *load, sloeval_error *err);

/*
 * The same, loading only what is supported: series with native histogram
 * points, and series given start timestamps by an @st line, are left out
 * and counted in *skipped; the other series of the block load as
 * script_load_into would load them. A runner that uses this must treat
 * evaluations touching the left-out series as skipped, not as failed.
 */
int script_load_supported_into(sloeval_source *mem, const script_load *load, size_t *skipped,
                               sloeval_error *err);

/* Whether an expect line accepts a message (an error's or an annotation's). */
bool script_expect_matches(const script_expect *e, strv message);

#endif
